"""Names a reader could misread are refused: in sign-up, profile settings and
the admin (accounts.names)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import names
from accounts.models import User
from tests.factories import UserFactory

PASSWORD = "a fresh secret 93"
INVISIBLE = [
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",  # byte order mark
    "\u202e",  # right-to-left override
    "\u2067",  # right-to-left isolate
    "\u115f",  # Hangul choseong filler
    "\u3164",  # Hangul filler
    "\U000e0041",  # tag letter A
    "\x07",  # a C0 control
    "\u0085",  # a C1 control
]


def signup(client, username, email="newcomer@example.com"):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "username": username,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def test_skeletons_follow_unicodes_confusables():
    """Cyrillic and Greek look-alikes, digits and full-width letters meet the
    Latin name they imitate; different names stay apart."""
    key = names.comparison_key
    for lookalike in ["аdmin", "ADMIN", "ａｄｍｉｎ", "adrnin", "Admin", "ADMlN"]:
        assert key(lookalike) == key("admin"), lookalike
    assert key("Iisa") == key("lisa")
    assert key("r00t") == key("root")
    assert key("paypal") == key("pаypа1")
    assert key("adrian") != key("admin")


@pytest.mark.parametrize("char", INVISIBLE)
def test_invisible_characters_are_refused_in_both_names(char):
    with pytest.raises(ValidationError, match="invisible"):
        names.clean_display_name(f"Ann{char}Example")
    with pytest.raises(ValidationError, match="invisible"):
        names.clean_username(f"an{char}n")


def test_names_are_nfkc_normalised(db):
    """Full-width letters fold to ASCII; compatibility forms to plain ones."""
    assert names.clean_username("ｎｅｗｃｏｍｅｒ") == "newcomer"
    assert names.clean_display_name("  Ａnn\u00a0  Example ") == "Ann Example"


@pytest.mark.parametrize(
    ("username", "error"),
    [
        ("аdmin", "letters a-z"),  # Cyrillic а
        ("ädmin", "letters a-z"),
        ("ad min", "letters a-z"),
        ("admin\u200b", "invisible"),
        ("ADMIN", "already"),  # allauth: taken, case aside
        ("ａｄｍｉｎ", "already"),  # full-width: taken once folded
        ("adrnin", "too close"),
        ("Staff-Admin", "too close"),  # another member's display name
    ],
)
def test_signup_refuses_misleading_usernames(client, db, mailoutbox, username, error):
    UserFactory(username="admin", display_name="staff-admin")

    response = signup(client, username)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert User.objects.count() == 1
    assert mailoutbox == []


def test_signup_keeps_the_normalised_username(client, db):
    signup(client, "ｎｅｗｃｏｍｅｒ")
    assert User.objects.filter(username="newcomer").exists()


@pytest.mark.parametrize(
    "display_name", ["admin", "Admin", "ADMlN", "аdmin", "ａｄｍｉｎ", "The Moderator"]
)
def test_display_name_cannot_be_another_members_name(client, user, display_name):
    """Another member's username ("admin") or display name, in any case or
    look-alike letters, is refused."""
    UserFactory(username="admin", display_name="The Moderator")
    client.force_login(user)

    response = client.post(
        reverse("accounts:profile_settings"), {"display_name": display_name}
    )

    assert response.status_code == 200
    assert "too close to another member" in response.content.decode()
    user.refresh_from_db()
    assert user.display_name != display_name


def test_a_member_may_use_their_own_username_as_display_name(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile_settings"), {"display_name": user.username.upper()}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == user.username.upper()


def test_admin_applies_the_same_rules(admin_client, user):
    """Renaming a member in the admin to a look-alike of another is refused."""
    UserFactory(username="admin2", display_name="Root")
    url = reverse("admin:accounts_user_change", args=[user.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in {"groups", "user_permissions"}
    }
    data.update(
        username=user.username,
        display_name="rооt",  # Cyrillic о
        last_login_0="",
        last_login_1="",
        date_joined_0="2026-01-01",
        date_joined_1="00:00:00",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "too close to another member" in response.content.decode()

    add = admin_client.post(
        reverse("admin:accounts_user_add"),
        {"username": "аdmin2", "usable_password": "false"},
    )
    assert add.status_code == 200
    assert "letters a-z" in add.content.decode()
    assert not User.objects.filter(username="аdmin2").exists()
