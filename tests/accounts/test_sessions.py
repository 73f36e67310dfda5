"""A password change ends the member's other sessions wherever it is made,
even when their pages come from the stored member pages."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client

from accounts.models import MemberSession
from accounts.sessions import end_other_sessions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "an old password 42"


@pytest.fixture
def member(db):
    member = UserFactory(username="walker")
    member.set_password(PASSWORD)
    member.save()
    return member


def signed_in(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def is_signed_in(client) -> bool:
    return SESSION_KEY in client.session


def test_sessions_carry_their_member(member):
    signed_in(member)
    signed_in(member)

    assert MemberSession.objects.filter(user_id=member.pk).count() == 2


def test_a_password_set_in_the_shell_ends_every_session(member, committed):
    browser = signed_in(member)
    with committed():
        member.set_password("a new password 42")
        member.save()

    assert not is_signed_in(browser)
    assert not MemberSession.objects.filter(user_id=member.pk).exists()


def test_changepassword_ends_other_sessions_with_the_page_cache_on(
    member, settings, thread, monkeypatch, committed
):
    """`manage.py changepassword` in another process: the member's card and
    shared pages are still stored here, but the session they hang on is gone."""
    settings.GUEST_PAGE_CACHE_SECONDS = 300
    settings.SESSION_ENGINE = "accounts.cached_sessions"
    browser = signed_in(member)
    url = thread.get_absolute_url()
    browser.get(url)
    assert b"walker" in browser.get(url).content  # a stored member page
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a new password 42")

    with committed():
        call_command("changepassword", "walker")

    page = browser.get(url).content
    assert b"Sign In Now" in page and not is_signed_in(browser)


@pytest.mark.django_db(transaction=True)
def test_changing_the_password_on_the_site_keeps_this_session_only(member):
    """Committed as a real request commits: the change's own session stays."""
    here, elsewhere = signed_in(member), signed_in(member)
    response = here.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a new password 42",
            "password2": "a new password 42",
        },
    )
    assert response.status_code == 302

    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)


def test_ending_sessions_keeps_the_one_named(member):
    keep, other = signed_in(member), signed_in(member)

    assert end_other_sessions(member.pk, keep=keep.session.session_key) == 1
    assert is_signed_in(keep) and not is_signed_in(other)
