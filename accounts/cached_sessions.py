"""The session engine with REDIS_URL: database sessions read through the cache,
with the member's id (accounts.sessions)."""

from django.contrib.sessions.backends import cached_db

from .sessions import MemberColumn


class SessionStore(MemberColumn, cached_db.SessionStore):
    """Database sessions read through the cache, with the member's id; named
    as accounts.sessions' store is, for the same signing salt."""
