"""The session engine with REDIS_URL: database sessions read through the cache,
with the member's id (accounts.sessions)."""

from .sessions import CachedSessionStore as SessionStore

__all__ = ["SessionStore"]
