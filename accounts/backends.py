"""Authentication backends: Django's and allauth's, loading the session's member
with the permission facts every page asks (`forum.permissions`), in one query.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
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


class ModelBackend(MemberWithFactsMixin, DjangoModelBackend):
    """Username and password, for the Django admin's sign-in form."""


class AuthenticationBackend(MemberWithFactsMixin, AllauthBackend):
    """allauth's sign-in by username or e-mail address."""
