"""Visibility is written once (forum.permissions): the querysets and the Python
predicates agree for every kind of thread and post and every kind of reader."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from forum import permissions
from forum.models import Post, Thread
from tests.factories import CategoryFactory, GlobalModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db

FLAGS = list(itertools.product([False, True], repeat=2))  # (is_hidden, is_approved)


@pytest.fixture
def world():
    """Threads of every state by two authors in two categories, each with
    posts of every state by both authors; and one reader of each kind."""
    categories = [CategoryFactory(), CategoryFactory()]
    authors = [UserFactory(), UserFactory()]
    category_moderator = UserFactory()
    categories[0].moderators.add(category_moderator)
    readers = {
        "guest": AnonymousUser(),
        "author": authors[0],
        "other member": UserFactory(),
        "category moderator": category_moderator,
        "global moderator": GlobalModeratorFactory(),
        "administrator": UserFactory(is_staff=True),
    }
    for category, thread_author, (hidden, approved) in itertools.product(
        categories, authors, FLAGS
    ):
        thread = Thread.objects.create(
            category=category,
            title="T",
            slug="t",
            author=thread_author,
            is_hidden=hidden,
            is_approved=approved,
            created_at="2026-01-01T00:00Z",
            last_post_at="2026-01-01T00:00Z",
        )
        for position, (author, (p_hidden, p_approved)) in enumerate(
            itertools.product(authors, FLAGS), start=1
        ):
            Post.objects.create(
                thread=thread,
                author=author,
                position=position,
                body_source="x",
                body_html="x",
                is_hidden=p_hidden,
                is_approved=p_approved,
                created_at="2026-01-01T00:00Z",
            )
    return readers


def fresh_reader(reader):
    # A new object: the moderator scope kept on it is asked again.
    if not reader.is_authenticated:
        return reader
    return type(reader).objects.get(pk=reader.pk)


@pytest.mark.parametrize(
    "kind",
    [
        "guest",
        "author",
        "other member",
        "category moderator",
        "global moderator",
        "administrator",
    ],
)
def test_querysets_and_predicates_agree(world, kind):
    reader = fresh_reader(world[kind])
    threads = list(Thread.objects.all())
    posts = list(Post.objects.select_related("thread"))
    assert len(threads) == 16 and len(posts) == 128

    visible_threads = set(Thread.objects.visible_to(reader))
    assert visible_threads == {
        t for t in threads if permissions.can_see_thread(reader, t)
    }
    assert set(Post.objects.visible_to(reader)) == {
        p for p in posts if permissions.can_see_post(reader, p)
    }
    for thread in visible_threads:
        # The thread page's rule, on the post's own fields. It differs from
        # `post_visibility` in one case: a waiting thread's author sees the
        # approved replies (a moderator's) in it on the page.
        rule = permissions.post_in_thread_visibility(reader, thread)
        assert set(Post.objects.visible_in_thread(thread, reader)) == {
            p
            for p in posts
            if p.thread_id == thread.pk and permissions.matches(p, rule)
        }
    # Sanity: the kinds really differ.
    assert 0 < len(visible_threads) <= 16
