"""Write paths of the forum. Each action is one transaction and the only place
that moves counters, positions and last-post fields.

Lock order, always: thread, then category, then user. Two writers that take
locks in the same order cannot deadlock.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User

from .markup import render_markdown
from .models import Category, Post, Thread

SLUG_MAX_LENGTH = 80


def slug_for_title(title: str) -> str:
    """A URL slug for a thread title; "-" when the title has no ASCII letters."""
    return slugify(title)[:SLUG_MAX_LENGTH].strip("-") or "-"


@transaction.atomic
def create_thread(*, category: Category, author: User, title: str, body: str) -> Thread:
    """Start a thread with its opening post.

    Writes the thread, post #1, and the category's and author's counters.
    The new thread is invisible to other transactions until commit, so its
    lock cannot contend; the category row is locked by its counter update.
    """
    now = timezone.now()
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
    with no gap or duplicate, then moves the thread's, category's and
    author's counters.
    """
    return _add_post(thread=thread, author=author, body=body, now=timezone.now())


def _add_post(*, thread: Thread, author: User, body: str, now) -> Post:
    locked = Thread.objects.select_for_update().only("last_position").get(pk=thread.pk)
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
    # Keep the caller's objects in step with the rows.
    thread.post_count += 1
    thread.last_position = post.position
    thread.last_post = post
    thread.last_post_at = now
    author.post_count += 1
    return post
