"""Write paths of the forum. Each action is one transaction and the only place
that moves counters, positions and last-post fields. Actions check
`forum.permissions` themselves, so no caller (view, admin, command) can skip a rule.

Lock order, always: threads by ascending id, then categories by ascending id,
then users. Two writers that take locks in the same order cannot deadlock.

Every moderation action writes exactly one `ModerationLogEntry` in its own
transaction; an action that changes nothing (pinning a pinned thread) writes
nothing at all.

Counters count what readers see: `Thread.post_count` its approved, unhidden
posts; `Category.thread_count`/`post_count` its approved, unhidden threads and
their posts; `User.post_count` the member's approved, unhidden posts in unhidden
threads. Moderation actions recompute them with `recount_thread`,
`recount_category` and `recount_users` rather than by arithmetic.

Every action tells `forum.cache` what it changed (the calls run on commit), so
that guests' cached pages showing it are served fresh at once.
"""

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User

from . import cache, permissions, search
from .markup import render_markdown
from .models import (
    Category,
    ModerationLogEntry,
    Post,
    PostRevision,
    Report,
    Thread,
)

SLUG_MAX_LENGTH = 80
# The same text from the same author within this window is a double submit.
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=10)


def slug_for_title(title: str) -> str:
    """A URL slug for a thread title; "-" when the title has no ASCII letters."""
    return slugify(title)[:SLUG_MAX_LENGTH].strip("-") or "-"


@transaction.atomic
def create_thread(
    *,
    category: Category,
    author: User,
    title: str,
    body: str,
    ip_address: str | None = None,
) -> Thread:
    """Start a thread with its opening post; returns the thread.

    Writes the thread, post #1 (indexed for search), and the category's and
    author's counters.
    When the opening post is held for approval (`needs_approval`), the thread
    waits with it and no counter moves. The same title from the same author in
    the same category within a few seconds returns the thread already made (a
    double submit).
    Raises PermissionDenied when the author may not post.
    """
    if not permissions.can_post(author):
        raise PermissionDenied(refusal_message(author))
    now = timezone.now()
    # Serialize this author's thread creation in this category: the category
    # row lock makes the double-submit check below race-free.
    list(Category.objects.select_for_update().filter(pk=category.pk).values("pk"))
    duplicate = Thread.objects.filter(
        category=category,
        author=author,
        title=title,
        created_at__gte=now - DOUBLE_SUBMIT_WINDOW,
    ).first()
    if duplicate:
        return duplicate
    body_html = render_markdown(body)
    held = needs_approval(author=author, category_id=category.pk, body_html=body_html)
    thread = Thread.objects.create(
        category=category,
        title=title,
        slug=slug_for_title(title),
        author=author,
        created_at=now,
        last_post_at=now,
        is_approved=not held,
    )
    if not held:
        Category.objects.filter(pk=category.pk).update(
            thread_count=F("thread_count") + 1
        )
    _add_post(
        thread=thread,
        author=author,
        body=body,
        body_html=body_html,
        held=held,
        ip_address=ip_address,
        now=now,
    )
    return thread


@transaction.atomic
def create_reply(
    *, thread: Thread, author: User, body: str, ip_address: str | None = None
) -> Post:
    """Append a reply to a thread; returns the new post.

    Locks the thread row first, so concurrent replies get positions N+1, N+2...
    with no gap or duplicate, then moves the thread's, category's and author's
    counters. A reply held for approval (`needs_approval`) gets its position
    but moves no counter. The same text from the same author within a few
    seconds returns the post already made (a double submit). The post is
    indexed for search.
    Raises PermissionDenied when the author may not reply (unverified,
    suspended, locked).
    """
    if not permissions.can_reply(author, thread):
        raise PermissionDenied(reply_refusal(author, thread))
    body_html = render_markdown(body)
    # Replies to a thread still waiting for approval wait with it.
    held = needs_approval(
        author=author, category_id=thread.category_id, body_html=body_html
    ) or not (
        thread.is_approved or permissions.can_moderate(author, thread.category_id)
    )
    return _add_post(
        thread=thread,
        author=author,
        body=body,
        body_html=body_html,
        held=held,
        ip_address=ip_address,
        now=timezone.now(),
    )


def refusal_message(user: User) -> str:
    """Why a member may not write at all, in words for the page."""
    if user.is_authenticated and user.is_suspended:
        return permissions.suspension_message(user)
    return "Confirm your e-mail address before posting."


