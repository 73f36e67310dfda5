"""Concurrent replies to one thread, on PostgreSQL, from separate connections."""

import threading

import pytest
from django.db import connections

from forum import actions
from forum.models import Category, Post, Thread
from tests.factories import CategoryFactory, UserFactory

WRITERS = 6
REPLIES_EACH = 8


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_parallel_replies_get_gapless_positions_and_exact_counters():
    """Replies from several connections at once: positions 1..N, counters exact."""
    category = CategoryFactory()
    authors = [UserFactory() for _ in range(WRITERS)]
    thread = actions.create_thread(
        category=category, author=authors[0], title="Busy thread", body="Start"
    )
    start = threading.Barrier(WRITERS)
    errors = []

    def write(author):
        try:
            start.wait()
            for number in range(REPLIES_EACH):
                actions.create_reply(
                    thread=Thread.objects.get(pk=thread.pk),
                    author=author,
                    body=f"{author.username} says {number}",
                )
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=write, args=(a,)) for a in authors]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert errors == []
    expected = 1 + WRITERS * REPLIES_EACH
    positions = list(
        Post.objects.filter(thread=thread)
        .order_by("position")
        .values_list("position", flat=True)
    )
    assert positions == list(range(1, expected + 1))
    thread.refresh_from_db()
    last = Post.objects.get(thread=thread, position=expected)
    assert (thread.post_count, thread.last_position, thread.last_post_id) == (
        expected,
        expected,
        last.pk,
    )
    category = Category.objects.get(pk=category.pk)
    assert (category.post_count, category.last_post_id) == (expected, last.pk)
    for author in authors:
        author.refresh_from_db()
        assert author.post_count == Post.objects.filter(author=author).count()
