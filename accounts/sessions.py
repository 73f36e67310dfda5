"""Sessions that know their member, so a password change can end them all.

Django's session rows hold the member's id only inside their encoded data, so
"every session of this member" would mean decoding every row. These engines
(the database one, and the database one read through the cache, chosen in
settings) keep the member's id in an indexed column of their own. When a
member's password changes, wherever it is changed (the site, the admin,
`manage.py changepassword`, the shell), `end_other_sessions` deletes their
sessions from the database and the cache at once: an old session in another
browser is signed out on its next request, even when its pages come from the
stored member pages (pagecache.members), which read the session first.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class MemberSession(AbstractBaseSession):
    """A session row with the signed-in member's id (None for none)."""

    user_id = models.BigIntegerField(null=True, db_index=True)

    @classmethod
    def get_session_store_class(cls):
        return SessionStore


class MemberColumn:
    """Writes the member's id beside the session data."""

    @classmethod
    def get_model_class(cls):
        return MemberSession

    def create_model_instance(self, data):
        row = super().create_model_instance(data)
        try:
            row.user_id = int(data.get(SESSION_KEY))
        except (TypeError, ValueError):
            row.user_id = None
        return row


class SessionStore(MemberColumn, db.SessionStore):
    """Database sessions with the member's id. Its cached twin
    (accounts.cached_sessions) has the same class name, so the two sign session
    data with the same salt and read each other's rows."""


def end_other_sessions(user_id: int, keep: str | None = None) -> int:
    """Delete every session of the member but `keep` (a session key), from the
    database and from the cache; how many."""
    keys = list(
        MemberSession.objects.filter(user_id=user_id)
        .exclude(session_key=keep or "")
        .values_list("session_key", flat=True)
    )
    from .cached_sessions import SessionStore as CachedSessionStore

    for key in keys:
        # The cached engine's delete clears its cache entry too.
        CachedSessionStore(key).delete(key)
    return len(keys)
