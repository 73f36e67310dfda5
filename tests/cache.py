"""The Redis cache of one xdist worker: its own key prefix, and `clear()` empties
only that prefix (Django's empties the whole Redis database, the other workers'
keys included)."""

from config.cache import RedisCache


class WorkerRedisCache(RedisCache):
    def clear(self):
        """Delete this cache's keys only."""
        client = self._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{self.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        return True
