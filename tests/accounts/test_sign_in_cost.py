"""What a sign-in attempt costs and where it can be made: the password hasher
runs once per attempt, known name or not, and the admin has no sign-in form of
its own (it sends people to allauth's, which is rate limited)."""

from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "correct horse 42"  # tests.factories.UserFactory


@pytest.fixture
def hasher_calls():
    """The hashes the test suite's password hasher computes. MD5PasswordHasher
    computes every one in `encode`: hashing a new password, and checking one
    (its `verify` encodes the guess with the stored salt)."""
    calls = []
    original = MD5PasswordHasher.encode

    def encode(self, password, salt):
        calls.append(salt)
        return original(self, password, salt)

    with mock.patch.object(MD5PasswordHasher, "encode", encode):
        yield calls


@pytest.mark.parametrize(
    "login",
    ["member_login", "nobody_here", "member_login@example.com", "no@example.com"],
)
def test_a_failed_sign_in_hashes_the_password_once(client, db, hasher_calls, login):
    """A wrong password for a known name costs one hash, and so does a name
    (or address) that no member has: the answer takes the same time."""
    UserFactory(username="member_login")
    hasher_calls.clear()

    response = client.post(
        reverse("account_login"), {"login": login, "password": "wrong guess"}
    )

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert len(hasher_calls) == 1, hasher_calls


def test_admin_sign_in_page_sends_to_the_sites_sign_in(client, db):
    """/admin/login/ redirects to allauth's sign-in page, keeping `next`."""
    response = client.get(reverse("admin:login") + "?next=/admin/forum/post/")

    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('account_login')}?next=%2Fadmin%2Fforum%2Fpost%2F"
    )
    guest = client.get("/admin/", follow=True)
    assert guest.redirect_chain[-1][0] == f"{reverse('account_login')}?next=%2Fadmin%2F"


def test_admin_sign_in_form_checks_no_password(client, staff, hasher_calls):
    """Fifteen wrong passwords and then the right one, posted to the admin's
    sign-in: none is checked (the admin has no form of its own any more), no one
    is signed in, and the site's sign-in, where people are sent, is limited."""
    for _attempt in range(15):
        response = client.post(
            reverse("admin:login"), {"username": staff.username, "password": "wrong"}
        )
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    response = client.post(
        reverse("admin:login"), {"username": staff.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert hasher_calls == []


def test_staff_sign_in_through_the_site_reaches_the_admin(client, staff):
    """A staff member signs in on the site's page and lands in the admin."""
    response = client.post(
        reverse("account_login"),
        {"login": staff.username, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_sign_in_attempts_share_the_sites_limit(client, staff):
    """Wrong passwords for a staff account lock it as on the site: the admin
    offers no second door with its own count."""
    limit = int(
        django_settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")[1].split("/")[0]
    )
    for _attempt in range(limit):
        client.post(
            reverse("account_login"), {"login": staff.username, "password": "wrong"}
        )
    client.post(
        reverse("admin:login"), {"username": staff.username, "password": PASSWORD}
    )
    response = client.post(
        reverse("account_login"), {"login": staff.username, "password": PASSWORD}
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signup_with_a_taken_address_hashes_the_password_too(
    client, user, hasher_calls, mailoutbox
):
    """Sign-up does the same expensive work for a member's address as for a new
    one (the password hash), so its time does not reveal who has an account."""
    form = {"password1": "a fresh secret 93", "password2": "a fresh secret 93"}
    known = client.post(
        reverse("account_signup"), {"email": user.email, "username": "other", **form}
    )
    known_hashes = len(hasher_calls)
    hasher_calls.clear()
    new = client.post(
        reverse("account_signup"),
        {"email": "newcomer@example.com", "username": "newcomer", **form},
    )

    assert known.status_code == new.status_code == 302
    assert known["Location"] == new["Location"]
    assert len(hasher_calls) == 1
    assert known_hashes == len(hasher_calls)
    assert len(mailoutbox) == 2


def test_unconfirmed_staff_are_mailed_a_link_on_first_sign_in(client, db, mailoutbox):
    """An administrator made by `createsuperuser` has no confirmed address:
    signing in mails the confirmation link (README, "An administrator")."""
    admin = UserFactory(is_staff=True, is_superuser=True, verified_email=False)
    response = client.post(
        reverse("account_login"),
        {"login": admin.username, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert [mail.to for mail in mailoutbox] == [[admin.email]]
    assert "/accounts/confirm-email/" in mailoutbox[0].body