def reply_refusal(user: User, thread: Thread | None) -> str:
    """Why a member may not reply to `thread` (or, with None, write at all)."""
    if not permissions.can_post(user):
        return refusal_message(user)
    if thread is not None and thread.is_locked:
        return "This thread is locked: it takes no new replies."
    return "You cannot reply to this thread."


LINK_PATTERN = re.compile(r"<a\s")


def needs_approval(*, author: User, category_id: int, body_html: str) -> bool:
    """Whether a new post waits in the approval queue.

    Held: the first `APPROVAL_FIRST_POSTS` posts of an account, and posts with
    more than `APPROVAL_MAX_LINKS` links from accounts younger than a day. Both
    are off (0) by default; moderators of the category are never held.
    """
    first_posts = settings.APPROVAL_FIRST_POSTS
    max_links = settings.APPROVAL_MAX_LINKS
    if not (first_posts or max_links) or permissions.can_moderate(author, category_id):
        return False
    if first_posts and author.post_count < first_posts:
        return True
    young = author.date_joined > timezone.now() - timedelta(days=1)
    return bool(
        max_links and young and len(LINK_PATTERN.findall(body_html)) > max_links
    )


def _add_post(
    *,
    thread: Thread,
    author: User,
    body: str,
    body_html: str,
    held: bool,
    ip_address: str | None,
    now,
) -> Post:
    locked = Thread.objects.select_for_update().only("last_position").get(pk=thread.pk)
    duplicate = Post.objects.filter(
        thread=thread,
        author=author,
        body_source=body,
        created_at__gte=now - DOUBLE_SUBMIT_WINDOW,
    ).first()
    if duplicate:
        return duplicate
    post = Post.objects.create(
        thread=thread,
        author=author,
        position=locked.last_position + 1,
        body_source=body,
        body_html=body_html,
        created_at=now,
        is_approved=not held,
        ip_address=ip_address,
    )
    if held:
        # The position is handed out (positions are never reused); nothing
        # counts until a moderator approves it.
        Thread.objects.filter(pk=thread.pk).update(last_position=post.position)
        thread.last_position = post.position
        return post
    Thread.objects.filter(pk=thread.pk).update(
        post_count=F("post_count") + 1,
        last_position=post.position,
        last_post=post,
        last_post_at=now,
    )
    Category.objects.filter(pk=thread.category_id).update(
        post_count=F("post_count") + 1, last_post=post
    )
    User.objects.filter(pk=author.pk).update(post_count=F("post_count") + 1)
    cache.thread_changed(thread.pk, thread.category_id)
    cache.member_posted(author.pk)
    search.index_posts([post.pk])
    # Keep the caller's objects in step with the rows.
    thread.post_count += 1
    thread.last_position = post.position
    thread.last_post = post
    thread.last_post_at = now
    author.post_count += 1
    return post


@transaction.atomic
def edit_post(*, post: Post, editor: User, body: str, title: str | None = None) -> Post:
    """Change a post's text, keeping the previous text as a revision.

    `title`, for the opening post only, renames the thread too; the search
    index follows, in this transaction. Nothing is
    written when nothing changed. Locks the post row so two edits cannot both
    record the same previous text.
    An edit of another member's post by a moderator is logged ("post.edit").
    Raises PermissionDenied when the editor may not edit the post.
    """
    if not permissions.can_edit_post(editor, post):
        if editor.is_authenticated and editor.is_suspended:
            raise PermissionDenied(permissions.suspension_message(editor))
        raise PermissionDenied("You cannot edit this post.")
    current = Post.objects.select_for_update().get(pk=post.pk)
    now = timezone.now()
    renamed = title is not None and post.position == 1 and title != post.thread.title
    if renamed:
        Thread.objects.filter(pk=post.thread_id).update(
            title=title, slug=slug_for_title(title)
        )
        post.thread.title, post.thread.slug = title, slug_for_title(title)
        cache.thread_changed(post.thread_id, post.thread.category_id)
        search.index_thread(post.thread)
    if body == current.body_source:
        if renamed and editor.pk != post.author_id:
            _log_post(editor, "post.edit", post, "")
        return post
    PostRevision.objects.create(
        post=post,
        body_source=current.body_source,
        body_html=current.body_html,
        editor=editor,
        created_at=now,
    )
    post.body_source = body
    post.body_html = render_markdown(body)
    post.edited_at = now
    post.save(update_fields=["body_source", "body_html", "edited_at"])
    if editor.pk != post.author_id:
        _log_post(editor, "post.edit", post, "")
    cache.thread_changed(post.thread_id, post.thread.category_id)
    search.index_posts([post.pk])
    return post


