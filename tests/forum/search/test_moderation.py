"""The search index follows moderation: hide, rename, split, merge, delete."""

import pytest
from django.contrib.auth.models import AnonymousUser

from forum import actions, search
from forum.models import Post
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GUEST = AnonymousUser()


def found(query, user=GUEST, **options):
    page = search.search_posts(query=query, user=user, **options)
    return [result.post.pk for result in page.results]


@pytest.fixture
def moderator():
    return UserFactory(is_staff=True)


@pytest.fixture
def thread(category, user):
    thread = actions.create_thread(
        category=category, author=user, title="Harbour lights", body="Opening words"
    )
    actions.create_reply(thread=thread, author=user, body="Zeppelin sightings")
    actions.create_reply(thread=thread, author=user, body="Marmalade recipes")
    return thread


def test_hidden_post_leaves_guest_results_but_not_staff(thread, moderator):
    """Hiding is applied at query time: guests lose the post, staff keep it."""
    post = Post.objects.get(thread=thread, position=2)
    actions.hide_post(post=post, actor=moderator, reason="spam")
    assert found("zeppelin") == []
    assert found("zeppelin", user=moderator) == [post.pk]


def test_rename_is_found_by_its_new_title(thread, moderator):
    actions.rename_thread(thread=thread, actor=moderator, title="Lighthouse keepers")
    opening = Post.objects.get(thread=thread, position=1)
    assert found("lighthouse", titles_only=True) == [opening.pk]
    assert found("harbour", titles_only=True) == []


def test_split_posts_are_found_under_the_new_title(thread, moderator, category):
    """The split-off thread's first post carries the new title in the index."""
    moved = Post.objects.get(thread=thread, position=3)
    actions.split_thread(
        thread=thread,
        actor=moderator,
        post_ids=[moved.pk],
        title="Preserves and jams",
        category=category,
    )
    assert found("preserves", titles_only=True) == [moved.pk]


def test_merged_opening_post_no_longer_carries_its_old_title(
    thread, moderator, category, user
):
    """After a merge the source's opener is a reply: its old title is not indexed."""
    source = actions.create_thread(
        category=category, author=user, title="Quince season", body="Later words"
    )
    actions.merge_thread(thread=source, into=thread, actor=moderator)
    assert found("quince", titles_only=True) == []
    assert found("later") == [Post.objects.get(body_source="Later words").pk]


def test_deleted_post_is_gone_for_everyone(thread, moderator):
    moderator.is_superuser = True
    moderator.save()
    post = Post.objects.get(thread=thread, position=3)
    actions.delete_post(post=post, actor=moderator)
    assert found("marmalade", user=moderator) == []
