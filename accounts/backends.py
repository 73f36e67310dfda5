"""The authentication backend: allauth's, loading the session's member with the
permission facts every page asks (`forum.permissions`), in one query.

It is the only one in AUTHENTICATION_BACKENDS: allauth's backend also checks the
plain username and password that Django's own forms send, and with Django's
ModelBackend beside it a failed sign-in by username ran the password hasher once
in each (twice in all).
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from forum import permissions

# The longest e-mail address (RFC 5321); usernames are shorter (150).
MAX_LOGIN_LENGTH = 254


class MemberWithFactsMixin:
    def authenticate(self, request, **credentials):
        """No member has a longer name or address: refuse without a query (on
        SQLite a 50 KB name made the case-insensitive lookup fail, a 500)."""
        for name, value in credentials.items():
            if name != "password" and isinstance(value, str):
                if len(value) > MAX_LOGIN_LENGTH:
                    return None
        return super().authenticate(request, **credentials)

    def get_user(self, user_id):
        """The member of a session, by `permissions.member_with_permission_facts`."""
        try:
            user_id = get_user_model()._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = permissions.member_with_permission_facts(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        return user


class AuthenticationBackend(MemberWithFactsMixin, AllauthBackend):
    """Sign-in by username or e-mail address: one hash of the password per
    attempt, whether a member matches (the check) or not (allauth's decoy hash),
    so that the time taken does not tell which names exist."""

    def authenticate(self, request, **credentials):
        """allauth's sign-in, each member's password checked at most once."""
        self._checked_members = set()
        return super().authenticate(request, **credentials)

    def _check_password(self, user, password):
        # allauth's form sends an address both as `email` and as `username`,
        # and the backend looks the address up in both branches: without this,
        # a wrong password for a known address was hashed twice, an unknown
        # address once.
        if user is not None:
            if user.pk in self._checked_members:
                return None
            self._checked_members.add(user.pk)
        return super()._check_password(user, password)
