import re
from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import User
from forum import actions
from forum.models import Post, Thread
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db


def excerpt_links(response):
    """The permalinks of the "Latest posts" list, in page order."""
    section = response.content.decode().split('id="latest-heading"', 1)[1]
    return [int(pk) for pk in re.findall(r'<h3><a href="/p/(\d+)/">', section)]


def test_profile_shows_name_join_date_and_post_count(client, category):
    """The profile shows the member's name, join date and post count."""
    member = UserFactory(username="organizer", display_name="Field Organizer")
    User.objects.filter(pk=member.pk).update(
        date_joined=timezone.make_aware(timezone.datetime(2019, 3, 14, 12, 0))
    )
    thread = actions.create_thread(
        category=category, author=member, title="Iowa", body="Canvassing notes."
    )
    actions.create_reply(thread=thread, author=member, body="More notes.")

    response = client.get("/u/organizer/")

    assert response.status_code == 200
    assertContains(response, "<h1>Field Organizer</h1>", html=True)
    assertContains(
        response,
        '<div><dt>Joined</dt><dd><time datetime="2019-03-14">March 14, 2019</time>'
        "</dd></div>",
        html=True,
    )
    assertContains(response, "<div><dt>Posts</dt><dd>2</dd></div>", html=True)
    assertContains(response, "<title>Field Organizer - Agora</title>", html=True)


def test_profile_shows_the_username_next_to_a_display_name(client):
    """With a display name set, the @username is shown as well."""
    UserFactory(username="filmbuff", display_name="Film Buff")

    response = client.get("/u/filmbuff/")

    assertContains(response, '<p class="byline">@filmbuff</p>', html=True)


def test_profile_without_display_name_uses_the_username(client):
    """Without a display name, the username is the heading and not repeated."""
    UserFactory(username="plainname", display_name="")

    response = client.get("/u/plainname/")

    assertContains(response, "<h1>plainname</h1>", html=True)
    assertNotContains(response, "@plainname")


def test_profile_lists_latest_posts_newest_first(client, user):
    """Latest posts are newest first, each linked, with its thread and category."""
    first_category = CategoryFactory(name="Politics")
    second_category = CategoryFactory(name="Movies")
    older = actions.create_thread(
        category=first_category, author=user, title="Older topic", body="First."
    )
    newer = actions.create_thread(
        category=second_category, author=user, title="Newer topic", body="Second."
    )
    reply = actions.create_reply(thread=older, author=user, body="Third, **bold**.")

    response = client.get(user.get_absolute_url())

    posts = Post.objects.filter(author=user)
    assert excerpt_links(response) == [
        reply.pk,
        posts.get(thread=newer).pk,
        posts.get(thread=older, position=1).pk,
    ]
    assertContains(
        response, f'<h3><a href="/p/{reply.pk}/">Older topic</a></h3>', html=True
    )
    assertContains(
        response, f'<a href="{first_category.get_absolute_url()}">Politics</a>', 2
    )
    assertContains(
        response, f'<a href="{second_category.get_absolute_url()}">Movies</a>', 1
    )
    assertContains(response, "<p>Third, bold.</p>", html=True)


def test_profile_lists_at_most_20_posts(client, user, category):
    """Only the 20 newest posts are listed."""
    thread = actions.create_thread(
        category=category, author=user, title="Many", body="Post 1"
    )
    for number in range(2, 26):
        actions.create_reply(thread=thread, author=user, body=f"Post {number}")
    # Spread the times, so the order does not rest on clock resolution.
    start = timezone.now() - timedelta(days=1)
    for post in Post.objects.filter(thread=thread):
        Post.objects.filter(pk=post.pk).update(
            created_at=start + timedelta(minutes=post.position)
        )

    response = client.get(user.get_absolute_url())

    newest = Post.objects.filter(thread=thread).order_by("-position")[:20]
    assert excerpt_links(response) == [post.pk for post in newest]
    assertContains(response, "<div><dt>Posts</dt><dd>25</dd></div>", html=True)


def test_profile_hides_hidden_posts_and_threads_from_guests(client, user, category):
    """Hidden posts, and posts in hidden threads, are not listed for guests."""
    shown = actions.create_thread(
        category=category, author=user, title="Shown", body="Visible."
    )
    hidden_post = actions.create_reply(thread=shown, author=user, body="Removed.")
    secret = actions.create_thread(
        category=category, author=user, title="Secret", body="In hiding."
    )
    Post.objects.filter(pk=hidden_post.pk).update(is_hidden=True)
    Thread.objects.filter(pk=secret.pk).update(is_hidden=True)

    response = client.get(user.get_absolute_url())

    assert excerpt_links(response) == [Post.objects.get(thread=shown, position=1).pk]
    assertNotContains(response, "Removed.")
    assertNotContains(response, "Secret")


def test_profile_shows_hidden_posts_to_staff(client, user, category, staff):
    """Staff see a member's hidden posts on the profile."""
    thread = actions.create_thread(
        category=category, author=user, title="Shown", body="Visible."
    )
    hidden_post = actions.create_reply(thread=thread, author=user, body="Removed.")
    Post.objects.filter(pk=hidden_post.pk).update(is_hidden=True)
    client.force_login(staff)

    response = client.get(user.get_absolute_url())

    assert hidden_post.pk in excerpt_links(response)


def test_profile_without_posts_says_so(client, user):
    """A member who never posted gets a plain note."""
    response = client.get(user.get_absolute_url())

    assertContains(response, "<p>No posts yet.</p>", html=True)
    assert excerpt_links(response) == []


@pytest.mark.parametrize(
    "username",
    [
        "nobody",
        "x" * 5000,
        "..%2F..%2Fetc",
        "%F0%9F%98%80",
        "member%00",
    ],
)
def test_unknown_profile_is_not_found(client, db, username):
    """An unknown or absurd username is a 404."""
    client.raise_request_exception = False

    assert client.get(f"/u/{username}/").status_code == 404
