"""Django's Redis cache backend, failing soft, without two costs paid on every call.

Failing soft: the cache is an accelerator, so a Redis that is down, unreachable
or frozen must not fail a request. Every call has a short socket timeout
(`REDIS_TIMEOUT`), and a failure opens a circuit breaker shared by the
process's threads and cache aliases on that server: for `REDIS_RETRY_SECONDS`
every call answers at once as a miss (get: the default; add, touch, delete:
False; incr: ValueError, as for a missing key; set: nothing), then one call tries
Redis again. The outage is logged once when the breaker opens, and once when
Redis is back.

While the breaker is open, keys under `LOCAL_KEY_PREFIXES` (rate-limit
counters) are kept in a local-memory cache of the process instead: limits then
count per process (see docs/deploy.md), and allauth's lock around its counters
works.

Writes missed while Redis was away would leave stale entries behind once it is
back (a frozen Redis keeps its data): before any other call reaches Redis
again, the thread that found it back deletes the keys whose writes it missed
(up to `MISSED_KEYS` of them) and sends `recovered`, whose receivers mark
derived entries stale (forum.signals: every stored page).

The two costs: Django's `RedisCacheClient.get_client()` builds a new
`redis.Redis` for every cache call; redis-py registers its ~170 response
callbacks in `__init__`, about half a millisecond each time, and a guest
page-cache hit makes two calls. One client per connection pool is enough:
`redis.Redis` is safe to share between threads (each command borrows a
connection from the pool). And Django checks every key for what memcached
refuses (length, spaces, control characters), one character at a time: a
page's 25 version keys cost a tenth of a millisecond. Redis takes any key, and
ours are our own.
"""

import functools
import logging
import threading
import time

from django.core.cache.backends import redis
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import request_started
from django.dispatch import Signal, receiver
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Sent by the thread that finds Redis back after an outage, before any other
# call reaches it; receivers use the cache as usual (their calls go through).
recovered = Signal()

# Keys whose missed writes are remembered for deletion on recovery, per server.
MISSED_KEYS = 10_000


class CircuitBreaker:
    """Skip a server for `retry_seconds` after a failure, then let one call try.

    Shared by every thread and cache alias of the process that uses the server,
    with the local fallback for rate-limit counters. A thread that found the
    server away keeps skipping it until its request ends (or for
    `retry_seconds` outside requests): a request sees the cache either up or
    down, never a clock read while it was down and versions after.
    """

    def __init__(self, location: str, retry_seconds: float):
        self.location = location
        self.retry_seconds = retry_seconds
        self.fallback = LocMemCache(
            f"redis-fallback:{location}", {"OPTIONS": {"MAX_ENTRIES": 10_000}}
        )
        self._lock = threading.Lock()
        self._open_until = None  # monotonic time; None while closed
        self._opened_at = 0.0
        self._trying = False
        self._missed = set()
        self._missed_overflow = False
        self._thread = threading.local()

    def allow(self, client) -> bool:
        """Whether a call may go to the server now. After the breaker's time,
        the first caller pings the server and, if it answers, recovers
        (`_recover`) before the breaker lets any other call through."""
        thread = self._thread
        if getattr(thread, "recovering", False):
            return True
        if getattr(thread, "away_until", 0) > time.monotonic():
            return False
        if self._open_until is None:
            return True
        with self._lock:
            if self._open_until is None:
                return True
            if self._trying or time.monotonic() < self._open_until:
                thread.away_until = time.monotonic() + self.retry_seconds
                return False
            self._trying = True
        try:
            client.ping()
            thread.recovering = True
            self._recover(client)
        except RedisError as error:
            self.failed(error)
            return False
        finally:
            thread.recovering = False
            self._trying = False
        return True

    def request_started(self) -> None:
        """A new request in this thread: it asks the breaker afresh."""
        self._thread.away_until = 0

    def failed(self, error: Exception, keys=()) -> None:
        """A call failed: open, and remember the keys it wrote."""
        self._thread.away_until = time.monotonic() + self.retry_seconds
        with self._lock:
            self._remember(keys)
            if self._open_until is None:
                self._opened_at = time.monotonic()
                logger.warning(
                    "Redis at %s failed (%s: %s): serving without it, trying "
                    "again every %s s.",
                    self.location,
                    type(error).__name__,
                    error,
                    self.retry_seconds,
                )
            self._open_until = time.monotonic() + self.retry_seconds

    def skipped(self, keys) -> None:
        """A write skipped while open: its keys may be stale in Redis."""
        with self._lock:
            self._remember(keys)

    def _remember(self, keys) -> None:
        for key in keys:
            if len(self._missed) >= MISSED_KEYS:
                self._missed_overflow = True
                return
            self._missed.add(key)

    def _recover(self, client) -> None:
        """Delete the keys whose writes were missed, tell the receivers of
        `recovered`, then close; a failure on the way keeps the breaker open."""
        with self._lock:
            missed, self._missed = self._missed, set()
            overflow, self._missed_overflow = self._missed_overflow, False
        try:
            if missed:
                client.delete(*missed)
        except RedisError:
            with self._lock:
                self._missed |= missed
                self._missed_overflow |= overflow
            raise
        for hook, result in recovered.send_robust(
            sender=self.__class__, location=self.location
        ):
            if isinstance(result, Exception):
                logger.error(
                    "%r failed after Redis came back",
                    hook,
                    exc_info=(type(result), result, result.__traceback__),
                )
        if time.monotonic() < self._open_until:
            # A call made while recovering failed: it opened the breaker anew.
            raise RedisError("failed again while recovering")
        with self._lock:
            self._open_until = None
        self.fallback.clear()
        logger.warning(
            "Redis at %s is back after %.1f s; %d keys written meanwhile deleted%s.",
            self.location,
            time.monotonic() - self._opened_at,
            len(missed),
            f" (more than {MISSED_KEYS}: others may be stale until they expire)"
            if overflow
            else "",
        )


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(location: str, retry_seconds: float) -> CircuitBreaker:
    """The process's breaker for a server."""
    with _breakers_lock:
        breaker = _breakers.get(location)
        if breaker is None:
            breaker = _breakers[location] = CircuitBreaker(location, retry_seconds)
        return breaker


