"""Write paths of the forum. Each action is one transaction and the only place
that moves counters, positions and last-post fields. Actions check
`forum.permissions` themselves, so no caller (view, admin, command) can skip a rule.

Lock order, always: thread, then category, then user. Two writers that take
locks in the same order cannot deadlock.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User

from . import permissions, search
from .markup import render_markdown
from .models import Category, Post, PostRevision, Thread

SLUG_MAX_LENGTH = 80
# The same text from the same author within this window is a double submit.
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=10)


def slug_for_title(title: str) -> str:
    """A URL slug for a thread title; "-" when the title has no ASCII letters."""
    return slugify(title)[:SLUG_MAX_LENGTH].strip("-") or "-"


@transaction.atomic
def create_thread(*, category: Category, author: User, title: str, body: str) -> Thread:
    """Start a thread with its opening post; returns the thread.

    Writes the thread, post #1 (indexed for search), and the category's and
    author's counters.
    The same title from the same author in the same category within a few
    seconds returns the thread already made (a double submit).
    Raises PermissionDenied when the author may not post.
    """
    if not permissions.can_post(author):
        raise PermissionDenied("Confirm your e-mail address before posting.")
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
    thread = Thread.objects.create(
        category=category,
        title=title,
        slug=slug_for_title(title),
        author=author,
        created_at=now,
        last_post_at=now,
    )
    Category.objects.filter(pk=category.pk).update(thread_count=F("thread_count") + 1)
    _add_post(thread=thread, author=author, body=body, now=now)
    return thread


@transaction.atomic
def create_reply(*, thread: Thread, author: User, body: str) -> Post:
    """Append a reply to a thread; returns the new post.

    Locks the thread row first, so concurrent replies get positions N+1, N+2...
    with no gap or duplicate, then moves the thread's, category's and author's
    counters. The same text from the same author within a few seconds returns
    the post already made (a double submit). The post is indexed for search.
    Raises PermissionDenied when the author may not reply (unverified, locked).
    """
    if not permissions.can_reply(author, thread):
        if thread.is_locked and permissions.can_post(author):
            raise PermissionDenied("This thread is locked: it takes no new replies.")
        raise PermissionDenied("You cannot reply to this thread.")
    return _add_post(thread=thread, author=author, body=body, now=timezone.now())


def _add_post(*, thread: Thread, author: User, body: str, now) -> Post:
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
        body_html=render_markdown(body),
        created_at=now,
    )
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
    Raises PermissionDenied when the editor may not edit the post.
    """
    if not permissions.can_edit_post(editor, post):
        raise PermissionDenied("You cannot edit this post.")
    current = Post.objects.select_for_update().get(pk=post.pk)
    now = timezone.now()
    if title is not None and post.position == 1 and title != post.thread.title:
        Thread.objects.filter(pk=post.thread_id).update(
            title=title, slug=slug_for_title(title)
        )
        post.thread.title, post.thread.slug = title, slug_for_title(title)
        search.index_thread(post.thread)
    if body == current.body_source:
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
    search.index_posts([post.pk])
    return post
