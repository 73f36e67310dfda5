"""Starting threads, replying and editing: the posts members write."""

import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from .. import cache, permissions, search
from ..markup import render_markdown
from ..models import (
    Category,
    Post,
    PostRevision,
    Thread,
)
from .counters import (
    _lock_categories,
    _lock_threads,
    recount_category,
    recount_thread,
    recount_users,
)
from .log import _log_post

User = get_user_model()

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
    if refusal := permissions.why_not_post(author):
        raise PermissionDenied(refusal)
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
    if refusal := permissions.why_not_reply(author, thread):
        raise PermissionDenied(refusal)
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


# Links and images: a remote image is a link the reader's browser follows.
LINK_PATTERN = re.compile(r"<(?:a|img)\s")


def needs_approval(*, author: User, category_id: int, body_html: str) -> bool:
    """Whether a post, new or just edited, waits in the approval queue.

    Held: the first `APPROVAL_FIRST_POSTS` posts of an account, and posts with
    more than `APPROVAL_MAX_LINKS` links (images count as links) from accounts
    younger than a day. Both are off (0) by default; moderators of the category
    are never held.
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
    locked = (
        Thread.objects.select_for_update()
        .only("last_position", "is_hidden", "is_approved")
        .get(pk=thread.pk)
    )
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
    # Even a held post changes the thread's pages: its author sees it there,
    # and the page count follows `last_position`.
    cache.thread_changed(thread.pk, thread.category_id)
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
    # A moderator's reply in a hidden or waiting thread counts in the thread
    # only: the category and the author count what a guest can read.
    if locked.is_public:
        Category.objects.filter(pk=thread.category_id).update(
            post_count=F("post_count") + 1, last_post=post
        )
        User.objects.filter(pk=author.pk).update(post_count=F("post_count") + 1)
        author.post_count += 1
    cache.member_posted(author.pk)
    search.index_posts([post.pk])
    # Keep the caller's objects in step with the rows.
    thread.post_count += 1
    thread.last_position = post.position
    thread.last_post = post
    thread.last_post_at = now
    return post


@transaction.atomic
def edit_post(*, post: Post, editor: User, body: str, title: str | None = None) -> Post:
    """Change a post's text, keeping the previous text as a revision.

    `title`, for the opening post only, renames the thread too; the search
    index follows, in this transaction. Nothing is
    written when nothing changed. Locks the thread, then the post row, so two
    edits cannot both record the same previous text.
    The new text goes through the approval rules (`needs_approval`) as a new
    post would, unless a moderator of the category writes it: a public post
    that now needs approval is held again (an opening post with its thread),
    and its thread, category and authors are recounted; the caller sees
    `post.is_approved` False.
    An edit of another member's post by a moderator is logged ("post.edit").
    Raises PermissionDenied when the editor may not edit the post.
    """
    if refusal := permissions.why_not_edit_post(editor, post):
        raise PermissionDenied(refusal)
    # Rendered before taking locks: it is the slow part.
    body_html = render_markdown(body)
    _lock_threads([post.thread_id])
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
        editor=editor,
        created_at=now,
    )
    post.body_source = body
    post.body_html = body_html
    post.edited_at = now
    post.save(update_fields=["body_source", "body_html", "edited_at"])
    category_id = post.thread.category_id
    if (
        current.is_approved
        and not permissions.can_moderate(editor, category_id)
        and needs_approval(
            author=post.author, category_id=category_id, body_html=body_html
        )
    ):
        _hold_edited_post(post)
    if editor.pk != post.author_id:
        _log_post(editor, "post.edit", post, "")
    cache.thread_changed(post.thread_id, category_id)
    search.index_posts([post.pk])
    return post


def _hold_edited_post(post: Post) -> None:
    """Send an edited post back to the approval queue, as if it were new.

    An opening post takes its thread with it (a waiting thread, as
    `create_thread` makes one), so the queue's approve and reject work on it
    unchanged; every author in the thread is recounted then, since a waiting
    thread's posts count for nobody. The caller holds the thread's lock.
    """
    thread_id, category_id = post.thread_id, post.thread.category_id
    _lock_categories([category_id])
    Post.objects.filter(pk=post.pk).update(is_approved=False)
    post.is_approved = False
    authors = {post.author_id}
    if post.position == 1:
        Thread.objects.filter(pk=thread_id).update(is_approved=False)
        post.thread.is_approved = False
        authors.update(
            Post.objects.filter(thread_id=thread_id).values_list("author_id", flat=True)
        )
    recount_thread(thread_id)
    recount_category(category_id)
    recount_users(authors)
    for author_id in authors:
        cache.member_posted(author_id)
