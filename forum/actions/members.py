"""Member tools for global moderators: suspend, ban, lift, hide all posts."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .. import cache, permissions
from ..models import (
    Post,
    Thread,
)
from .counters import (
    _lock_categories,
    _lock_threads,
    _lock_users,
    recount_category,
    recount_thread,
    recount_users,
)
from .log import _log

User = get_user_model()


def _user_repr(member: User) -> str:
    return f"user {member.pk} “{member.username}”"


def log_member_action(
    *, actor: User, action: str, member: User, reason: str = ""
) -> None:
    """Write the moderation log entry of an action on a member made outside
    this package (accounts' `clear_profile`), in the caller's transaction."""
    _log(
        actor=actor,
        action=action,
        target_repr=_user_repr(member),
        reason=reason,
        target_user_id=member.pk,
    )


@transaction.atomic
def suspend_user(
    *, member: User, actor: User, until: datetime | None, reason: str = ""
) -> User:
    """Suspend a member until a time, or ban for good with `until=None`.

    A suspended member signs in and reads but cannot post, report or edit.
    Logs "user.suspend" or "user.ban". Raises PermissionDenied unless
    `permissions.can_suspend`, ValidationError for an end in the past.
    """
    if refusal := permissions.why_not_suspend(actor, member):
        raise PermissionDenied(refusal)
    now = timezone.now()
    if until is not None and until <= now:
        raise ValidationError("The end of a suspension must be in the future.")
    _lock_users([member.pk])
    User.objects.filter(pk=member.pk).update(
        suspended_at=now, suspended_until=until, suspension_reason=reason[:500]
    )
    member.suspended_at, member.suspended_until = now, until
    member.suspension_reason = reason[:500]
    cache.member_changed(member.pk)
    action = "user.ban" if until is None else "user.suspend"
    repr_ = _user_repr(member)
    if until is not None:
        repr_ += f" until {until:%Y-%m-%d %H:%M %Z}"
    _log(
        actor=actor,
        action=action,
        target_repr=repr_,
        reason=reason,
        target_user_id=member.pk,
    )
    return member


@transaction.atomic
def lift_suspension(*, member: User, actor: User, reason: str = "") -> User:
    """End a member's suspension or ban now ("user.unsuspend").

    Raises PermissionDenied unless `permissions.can_suspend`, ValidationError
    when the member is not suspended.
    """
    if refusal := permissions.why_not_suspend(actor, member):
        raise PermissionDenied(refusal)
    _lock_users([member.pk])
    current = User.objects.get(pk=member.pk)
    if not current.is_suspended:
        raise ValidationError("This member is not suspended.")
    User.objects.filter(pk=member.pk).update(
        suspended_at=None, suspended_until=None, suspension_reason=""
    )
    member.suspended_at = member.suspended_until = None
    member.suspension_reason = ""
    cache.member_changed(member.pk)
    _log(
        actor=actor,
        action="user.unsuspend",
        target_repr=_user_repr(member),
        reason=reason,
        target_user_id=member.pk,
    )
    return member


@transaction.atomic
def hide_user_posts(*, member: User, actor: User, reason: str = "") -> int:
    """Hide every visible post of a member and the threads they started (spam).

    Locks the affected threads by id, then their categories by id, then the
    member; recounts them all. One log entry ("user.hide_posts"); returns the
    number of posts hidden. Raises PermissionDenied unless
    `permissions.can_suspend` (it reaches every category).
    """
    if refusal := permissions.why_not_suspend(actor, member):
        raise PermissionDenied(refusal)
    posts = Post.objects.filter(author=member, is_hidden=False)
    own_threads = Thread.objects.filter(author=member, is_hidden=False)
    thread_ids = set(posts.values_list("thread_id", flat=True)) | set(
        own_threads.values_list("pk", flat=True)
    )
    _lock_threads(thread_ids)
    category_ids = set(
        Thread.objects.filter(pk__in=thread_ids).values_list("category_id", flat=True)
    )
    _lock_categories(category_ids)
    _lock_users([member.pk])
    other_authors = set(
        Post.objects.filter(thread__in=own_threads)
        .exclude(author=member)
        .values_list("author_id", flat=True)
    )
    hidden = posts.update(is_hidden=True, hidden_by=actor, hidden_reason=reason[:500])
    own_threads.update(is_hidden=True)
    for thread_id in sorted(thread_ids):
        recount_thread(thread_id)
    for category_id in sorted(category_ids):
        recount_category(category_id)
    recount_users({member.pk, *other_authors})
    # Many threads and categories at once, rarely: every cached page goes stale.
    cache.site_changed()
    _log(
        actor=actor,
        action="user.hide_posts",
        target_repr=f"{hidden} post(s) and their threads of {_user_repr(member)}",
        reason=reason,
        target_user_id=member.pk,
    )
    return hidden
