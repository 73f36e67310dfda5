"""Profiles and moderation: a suspended member's profile is frozen; moderators
clear a profile (name, bio, avatar) from the profile page or the admin."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts import actions as profile
from accounts.models import User
from forum import actions
from forum.models import ModerationLogEntry
from tests.accounts.test_admin import change_form_data
from tests.accounts.test_profile_settings import image_file, stored_avatars
from tests.accounts.test_suspension import admin_action
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/settings/profile/"


@pytest.fixture
def decorated(media_root, committed):
    """A member with a display name, a bio and an avatar file."""
    member = UserFactory(username="loud")
    with committed():
        profile.update_profile(
            user=member,
            display_name="Shouty Spammer",
            bio="Buy **now** at example.com",
            avatar_webp=b"RIFF-not-really-webp",
        )
    member.refresh_from_db()
    assert stored_avatars(media_root) == [member.avatar.name.split("/")[1]]
    return member


def suspend(member, actor, **kwargs):
    kwargs.setdefault("until", timezone.now() + timedelta(days=7))
    actions.suspend_user(member=member, actor=actor, reason="Spamming", **kwargs)
    member.refresh_from_db()
    return member


# The freeze.


@pytest.mark.parametrize("days", [7, None], ids=["suspended", "banned"])
def test_a_suspended_member_cannot_change_their_profile(
    client, decorated, global_moderator, media_root, days
):
    """The page says why; a POST changes nothing (no name, bio or avatar)."""
    until = None if days is None else timezone.now() + timedelta(days=days)
    member = suspend(decorated, global_moderator, until=until)
    client.force_login(member)

    page = client.get(SETTINGS_URL)
    assert page.status_code == 200
    assert "Reason: Spamming" in page.content.decode()
    assert "Save profile" not in page.content.decode()

    before = stored_avatars(media_root)
    response = client.post(
        SETTINGS_URL,
        {
            "display_name": "Innocent",
            "bio": "Nothing to see",
            "avatar": image_file(),
            "remove_avatar": "on",
        },
    )
    assert response.status_code == 403
    assert "Reason: Spamming" in response.content.decode()
    fresh = User.objects.get(pk=member.pk)
    assert (fresh.display_name, fresh.bio, fresh.avatar.name) == (
        "Shouty Spammer",
        "Buy **now** at example.com",
        decorated.avatar.name,
    )
    assert stored_avatars(media_root) == before


def test_the_action_refuses_a_suspended_member(decorated, global_moderator):
    """`update_profile` refuses too, so no caller can skip the freeze."""
    member = suspend(decorated, global_moderator)
    with pytest.raises(PermissionDenied, match="Reason: Spamming"):
        profile.update_profile(user=member, display_name="Innocent", bio="")
    assert User.objects.get(pk=member.pk).display_name == "Shouty Spammer"


def test_the_freeze_ends_with_the_suspension(client, decorated, global_moderator):
    """Once lifted, the member edits their profile again."""
    member = suspend(decorated, global_moderator)
    actions.lift_suspension(member=member, actor=global_moderator)
    client.force_login(member)
    response = client.post(SETTINGS_URL, {"display_name": "Calm", "bio": ""})
    assert response.status_code == 302
    assert User.objects.get(pk=member.pk).display_name == "Calm"


# Clear profile.


def clear_url(member):
    return reverse("forum:user_clear_profile", args=[member.pk])


def test_a_global_moderator_clears_a_profile_shown_at_once(
    client, settings, decorated, global_moderator, media_root, committed
):
    """Name, bio and avatar go, the file is deleted, one entry is logged, and a
    guest's cached profile page shows the change at once."""
    settings.GUEST_PAGE_CACHE_SECONDS = 300
    guest = client.__class__()
    assert b"Shouty Spammer" in guest.get(decorated.get_absolute_url()).content

    client.force_login(global_moderator)
    page = client.get(decorated.get_absolute_url()).content.decode()
    assert f'action="{clear_url(decorated)}"' in page
    confirmation = client.get(clear_url(decorated))
    assert confirmation.status_code == 200
    assert b"Clear this member&#x27;s profile" in confirmation.content
    with committed():
        response = client.post(clear_url(decorated), {"reason": "Spam profile"})
    assert response.status_code == 302
    assert response["Location"] == decorated.get_absolute_url()

    member = User.objects.get(pk=decorated.pk)
    assert (member.display_name, member.bio, member.bio_html) == ("", "", "")
    assert not member.avatar
    assert member.name == "loud"
    assert stored_avatars(media_root) == []
    entry = ModerationLogEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_user) == (
        "user.clear_profile",
        global_moderator,
        member,
    )
    assert entry.reason == "Spam profile"

    shown = guest.get(decorated.get_absolute_url()).content
    assert b"Shouty Spammer" not in shown
    assert b"Buy" not in shown
    assert decorated.avatar_url.encode() not in shown


def test_a_plain_member_cannot_clear_a_profile(client, decorated, user):
    client.force_login(user)
    page = client.get(decorated.get_absolute_url()).content.decode()
    assert clear_url(decorated) not in page
    assert client.get(clear_url(decorated)).status_code == 403
    assert client.post(clear_url(decorated)).status_code == 403
    assert User.objects.get(pk=decorated.pk).display_name == "Shouty Spammer"
    assert not ModerationLogEntry.objects.exists()


def test_a_global_moderator_cannot_clear_another_moderators_profile(
    client, global_moderator, moderator, staff
):
    """Only administrators act on moderators; nobody clears an administrator's."""
    moderator.display_name = "Cat Mod"
    moderator.save()
    client.force_login(global_moderator)
    assert client.post(clear_url(moderator)).status_code == 403
    assert client.post(clear_url(staff)).status_code == 403
    assert User.objects.get(pk=moderator.pk).display_name == "Cat Mod"
    with pytest.raises(PermissionDenied, match="Only administrators"):
        profile.clear_profile(user=moderator, actor=global_moderator, reason="")
    assert not ModerationLogEntry.objects.exists()


def test_the_admin_clears_profiles_through_the_action(
    admin_client, decorated, media_root, django_capture_on_commit_callbacks
):
    """The member list's "clear profile" action, derived from the registry."""
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_action(
            admin_client, "user_clear_profile", [decorated], reason="Spam"
        )
    assert response.status_code == 302
    member = User.objects.get(pk=decorated.pk)
    assert (member.display_name, member.bio, member.avatar.name) == ("", "", "")
    assert stored_avatars(media_root) == []
    assert list(ModerationLogEntry.objects.values_list("action", "reason")) == [
        ("user.clear_profile", "Spam")
    ]


def test_the_admin_removes_an_avatar(
    admin_client, decorated, global_moderator, media_root, committed
):
    """The member's change form has "Remove the avatar", suspended or not."""
    suspend(decorated, global_moderator)
    url = reverse("admin:accounts_user_change", args=[decorated.pk])
    data = change_form_data(admin_client, url, remove_avatar="on")
    with committed():
        response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    member = User.objects.get(pk=decorated.pk)
    assert not member.avatar
    assert member.display_name == "Shouty Spammer"
    assert stored_avatars(media_root) == []


def test_the_moderation_log_lists_a_cleared_profile(client, decorated, staff):
    profile.clear_profile(user=decorated, actor=staff, reason="Spam profile")
    client.force_login(staff)
    page = client.get(reverse("forum:moderation_log")).content.decode()
    assert "user.clear_profile" in page
    assert "“loud”" in page
    filtered = client.get(
        reverse("forum:moderation_log"), {"action": "user.clear_profile"}
    )
    assert "“loud”" in filtered.content.decode()
