"""Post tools for moderators: hide, restore, delete, recommend, approve, reject."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .. import cache, permissions, search
from ..models import (
    Post,
    Thread,
)
from .counters import (
    _lock_categories,
    _lock_threads,
    recount_category,
    recount_thread,
    recount_users,
)
from .log import (
    Action,
    _log,
    _log_post,
    _post_repr,
    _require_moderator,
    _thread_repr,
    tool,
)

User = get_user_model()


def _lock_post_and_parents(post: Post) -> Post:
    """Lock the post's thread, then its category; return the post as stored."""
    _lock_threads([post.thread_id])
    current = Post.objects.select_related("thread").get(pk=post.pk)
    _lock_categories([current.thread.category_id])
    return current


def _recount_after_post_change(post: Post) -> None:
    """Recount what a post's change moves, and let guests' cached pages know."""
    recount_thread(post.thread_id)
    recount_category(post.thread.category_id)
    recount_users([post.author_id])
    cache.thread_changed(post.thread_id, post.thread.category_id)


def _set_hidden(post: Post, actor: User, reason: str, *, hidden: bool) -> Post:
    _require_moderator(actor, post.thread.category_id)
    current = _lock_post_and_parents(post)
    if current.is_hidden == hidden:
        return post
    hidden_by, hidden_reason = (actor, reason[:500]) if hidden else (None, "")
    Post.objects.filter(pk=post.pk).update(
        is_hidden=hidden, hidden_by=hidden_by, hidden_reason=hidden_reason
    )
    post.is_hidden, post.hidden_by, post.hidden_reason = (
        hidden,
        hidden_by,
        hidden_reason,
    )
    _recount_after_post_change(current)
    _log_post(
        actor, Action.POST_HIDE if hidden else Action.POST_RESTORE, current, reason
    )
    return post


@tool(Action.POST_HIDE)
@transaction.atomic
def hide_post(*, post: Post, actor: User, reason: str = "") -> Post:
    """Hide a post (a soft delete) with a reason ("post.hide").

    The post keeps its position, so pages do not shift; the thread, category
    and author are recounted. Raises PermissionDenied unless the actor
    moderates the category.
    """
    return _set_hidden(post, actor, reason, hidden=True)


@tool(Action.POST_RESTORE)
@transaction.atomic
def restore_post(*, post: Post, actor: User, reason: str = "") -> Post:
    """Show a hidden post again ("post.restore"); recounts as `hide_post` does."""
    return _set_hidden(post, actor, reason, hidden=False)


@tool(Action.POST_DELETE)
@transaction.atomic
def delete_post(*, post: Post, actor: User, reason: str = "") -> None:
    """Delete a post for good, with its revisions and reports ("post.delete").

    Its position stays unused. Administrators only; the opening post cannot
    be deleted (hide or merge the thread instead).
    Raises PermissionDenied or ValidationError.
    """
    if refusal := permissions.why_not_delete_posts(actor):
        raise PermissionDenied(refusal)
    current = _lock_post_and_parents(post)
    if refusal := permissions.why_not_delete_post(actor, current):
        # Allowed the tool, refused for this post: a form error on the page.
        raise ValidationError(refusal)
    search.unindex_posts([current.pk])
    current.delete()
    _recount_after_post_change(current)
    _log_post(actor, "post.delete", current, reason, deleted=True)


@transaction.atomic
def _set_recommended(
    *, post: Post, actor: User, recommended: bool, reason: str = ""
) -> Post:
    """Recommend a post (shown under "Recommended Posts") or take that back.

    Logs "post.recommend" or "post.unrecommend"; counters do not move.
    Raises PermissionDenied unless the actor moderates the category.
    """
    _require_moderator(actor, post.thread.category_id)
    current = _lock_post_and_parents(post)
    if current.is_recommended == recommended:
        return post
    Post.objects.filter(pk=post.pk).update(is_recommended=recommended)
    post.is_recommended = recommended
    cache.thread_changed(current.thread_id, current.thread.category_id)
    action = "post.recommend" if recommended else "post.unrecommend"
    _log_post(actor, action, current, reason)
    return post


@tool(Action.POST_APPROVE)
@transaction.atomic
def approve_post(*, post: Post, actor: User, reason: str = "") -> Post:
    """Let a post out of the approval queue ("post.approve").

    An opening post takes its waiting thread with it. The thread, category and
    author are recounted (with a waiting thread, everyone who posted in it: a
    moderator's replies there start to count too), and the post is indexed
    for search (a held post is not indexed when written).
    Raises PermissionDenied unless the actor moderates the category,
    ValidationError when the post is not waiting.
    """
    _require_moderator(actor, post.thread.category_id)
    current = _lock_post_and_parents(post)
    if current.is_approved:
        raise ValidationError("This post is not waiting for approval.")
    Post.objects.filter(pk=post.pk).update(is_approved=True)
    if not current.thread.is_approved:
        Thread.objects.filter(pk=current.thread_id).update(is_approved=True)
        recount_users(
            Post.objects.filter(thread_id=current.thread_id).values_list(
                "author_id", flat=True
            )
        )
    post.is_approved = True
    search.index_posts([post.pk])
    _recount_after_post_change(current)
    cache.member_posted(current.author_id)
    _log_post(actor, "post.approve", current, reason)
    return post


@tool(Action.POST_REJECT)
@transaction.atomic
def reject_post(*, post: Post, actor: User, reason: str = "") -> None:
    """Refuse a waiting post: it is deleted, and with an opening post its
    waiting thread too ("post.reject").

    Raises PermissionDenied unless the actor moderates the category,
    ValidationError when the post is not waiting.
    """
    _require_moderator(actor, post.thread.category_id)
    current = _lock_post_and_parents(post)
    if current.is_approved:
        raise ValidationError("This post is not waiting for approval.")
    thread = current.thread
    if current.position == 1 and not thread.is_approved:
        # The waiting thread goes with its opening post, with any replies its
        # author wrote meanwhile (held too: see create_reply).
        _log(
            actor=actor,
            action="post.reject",
            target_repr=f"{_post_repr(current)}, opening {_thread_repr(thread)}",
            reason=reason,
            category_id=thread.category_id,
            target_user_id=current.author_id,
        )
        search.unindex_posts(list(thread.posts.values_list("pk", flat=True)))
        thread.delete()
        cache.thread_changed(thread.pk, thread.category_id)
        return
    search.unindex_posts([current.pk])
    current.delete()
    _recount_after_post_change(current)
    _log_post(actor, "post.reject", current, reason, deleted=True)


@tool(Action.POST_RECOMMEND)
def recommend_post(*, post: Post, actor: User, reason: str = "") -> Post:
    """Recommend a post ("post.recommend"; see `_set_recommended`)."""
    return _set_recommended(post=post, actor=actor, recommended=True, reason=reason)


@tool(Action.POST_UNRECOMMEND)
def unrecommend_post(*, post: Post, actor: User, reason: str = "") -> Post:
    """Stop recommending a post ("post.unrecommend"; see `_set_recommended`)."""
    return _set_recommended(post=post, actor=actor, recommended=False, reason=reason)
