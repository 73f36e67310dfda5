"""The moderation log: one entry per moderation action, in its transaction."""

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from .. import permissions
from ..models import (
    ModerationLogEntry,
    Post,
    Thread,
)

User = get_user_model()


def _log(
    *,
    actor: User,
    action: str,
    target_repr: str,
    reason: str = "",
    category_id: int | None = None,
    thread: Thread | None = None,
    post: Post | None = None,
    target_user_id: int | None = None,
) -> ModerationLogEntry:
    return ModerationLogEntry.objects.create(
        actor=actor,
        action=action,
        category_id=category_id,
        thread=thread,
        post=post,
        target_user_id=target_user_id,
        target_repr=target_repr[:300],
        reason=reason,
        created_at=timezone.now(),
    )


def _thread_repr(thread: Thread) -> str:
    return f"thread {thread.pk} “{thread.title}”"


def _post_repr(post: Post) -> str:
    return f"post {post.pk} (#{post.position}) in thread {post.thread_id}"


def _log_thread(actor: User, action: str, thread: Thread, reason: str, **extra):
    _log(
        actor=actor,
        action=action,
        target_repr=extra.pop("target_repr", _thread_repr(thread)),
        reason=reason,
        category_id=thread.category_id,
        thread=thread,
        target_user_id=thread.author_id,
        **extra,
    )


def _log_post(actor: User, action: str, post: Post, reason: str, *, deleted=False):
    _log(
        actor=actor,
        action=action,
        target_repr=_post_repr(post),
        reason=reason,
        category_id=post.thread.category_id,
        thread=post.thread,
        post=None if deleted else post,
        target_user_id=post.author_id,
    )


def _require_moderator(actor: User, *category_ids: int) -> None:
    for category_id in category_ids:
        if refusal := permissions.why_not_moderate(actor, category_id):
            raise PermissionDenied(refusal)


Action = ModerationLogEntry.Action

# The action behind each verb's one-step tool (`ModerationLogEntry.Action`),
# filled by `tool` where the actions are defined.
TOOLS: dict[Action, Callable] = {}


def tool(action: Action) -> Callable[[Callable], Callable]:
    """Register the decorated function as the action of verb `action`'s tool.

    The function takes `thread=`, `post=` or `user=` (the verb's target),
    `actor=` and `reason=`; the confirmation pages and the admin call it
    through `TOOLS`. A member verb's action may live in `accounts.actions`
    (it writes accounts' fields), registered when that module is imported.
    """
    if action.verb is None:
        raise ValueError(f"{action} has no tool in the registry.")

    def register(function: Callable) -> Callable:
        TOOLS[action] = function
        return function

    return register
