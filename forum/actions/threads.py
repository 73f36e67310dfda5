"""Thread tools for moderators: flags, rename, move, merge, split."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from .. import cache, search
from ..models import (
    Category,
    Post,
    Thread,
)
from .counters import (
    _lock_categories,
    _lock_threads,
    _renumber_thread,
    recount_category,
    recount_thread,
    recount_users,
)
from .log import Action, _log_thread, _require_moderator, _thread_repr, tool
from .posting import slug_for_title

User = get_user_model()


@transaction.atomic
def _set_thread_flag(
    *, thread: Thread, actor: User, action: str, reason: str = ""
) -> Thread:
    """Pin/unpin, lock/unlock or hide/unhide a thread (`action` names which).

    The field and value come from the verb's `flag` in the registry. Locks the
    thread, then its category. Hiding and unhiding recount the category and the
    post counts of everyone who posted in the thread. Writes one log entry
    named `action`; nothing when the flag already has the value.
    Raises PermissionDenied unless the actor moderates the category.
    """
    field, value = Action(action).verb.flag
    _require_moderator(actor, thread.category_id)
    _lock_threads([thread.pk])
    current = Thread.objects.get(pk=thread.pk)
    _lock_categories([current.category_id])
    if getattr(current, field) == value:
        return thread
    Thread.objects.filter(pk=thread.pk).update(**{field: value})
    setattr(thread, field, value)
    if field == "is_hidden":
        recount_category(current.category_id)
        recount_users(
            Post.objects.filter(thread=thread).values_list("author_id", flat=True)
        )
    cache.thread_changed(thread.pk, current.category_id)
    _log_thread(actor, action, current, reason)
    return thread


def _flag_tool(action: Action, doc: str):
    """The tool of a thread flag verb: `_set_thread_flag` with that verb."""

    def flag_tool(*, thread: Thread, actor: User, reason: str = "") -> Thread:
        return _set_thread_flag(
            thread=thread, actor=actor, action=action, reason=reason
        )

    flag_tool.__name__ = flag_tool.__qualname__ = f"{action.operation}_thread"
    flag_tool.__doc__ = f'{doc} ("{action.value}").'
    return tool(action)(flag_tool)


pin_thread = _flag_tool(Action.THREAD_PIN, "Pin a thread to the top of its category")
unpin_thread = _flag_tool(Action.THREAD_UNPIN, "Unpin a thread")
lock_thread = _flag_tool(
    Action.THREAD_LOCK, "Lock a thread: no more replies but from moderators"
)
unlock_thread = _flag_tool(Action.THREAD_UNLOCK, "Unlock a thread")
hide_thread = _flag_tool(
    Action.THREAD_HIDE, "Hide a thread (a soft delete: 404 for all but moderators)"
)
unhide_thread = _flag_tool(Action.THREAD_UNHIDE, "Show a hidden thread again")


@transaction.atomic
def rename_thread(
    *, thread: Thread, actor: User, title: str, reason: str = ""
) -> Thread:
    """Give a thread a new title and slug ("thread.rename").

    Raises PermissionDenied unless the actor moderates the category.
    """
    _require_moderator(actor, thread.category_id)
    _lock_threads([thread.pk])
    current = Thread.objects.get(pk=thread.pk)
    if current.title == title:
        return thread
    Thread.objects.filter(pk=thread.pk).update(title=title, slug=slug_for_title(title))
    thread.title, thread.slug = title, slug_for_title(title)
    search.index_thread(thread)
    cache.thread_changed(thread.pk, current.category_id)
    _log_thread(
        actor,
        "thread.rename",
        thread,
        reason,
        target_repr=f"thread {thread.pk} “{current.title}” → “{title}”",
    )
    return thread


@transaction.atomic
def move_thread(
    *, thread: Thread, actor: User, category: Category, reason: str = ""
) -> Thread:
    """Move a thread to another category; both categories are recounted.

    Locks the thread, then both categories by id ("thread.move").
    Raises PermissionDenied unless the actor moderates both categories, and
    ValidationError when the thread is already there.
    """
    _require_moderator(actor, thread.category_id, category.pk)
    _lock_threads([thread.pk])
    current = Thread.objects.get(pk=thread.pk)
    if current.category_id == category.pk:
        raise ValidationError("The thread is already in this category.")
    _lock_categories([current.category_id, category.pk])
    Thread.objects.filter(pk=thread.pk).update(category=category)
    recount_category(current.category_id)
    recount_category(category.pk)
    thread.category = category
    cache.thread_changed(thread.pk, category.pk)
    cache.category_changed(current.category_id)
    _log_thread(
        actor,
        "thread.move",
        thread,
        reason,
        target_repr=f"{_thread_repr(current)} from category {current.category_id} "
        f"to {category.pk} “{category.name}”",
    )
    return thread


@transaction.atomic
def merge_thread(
    *, thread: Thread, into: Thread, actor: User, reason: str = ""
) -> Thread:
    """Move every post of `thread` into `into`, then delete `thread`.

    The posts of `into` are renumbered 1..N by time, so the merged thread
    reads in order; permalinks (by post id) keep working. Locks both threads
    by id, then both categories by id; recounts both categories and the
    authors of the moved posts ("thread.merge", logged on `into`).
    Raises ValidationError when merging a thread into itself, and
    PermissionDenied unless the actor moderates both categories.
    """
    if thread.pk == into.pk:
        raise ValidationError("A thread cannot be merged into itself.")
    _require_moderator(actor, thread.category_id, into.category_id)
    _lock_threads([thread.pk, into.pk])
    source = Thread.objects.get(pk=thread.pk)
    target = Thread.objects.get(pk=into.pk)
    _lock_categories([source.category_id, target.category_id])
    authors = set(
        Post.objects.filter(thread=source).values_list("author_id", flat=True)
    )
    Post.objects.filter(thread=source).update(
        thread=target, position=F("position") + target.last_position
    )
    _renumber_thread(target.pk)
    # Only an opening post carries its thread's title in the index, and the
    # renumbering may have changed which post opens the merged thread.
    search.index_posts(
        list(Post.objects.filter(thread=target).values_list("pk", flat=True))
    )
    source.delete()
    recount_thread(target.pk)
    recount_category(source.category_id)
    recount_category(target.category_id)
    recount_users(authors)
    target.refresh_from_db()
    cache.thread_changed(source.pk, source.category_id)
    cache.thread_changed(target.pk, target.category_id)
    _log_thread(
        actor,
        "thread.merge",
        target,
        reason,
        target_repr=f"{_thread_repr(source)} merged into {_thread_repr(target)}",
    )
    return target


@transaction.atomic
def split_thread(
    *,
    thread: Thread,
    actor: User,
    post_ids: Iterable[int],
    title: str,
    category: Category,
    reason: str = "",
) -> Thread:
    """Move the chosen posts of a thread to a new thread; returns the new one.

    The new thread takes its author and start from the earliest chosen post;
    its posts are numbered 1..N by time. The old thread keeps its numbers (a
    position is never reused). Locks the old thread, then both categories by
    id; recounts both threads, both categories and the moved posts' authors
    (the new thread is approved, so posts leaving a waiting thread start to
    count) ("thread.split", logged on the new thread).
    Raises ValidationError for no posts, posts of another thread or the
    opening post, and PermissionDenied unless the actor moderates both
    categories.
    """
    post_ids = set(post_ids)
    if not post_ids:
        raise ValidationError("Choose at least one post to split off.")
    _require_moderator(actor, thread.category_id, category.pk)
    _lock_threads([thread.pk])
    source = Thread.objects.get(pk=thread.pk)
    posts = list(
        Post.objects.filter(thread=source, pk__in=post_ids).order_by("created_at", "pk")
    )
    if len(posts) != len(post_ids):
        raise ValidationError("Some of the chosen posts are not in this thread.")
    if any(post.position == 1 for post in posts):
        raise ValidationError(
            "The opening post stays with its thread; move the whole thread instead."
        )
    _lock_categories([source.category_id, category.pk])
    first = posts[0]
    new_thread = Thread.objects.create(
        category=category,
        title=title,
        slug=slug_for_title(title),
        author_id=first.author_id,
        created_at=first.created_at,
        last_post_at=first.created_at,
        is_hidden=source.is_hidden,
    )
    # Positions are unique in the old thread, so they stay unique on arrival.
    Post.objects.filter(pk__in=post_ids).update(thread=new_thread)
    _renumber_thread(new_thread.pk)
    search.index_posts(sorted(post_ids))
    recount_thread(source.pk)
    recount_thread(new_thread.pk)
    recount_category(source.category_id)
    if category.pk != source.category_id:
        recount_category(category.pk)
    recount_users({post.author_id for post in posts})
    new_thread.refresh_from_db()
    cache.thread_changed(source.pk, source.category_id)
    cache.thread_changed(new_thread.pk, category.pk)
    _log_thread(
        actor,
        "thread.split",
        new_thread,
        reason,
        target_repr=f"{len(posts)} post(s) of {_thread_repr(source)} split into "
        f"{_thread_repr(new_thread)}",
    )
    return new_thread
