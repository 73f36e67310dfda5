"""Who may suspend, ban or hide every post of whom (`permissions.can_suspend`):
moderators are out of other moderators' reach, administrators act on them."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import User
from forum import actions, permissions
from tests.factories import GlobalModeratorFactory, UserFactory


def fresh(member):
    """The member as a request would load it (no facts kept on the object)."""
    return User.objects.get(pk=member.pk)


@pytest.fixture
def other_global_moderator(db):
    return GlobalModeratorFactory(username="othermod")


@pytest.mark.parametrize(
    ("actor", "target", "allowed", "reason"),
    [
        ("global_moderator", "user", True, ""),
        ("global_moderator", "other_global_moderator", False, "administrators act"),
        ("global_moderator", "moderator", False, "administrators act"),
        ("global_moderator", "global_moderator", False, "yourself"),
        ("global_moderator", "staff", False, "cannot be suspended"),
        ("staff", "other_global_moderator", True, ""),
        ("staff", "moderator", True, ""),
        ("staff", "user", True, ""),
        ("moderator", "user", False, "global moderators"),
        ("user", "other_global_moderator", False, "global moderators"),
    ],
)
def test_only_administrators_act_on_moderators(
    request, category, actor, target, allowed, reason
):
    """The rule, with the reason given when it refuses."""
    actor, target = request.getfixturevalue(actor), request.getfixturevalue(target)

    assert permissions.can_suspend(fresh(actor), fresh(target)) is allowed
    refusal = permissions.why_not_suspend(fresh(actor), fresh(target))
    assert (reason in refusal) if reason else refusal == ""


def test_a_suspended_moderator_is_still_a_moderator(global_moderator, moderator, staff):
    """An administrator's suspension of a moderator is not another moderator's
    to lift or to turn into a ban."""
    actions.suspend_user(
        member=moderator, actor=staff, until=timezone.now() + timedelta(days=1)
    )

    assert not permissions.can_suspend(fresh(global_moderator), fresh(moderator))
    with pytest.raises(PermissionDenied):
        actions.lift_suspension(member=fresh(moderator), actor=fresh(global_moderator))
    assert fresh(moderator).is_suspended


def test_a_global_moderator_cannot_silence_another(
    global_moderator, other_global_moderator
):
    """Suspend, ban and hide-all-posts are refused through the actions too."""
    actor, target = fresh(global_moderator), fresh(other_global_moderator)
    with pytest.raises(PermissionDenied):
        actions.suspend_user(member=target, actor=actor, until=None)
    with pytest.raises(PermissionDenied):
        actions.hide_user_posts(member=target, actor=actor)
    assert not fresh(other_global_moderator).is_suspended


def test_a_moderators_rights_cost_one_query(
    django_assert_max_num_queries, global_moderator
):
    """Asking about a member who moderates nothing: one query for their roles."""
    actor, member = fresh(global_moderator), fresh(UserFactory())
    permissions.moderator_scope(actor)
    with django_assert_max_num_queries(1):
        assert permissions.can_suspend(actor, member)
