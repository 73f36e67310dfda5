"""Writes to members' profiles. Sign-up, e-mail and passwords belong to allauth."""

import secrets

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from forum import actions, cache, permissions
from forum.markup import render_markdown
from forum.models import ModerationLogEntry

from .models import User


def render_bio(bio: str) -> str:
    """A bio's clean HTML: Markdown rendered once, like a post's; "" for none."""
    return render_markdown(bio) if bio else ""


@transaction.atomic
def update_bio(*, user: User, bio: str) -> User:
    """Save a member's bio and its HTML (the admin's bio edit comes here).

    Guests' cached pages showing the member go stale on commit.
    """
    user.bio, user.bio_html = bio, render_bio(bio)
    User.objects.filter(pk=user.pk).update(bio=user.bio, bio_html=user.bio_html)
    cache.member_changed(user.pk)
    return user


@transaction.atomic
def update_profile(
    *,
    user: User,
    display_name: str,
    bio: str,
    avatar_webp: bytes | None = None,
    remove_avatar: bool = False,
) -> User:
    """Save a member's display name, bio and avatar; return the updated member.

    The bio is rendered to `bio_html` here, once. A new avatar, the WebP bytes
    of `accounts.avatars.make_avatar` (which the settings form calls), is stored
    as `avatars/<user id>-<random>.webp`; the replaced or removed file is deleted
    once the transaction commits, and guests' cached pages showing the member
    go stale then (`forum.cache.member_changed`). Locks the member's row, so
    that two saves at once cannot both delete the same old file and orphan one
    of the new ones.

    Raises PermissionDenied while the member is suspended or banned
    (`permissions.why_not_edit_profile`, asked of the locked row).
    """
    locked = _locked_profile(user)
    if refusal := permissions.why_not_edit_profile(locked):
        raise PermissionDenied(refusal)
    old_avatar = locked.avatar.name
    new_avatar = old_avatar
    if avatar_webp is not None:
        new_avatar = default_storage.save(
            f"avatars/{user.pk}-{secrets.token_urlsafe(6)}.webp",
            ContentFile(avatar_webp),
        )
    elif remove_avatar:
        new_avatar = ""

    user.display_name = display_name
    user.bio, user.bio_html = bio, render_bio(bio)
    user.avatar = new_avatar
    try:
        user.save(update_fields=["display_name", "bio", "bio_html", "avatar"])
    except BaseException:
        # The file is written before the row; without the row it is an orphan.
        if new_avatar and new_avatar != old_avatar:
            default_storage.delete(new_avatar)
        raise
    if old_avatar != new_avatar:
        _delete_after_commit(old_avatar)
    cache.member_changed(user.pk)
    return user


def _locked_profile(user: User) -> User:
    """The member's row, locked, with what the profile writes need to know."""
    return (
        User.objects.select_for_update()
        .only("pk", "avatar", "suspended_at", "suspended_until", "suspension_reason")
        .get(pk=user.pk)
    )


def _delete_after_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


@transaction.atomic
def remove_avatar(*, user: User) -> User:
    """Remove a member's avatar (the admin's "Remove the avatar"); the file is
    deleted once the transaction commits. Not refused while the member is
    suspended: this is the administrators' tool, not the member's own edit."""
    old_avatar = _locked_profile(user).avatar.name
    User.objects.filter(pk=user.pk).update(avatar="")
    user.avatar = ""
    _delete_after_commit(old_avatar)
    cache.member_changed(user.pk)
    return user


@actions.tool(ModerationLogEntry.Action.USER_CLEAR_PROFILE)
@transaction.atomic
def clear_profile(*, user: User, actor: User, reason: str = "") -> User:
    """Clear what a member shows publicly ("user.clear_profile"): the display
    name (the username is shown again), the bio and the avatar, whose file is
    deleted once the transaction commits. One log entry.

    Raises PermissionDenied unless `permissions.can_clear_profile` (the rule
    of suspending).
    """
    if refusal := permissions.why_not_clear_profile(actor, user):
        raise PermissionDenied(refusal)
    old_avatar = _locked_profile(user).avatar.name
    User.objects.filter(pk=user.pk).update(
        display_name="", bio="", bio_html="", avatar=""
    )
    user.display_name = user.bio = user.bio_html = ""
    user.avatar = ""
    _delete_after_commit(old_avatar)
    cache.member_changed(user.pk)
    actions.log_member_action(
        actor=actor,
        action=ModerationLogEntry.Action.USER_CLEAR_PROFILE,
        member=user,
        reason=reason,
    )
    return user