# Moderation: locks, recounts and the log.


def _lock_threads(ids: Iterable[int]) -> None:
    """Lock thread rows by ascending id (the first step of the lock order)."""
    list(
        Thread.objects.select_for_update()
        .filter(pk__in=set(ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _lock_categories(ids: Iterable[int]) -> None:
    """Lock category rows by ascending id, after the threads."""
    list(
        Category.objects.select_for_update()
        .filter(pk__in=set(ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _lock_users(ids: Iterable[int]) -> None:
    """Lock member rows by ascending id, last."""
    list(
        User.objects.select_for_update()
        .filter(pk__in=set(ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def recount_thread(thread_id: int) -> None:
    """Recompute a thread's post count and last post from its visible posts.

    `last_position` is left alone: it is the highest position handed out.
    With no visible post left, the thread's last activity is its creation.
    """
    visible = Post.objects.filter(thread_id=thread_id).visible()
    last = visible.order_by("-position").only("pk", "created_at").first()
    Thread.objects.filter(pk=thread_id).update(
        post_count=visible.count(),
        last_post=last,
        last_post_at=last.created_at if last else F("created_at"),
    )


def recount_category(category_id: int) -> None:
    """Recompute a category's counters and last post from its visible threads.

    The last post is the last post of the most recently active visible thread,
    so no scan over the category's posts is needed.
    """
    threads = Thread.objects.filter(
        category_id=category_id, is_hidden=False, is_approved=True
    )
    totals = threads.aggregate(
        threads=Count("pk"), posts=Coalesce(Sum("post_count"), 0)
    )
    last_post_id = (
        threads.filter(last_post__isnull=False)
        .order_by("-last_post_at", "-pk")
        .values_list("last_post_id", flat=True)
        .first()
    )
    Category.objects.filter(pk=category_id).update(
        thread_count=totals["threads"],
        post_count=totals["posts"],
        last_post_id=last_post_id,
    )


def recount_users(user_ids: Iterable[int]) -> None:
    """Recompute members' post counts (approved, unhidden posts in unhidden threads)."""
    counts = (
        Post.objects.filter(
            author=OuterRef("pk"),
            is_hidden=False,
            is_approved=True,
            thread__is_hidden=False,
        )
        .order_by()
        .values("author")
        .annotate(total=Count("pk"))
        .values("total")
    )
    User.objects.filter(pk__in=set(user_ids)).update(
        post_count=Coalesce(Subquery(counts), 0)
    )


def _renumber_thread(thread_id: int) -> None:
    """Number a thread's posts 1..N by (created_at, pk); set `last_position` to N.

    The unique (thread, position) constraint is checked row by row, so the
    posts are first shifted above every current position, then given their
    final numbers, which are all below the shifted ones.
    """
    posts = list(
        Post.objects.filter(thread_id=thread_id)
        .order_by("created_at", "pk")
        .only("pk", "position")
    )
    if not posts:
        return
    top = max(post.position for post in posts)
    Post.objects.filter(thread_id=thread_id).update(position=F("position") + top)
    for number, post in enumerate(posts, start=1):
        post.position = number
    Post.objects.bulk_update(posts, ["position"], batch_size=500)
    Thread.objects.filter(pk=thread_id).update(
        last_position=len(posts), created_at=posts[0].created_at
    )


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
    if not all(permissions.can_moderate(actor, pk) for pk in category_ids):
        raise PermissionDenied("You do not moderate this category.")


# Thread tools.

THREAD_FLAG_ACTIONS = {
    # action name: (field, value)
    "thread.pin": ("is_pinned", True),
    "thread.unpin": ("is_pinned", False),
    "thread.lock": ("is_locked", True),
    "thread.unlock": ("is_locked", False),
    "thread.hide": ("is_hidden", True),
    "thread.unhide": ("is_hidden", False),
}


@transaction.atomic
def set_thread_flag(
    *, thread: Thread, actor: User, action: str, reason: str = ""
) -> Thread:
    """Pin/unpin, lock/unlock or hide/unhide a thread (`action` names which).

    Locks the thread, then its category. Hiding and unhiding recount the
    category and the post counts of everyone who posted in the thread. Writes
    one log entry named `action`; nothing when the flag already has the value.
    Raises PermissionDenied unless the actor moderates the category.
    """
    field, value = THREAD_FLAG_ACTIONS[action]
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


def pin_thread(*, thread: Thread, actor: User, reason: str = "") -> Thread:
    """Pin a thread to the top of its category ("thread.pin")."""
    return set_thread_flag(
        thread=thread, actor=actor, action="thread.pin", reason=reason
    )


def unpin_thread(*, thread: Thread, actor: User, reason: str = "") -> Thread:
    """Unpin a thread ("thread.unpin")."""
    return set_thread_flag(
        thread=thread, actor=actor, action="thread.unpin", reason=reason
    )


def lock_thread(*, thread: Thread, actor: User, reason: str = "") -> Thread:
    """Lock a thread: no more replies but from moderators ("thread.lock")."""
    return set_thread_flag(
        thread=thread, actor=actor, action="thread.lock", reason=reason
    )


def unlock_thread(*, thread: Thread, actor: User, reason: str = "") -> Thread:
    """Unlock a thread ("thread.unlock")."""
    return set_thread_flag(
        thread=thread, actor=actor, action="thread.unlock", reason=reason
    )


def hide_thread(*, thread: Thread, actor: User, reason: str = "") -> Thread:
    """Hide a thread (a soft delete: 404 for all but moderators; "thread.hide")."""
    return set_thread_flag(
        thread=thread, actor=actor, action="thread.hide", reason=reason
    )


def unhide_thread(*, thread: Thread, actor: User, reason: str = "") -> Thread:
    """Show a hidden thread again ("thread.unhide")."""
    return set_thread_flag(
        thread=thread, actor=actor, action="thread.unhide", reason=reason
    )


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
    id; recounts both threads and both categories ("thread.split", logged on
    the new thread).
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


# Post tools.


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


@transaction.atomic
def hide_post(*, post: Post, actor: User, reason: str = "") -> Post:
    """Hide a post (a soft delete) with a reason ("post.hide").

    The post keeps its position, so pages do not shift; the thread, category
    and author are recounted. Raises PermissionDenied unless the actor
    moderates the category.
    """
    _require_moderator(actor, post.thread.category_id)
    current = _lock_post_and_parents(post)
    if current.is_hidden:
        return post
    Post.objects.filter(pk=post.pk).update(
        is_hidden=True, hidden_by=actor, hidden_reason=reason[:500]
    )
    post.is_hidden, post.hidden_by, post.hidden_reason = True, actor, reason[:500]
    _recount_after_post_change(current)
    _log_post(actor, "post.hide", current, reason)
    return post


@transaction.atomic
def restore_post(*, post: Post, actor: User, reason: str = "") -> Post:
    """Show a hidden post again ("post.restore"); recounts as `hide_post` does."""
    _require_moderator(actor, post.thread.category_id)
    current = _lock_post_and_parents(post)
    if not current.is_hidden:
        return post
    Post.objects.filter(pk=post.pk).update(
        is_hidden=False, hidden_by=None, hidden_reason=""
    )
    post.is_hidden, post.hidden_by, post.hidden_reason = False, None, ""
    _recount_after_post_change(current)
    _log_post(actor, "post.restore", current, reason)
    return post


@transaction.atomic
def delete_post(*, post: Post, actor: User, reason: str = "") -> None:
    """Delete a post for good, with its revisions and reports ("post.delete").

    Its position stays unused. Administrators only; the opening post cannot
    be deleted (hide or merge the thread instead).
    Raises PermissionDenied or ValidationError.
    """
    if not permissions.can_delete_post(actor, post):
        raise PermissionDenied("Only administrators delete posts.")
    current = _lock_post_and_parents(post)
    if current.position == 1:
        raise ValidationError(
            "The opening post cannot be deleted; hide the thread instead."
        )
    search.unindex_posts([current.pk])
    current.delete()
    _recount_after_post_change(current)
    _log_post(actor, "post.delete", current, reason, deleted=True)


@transaction.atomic
def set_post_recommended(
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


@transaction.atomic
def approve_post(*, post: Post, actor: User, reason: str = "") -> Post:
    """Let a post out of the approval queue ("post.approve").

    An opening post takes its waiting thread with it. The thread, category and
    author are recounted. Raises PermissionDenied unless the actor moderates
    the category, ValidationError when the post is not waiting.
    """
    _require_moderator(actor, post.thread.category_id)
    current = _lock_post_and_parents(post)
    if current.is_approved:
        raise ValidationError("This post is not waiting for approval.")
    Post.objects.filter(pk=post.pk).update(is_approved=True)
    if not current.thread.is_approved:
        Thread.objects.filter(pk=current.thread_id).update(is_approved=True)
    post.is_approved = True
    _recount_after_post_change(current)
    _log_post(actor, "post.approve", current, reason)
    return post


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


# Reports.


@transaction.atomic
def create_report(*, post: Post, reporter: User, reason: str, text: str = "") -> Report:
    """Report a post to its moderators; one open report per member and post.

    Raises PermissionDenied when the member may not report (unverified,
    suspended, own post) and ValidationError for a second open report.
    """
    if not permissions.can_report(reporter, post):
        if reporter.is_authenticated and reporter.is_suspended:
            raise PermissionDenied(permissions.suspension_message(reporter))
        raise PermissionDenied("You cannot report this post.")
    already = ValidationError("You have already reported this post.")
    if Report.objects.filter(
        post=post, reporter=reporter, status=Report.Status.OPEN
    ).exists():
        raise already
    try:
        # A savepoint: a concurrent double submit trips the unique constraint.
        with transaction.atomic():
            return Report.objects.create(
                post=post,
                reporter=reporter,
                reason=reason,
                text=text,
                created_at=timezone.now(),
            )
    except IntegrityError:
        raise already from None


@transaction.atomic
def close_reports(*, report: Report, actor: User, status: str, note: str = "") -> int:
    """Close the open reports of a report's post as resolved or dismissed.

    All open reports of the same post are closed together: the decision is
    about the post. Logs "report.resolve" or "report.dismiss" once; returns how
    many reports were closed. Raises PermissionDenied unless the actor
    moderates the post's category, ValidationError when the report is closed.
    """
    post = Post.objects.select_related("thread").get(pk=report.post_id)
    _require_moderator(actor, post.thread.category_id)
    if status not in {Report.Status.RESOLVED, Report.Status.DISMISSED}:
        raise ValueError(status)
    open_reports = Report.objects.select_for_update().filter(
        post=post, status=Report.Status.OPEN
    )
    if not open_reports.filter(pk=report.pk).exists():
        raise ValidationError("This report is already closed.")
    closed = open_reports.update(
        status=status, closed_by=actor, closed_at=timezone.now(), note=note
    )
    action = "report.resolve" if status == Report.Status.RESOLVED else "report.dismiss"
    _log_post(actor, action, post, note)
    return closed


def resolve_report(*, report: Report, actor: User, note: str = "") -> int:
    """The post was dealt with ("report.resolve")."""
    return close_reports(
        report=report, actor=actor, status=Report.Status.RESOLVED, note=note
    )


def dismiss_report(*, report: Report, actor: User, note: str = "") -> int:
    """Nothing to do ("report.dismiss")."""
    return close_reports(
        report=report, actor=actor, status=Report.Status.DISMISSED, note=note
    )


# Members.


def _user_repr(member: User) -> str:
    return f"user {member.pk} “{member.username}”"


@transaction.atomic
def suspend_user(
    *, member: User, actor: User, until: datetime | None, reason: str = ""
) -> User:
    """Suspend a member until a time, or ban for good with `until=None`.

    A suspended member signs in and reads but cannot post, report or edit.
    Logs "user.suspend" or "user.ban". Raises PermissionDenied unless
    `permissions.can_suspend`, ValidationError for an end in the past.
    """
    if not permissions.can_suspend(actor, member):
        raise PermissionDenied("You cannot suspend this member.")
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
    if not permissions.can_suspend(actor, member):
        raise PermissionDenied("You cannot lift this member's suspension.")
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
    if not permissions.can_suspend(actor, member):
        raise PermissionDenied("You cannot hide this member's posts.")
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


# Every action name the log knows, for the log page's filter.
LOG_ACTIONS = [
    "thread.pin",
    "thread.unpin",
    "thread.lock",
    "thread.unlock",
    "thread.hide",
    "thread.unhide",
    "thread.rename",
    "thread.move",
    "thread.merge",
    "thread.split",
    "post.hide",
    "post.restore",
    "post.delete",
    "post.edit",
    "post.recommend",
    "post.unrecommend",
    "post.approve",
    "post.reject",
    "report.resolve",
    "report.dismiss",
    "user.suspend",
    "user.ban",
    "user.unsuspend",
    "user.hide_posts",
]
