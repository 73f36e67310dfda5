"""Every permission decision, in one place: views, templates and actions ask here.

Functions return bool. The only query any of them makes is the e-mail check,
once per user object (the answer is kept on it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress

if TYPE_CHECKING:
    from accounts.models import User

    from .models import Post, Thread


def can_see_hidden(user: User) -> bool:
    """Staff see hidden threads and posts, marked as such."""
    return bool(user.is_authenticated and user.is_staff)


def has_verified_email(user: User) -> bool:
    """True when the member confirmed an e-mail address (checked once per object)."""
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_has_verified_email"):
        user._has_verified_email = EmailAddress.objects.filter(
            user=user, verified=True
        ).exists()
    return user._has_verified_email


def can_post(user: User) -> bool:
    """Active members with a confirmed e-mail address may write."""
    return bool(user.is_authenticated and user.is_active and has_verified_email(user))


def can_reply(user: User, thread: Thread) -> bool:
    """Locked and hidden threads take replies from staff only."""
    if not can_post(user):
        return False
    return user.is_staff or not (thread.is_locked or thread.is_hidden)


def can_edit_post(user: User, post: Post) -> bool:
    """Authors edit their own posts while the thread is open; staff edit any."""
    if not can_post(user):
        return False
    if user.is_staff:
        return True
    return post.author_id == user.pk and not (
        post.is_hidden or post.thread.is_locked or post.thread.is_hidden
    )


def can_see_history(user: User, post: Post) -> bool:
    """A post's earlier versions are for its author and staff."""
    return bool(user.is_authenticated and (user.is_staff or post.author_id == user.pk))
