"""Suspensions and bans: from the profile page and the admin; what a suspended
member can and cannot do, and what they are told."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from forum import actions
from forum.models import ModerationLogEntry, Post, Report
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_global_moderator_suspends_from_the_profile(client, global_moderator):
    """The profile has the tools; the form sets an end date and a reason."""
    member = UserFactory(username="target")
    client.force_login(global_moderator)
    profile = client.get(member.get_absolute_url()).content.decode()
    assert reverse("forum:user_suspend", args=[member.pk]) in profile

    until = timezone.localdate() + timedelta(days=3)
    response = client.post(
        reverse("forum:user_suspend", args=[member.pk]),
        {"kind": "suspend", "until": until.isoformat(), "reason": "Flame war"},
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_suspended and not member.is_banned
    assert timezone.localtime(member.suspended_until).date() == until
    assert member.suspension_reason == "Flame war"
    assert ModerationLogEntry.objects.get().action == "user.suspend"


def test_members_and_category_moderators_see_no_suspension_tools(
    client, user, moderator
):
    """Only global moderators and administrators suspend."""
    member = UserFactory()
    url = reverse("forum:user_suspend", args=[member.pk])
    for viewer in (user, moderator):
        client.force_login(viewer)
        assert url not in client.get(member.get_absolute_url()).content.decode()


def test_suspended_member_signs_in_and_reads(client, suspended, thread):
    """Signing in and reading still work."""
    response = client.post(
        reverse("account_login"),
        {"login": suspended.username, "password": "correct horse 42"},
    )
    assert response.status_code == 302
    assert client.get(thread.get_absolute_url()).status_code == 200


def test_suspended_member_sees_the_reason_and_end_date(client, suspended, thread):
    """Every page carries the notice; the thread page shows it instead of the form."""
    client.force_login(suspended)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "Your account is suspended until" in html
    assert "Insulting people" in html
    until = timezone.localtime(suspended.suspended_until).strftime("%Y-%m-%d")
    assert until in html
    assert 'name="body"' not in html


def test_suspended_member_cannot_post_edit_or_report(client, suspended, thread, user):
    """Reply, new thread, edit and report are refused with the reason."""
    own = actions.create_reply(thread=thread, author=UserFactory(), body="x")
    Post.objects.filter(pk=own.pk).update(author=suspended)
    other = actions.create_reply(thread=thread, author=user, body="Other")
    client.force_login(suspended)
    before = Post.objects.count()

    responses = [
        client.post(reverse("forum:thread_reply", args=[thread.pk]), {"body": "Hi"}),
        client.post(
            reverse("forum:thread_create"),
            {"category": thread.category_id, "title": "New one", "body": "Hi"},
        ),
        client.post(reverse("forum:post_edit", args=[own.pk]), {"body": "Changed"}),
        client.post(reverse("forum:post_report", args=[other.pk]), {"reason": "spam"}),
    ]

    for response in responses:
        assert response.status_code == 403
        assert "Insulting people" in response.content.decode()
    assert Post.objects.count() == before
    assert Post.objects.get(pk=own.pk).body_source == "x"
    assert not Report.objects.exists()


def test_a_ban_has_no_end_date(client, global_moderator):
    """Banned for good: the notice says so."""
    member = UserFactory()
    client.force_login(global_moderator)
    client.post(
        reverse("forum:user_suspend", args=[member.pk]),
        {"kind": "ban", "reason": "Spam"},
    )
    member.refresh_from_db()
    assert member.is_banned
    client.force_login(member)
    assert "Your account is banned." in client.get("/").content.decode()


def test_lifting_a_suspension(client, suspended, global_moderator, thread):
    """After lifting, the member writes again; the log has both steps."""
    client.force_login(global_moderator)
    response = client.post(reverse("forum:user_unsuspend", args=[suspended.pk]))
    assert response.status_code == 302
    suspended.refresh_from_db()
    assert not suspended.is_suspended
    client.force_login(suspended)
    response = client.post(
        reverse("forum:thread_reply", args=[thread.pk]), {"body": "Sorry"}
    )
    assert response.status_code == 302
    assert list(
        ModerationLogEntry.objects.order_by("pk").values_list("action", flat=True)
    ) == ["user.suspend", "user.unsuspend"]


def test_lifting_when_not_suspended_is_a_form_error(client, global_moderator):
    """Nothing to lift: the page says so and writes nothing."""
    member = UserFactory()
    client.force_login(global_moderator)
    response = client.post(reverse("forum:user_unsuspend", args=[member.pk]))
    assert response.status_code == 200
    assert "not suspended" in response.content.decode()
    assert not ModerationLogEntry.objects.exists()


def test_administrators_cannot_be_suspended(client, global_moderator, staff):
    """Out of a moderator's reach: 403, nothing written."""
    client.force_login(global_moderator)
    response = client.post(
        reverse("forum:user_suspend", args=[staff.pk]), {"kind": "ban"}
    )
    assert response.status_code == 403
    staff.refresh_from_db()
    assert not staff.is_suspended


def admin_action(admin_client, action, members, **extra):
    return admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {
            "action": action,
            "_selected_action": [member.pk for member in members],
            "index": 0,
            **extra,
        },
    )


def test_admin_bans_suspends_and_lifts(admin_client):
    """The member list's actions go through the same functions and the log."""
    first, second = UserFactory(), UserFactory()
    until = (timezone.localdate() + timedelta(days=2)).isoformat()

    admin_action(admin_client, "ban_members", [first], reason="Spam")
    admin_action(admin_client, "suspend_members", [second], until=until, reason="Cool")

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_banned and first.suspension_reason == "Spam"
    assert second.is_suspended and not second.is_banned

    admin_action(admin_client, "lift_suspensions", [first, second])

    assert not User.objects.filter(pk__in=[first.pk, second.pk])[0].is_suspended
    assert sorted(ModerationLogEntry.objects.values_list("action", flat=True)) == [
        "user.ban",
        "user.suspend",
        "user.unsuspend",
        "user.unsuspend",
    ]


def test_admin_suspend_needs_a_date(admin_client):
    """Without an end date nothing happens."""
    member = UserFactory()
    admin_action(admin_client, "suspend_members", [member])
    member.refresh_from_db()
    assert not member.is_suspended
    assert not ModerationLogEntry.objects.exists()