@receiver(request_started)
def _request_started(**kwargs):
    for breaker in list(_breakers.values()):
        breaker.request_started()


class RedisCacheClient(redis.RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


# The backend's methods, what each answers while Redis is away, and whether it
# writes (its keys are then remembered, to be deleted on recovery).
_MISS = {
    "add": (False, True),
    "get": (None, False),  # the caller's default, see `_guarded`
    "set": (None, True),
    "touch": (False, True),
    "delete": (False, True),
    "get_many": ({}, False),
    "has_key": (False, False),
    "incr": (ValueError, True),
    "set_many": (None, True),  # every key failed, see `_guarded`
    "delete_many": (None, True),
    "clear": (False, False),
}
# Of those, the ones on a single key that the local fallback can answer.
_LOCAL = {"add", "get", "set", "touch", "delete", "has_key", "incr"}


def _guarded(name):
    """The backend method `name`, failing soft (see the module docstring)."""
    miss, writes = _MISS[name]
    method = getattr(redis.RedisCache, name)

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        breaker = self._breaker
        if breaker.allow(self._cache.get_client(write=True)):
            try:
                return method(self, *args, **kwargs)
            except RedisError as error:
                breaker.failed(error, self._keys_of(name, args, kwargs, writes))
        elif writes:
            breaker.skipped(self._keys_of(name, args, kwargs, writes))
        if name in _LOCAL and self._is_local(args[0]):
            return getattr(breaker.fallback, name)(*args, **kwargs)
        if miss is ValueError:
            raise ValueError("The cache is unavailable.")
        if name == "get":
            return args[1] if len(args) > 1 else kwargs.get("default")
        if name == "set_many":
            return list(args[0])
        return miss

    return guarded


class RedisCache(redis.RedisCache):
    """Django's RedisCache, failing soft (see the module docstring).

    OPTIONS beside redis-py's: RETRY_SECONDS (how long the breaker stays open)
    and LOCAL_KEY_PREFIXES (keys kept in local memory while Redis is away).
    """

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        retry_seconds = options.pop("RETRY_SECONDS", 5)
        self._local_prefixes = tuple(options.pop("LOCAL_KEY_PREFIXES", ()))
        # Fail fast: no wait for a dead or frozen server beyond these.
        options.setdefault("socket_connect_timeout", 0.25)
        options.setdefault("socket_timeout", 0.25)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = RedisCacheClient
        self._breaker = breaker_for(self._servers[0], retry_seconds)

    def validate_key(self, key):
        """Any key is valid in Redis: skip the memcached checks."""

    def _is_local(self, key) -> bool:
        return bool(self._local_prefixes) and key.startswith(self._local_prefixes)

    def _keys_of(self, name, args, kwargs, writes) -> list[str]:
        if not writes:
            return []
        version = kwargs.get("version")
        if name in {"set_many", "delete_many"}:
            return [self.make_key(key, version) for key in args[0]]
        return [self.make_key(args[0], version)]

    add = _guarded("add")
    get = _guarded("get")
    set = _guarded("set")
    touch = _guarded("touch")
    delete = _guarded("delete")
    get_many = _guarded("get_many")
    has_key = _guarded("has_key")
    incr = _guarded("incr")
    set_many = _guarded("set_many")
    delete_many = _guarded("delete_many")
    clear = _guarded("clear")
