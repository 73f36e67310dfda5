"""Counters and "last post" count only what a guest may read, whatever the
sequence of writes: stored counters always equal a fresh recount."""

import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from accounts.models import User
from forum import actions, search
from forum.models import Category, Post, Thread
from tests.factories import CategoryFactory, GlobalModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db

LINKS = "https://a.example https://b.example https://c.example"


def stored_counters():
    """Every counter and last-post field of the board, as stored."""
    return {
        "threads": list(
            Thread.objects.order_by("pk").values_list(
                "pk", "post_count", "last_post_id", "last_post_at"
            )
        ),
        "categories": list(
            Category.objects.order_by("pk").values_list(
                "pk", "thread_count", "post_count", "last_post_id"
            )
        ),
        "users": list(User.objects.order_by("pk").values_list("pk", "post_count")),
    }


def assert_counters_exact(step=""):
    """The stored counters are what `recount_*` computes from the rows."""
    before = stored_counters()
    for thread_id in Thread.objects.values_list("pk", flat=True):
        actions.recount_thread(thread_id)
    for category_id in Category.objects.values_list("pk", flat=True):
        actions.recount_category(category_id)
    actions.recount_users(User.objects.values_list("pk", flat=True))
    assert stored_counters() == before, step


def fresh(obj):
    obj.refresh_from_db()
    return obj


# Item 10: a moderator's reply where guests cannot see it.


@pytest.fixture(params=["top", "child"])
def hidden_world(request, committed):
    """A category with a public thread, and a moderator who hides another.

    "top": a top-level category, whose last post the board index shows;
    "child": a subcategory, whose last post its parent's page shows.
    """
    parent = CategoryFactory(name="Parent", slug="parent")
    child = CategoryFactory(name="Child", slug="child", parent=parent)
    category = parent if request.param == "top" else child
    member = UserFactory()
    moderator = GlobalModeratorFactory()
    with committed():
        public = actions.create_thread(
            category=category, author=member, title="Public roses", body="Hello"
        )
        secret = actions.create_thread(
            category=category, author=member, title="Secret tulips", body="Spam"
        )
        actions.hide_thread(thread=secret, actor=moderator, reason="Spam")
    return {
        "category": category,
        # The page that shows the category's last post.
        "stats_url": "/" if category is parent else parent.get_absolute_url(),
        "member": member,
        "moderator": moderator,
        "public": public,
        "secret": fresh(secret),
    }


def guest_and_member_pages(world):
    """The page showing the category's last post, then the category's page, as
    a guest and as a member."""
    member_client = Client()
    member_client.force_login(UserFactory())
    urls = [world["stats_url"], world["category"].get_absolute_url()]
    return [
        client.get(url).content.decode()
        for client in (Client(), member_client)
        for url in urls
    ]


def test_a_moderators_reply_in_a_hidden_thread_is_no_last_post(hidden_world):
    world = hidden_world
    category = fresh(world["category"])
    before = (category.post_count, category.last_post_id)
    moderator_count = fresh(world["moderator"]).post_count

    reply = actions.create_reply(
        thread=world["secret"], author=world["moderator"], body="Noted, hidden."
    )

    assert reply.is_approved
    category = fresh(world["category"])
    assert (category.post_count, category.last_post_id) == before
    assert fresh(world["moderator"]).post_count == moderator_count
    for page in guest_and_member_pages(world):
        assert "Secret tulips" not in page
        assert f"/t/{world['secret'].pk}/" not in page
    assert "Public roses" in guest_and_member_pages(world)[0]
    assert_counters_exact()


def test_a_moderators_reply_in_a_waiting_thread_counts_once_approved(
    settings, hidden_world, committed
):
    """It counts nowhere but its thread until the thread is approved."""
    settings.APPROVAL_FIRST_POSTS = 1
    world = hidden_world
    with committed():
        waiting = actions.create_thread(
            category=world["category"],
            author=UserFactory(),
            title="Waiting daisies",
            body="First post",
        )
    assert not waiting.is_approved
    before = fresh(world["category"])

    with committed():
        reply = actions.create_reply(
            thread=waiting, author=world["moderator"], body="Welcome!"
        )

    assert reply.is_approved
    category = fresh(world["category"])
    assert (category.post_count, category.last_post_id) == (
        before.post_count,
        before.last_post_id,
    )
    assert fresh(world["moderator"]).post_count == 0
    for page in guest_and_member_pages(world):
        assert "Waiting daisies" not in page
    assert_counters_exact()

    with committed():
        actions.approve_post(
            post=waiting.posts.get(position=1), actor=world["moderator"]
        )

    assert fresh(world["moderator"]).post_count == 1
    assert fresh(world["category"]).last_post_id == reply.pk
    assert "Waiting daisies" in guest_and_member_pages(world)[0]
    assert_counters_exact()


def test_posts_split_out_of_a_waiting_thread_start_to_count(settings, category):
    """The new thread is approved: the moved posts count for their authors."""
    settings.APPROVAL_FIRST_POSTS = 1
    moderator = GlobalModeratorFactory()
    waiting = actions.create_thread(
        category=category, author=UserFactory(), title="Waiting", body="Hi"
    )
    reply = actions.create_reply(thread=waiting, author=moderator, body="Welcome")
    assert fresh(moderator).post_count == 0

    actions.split_thread(
        thread=waiting,
        actor=moderator,
        post_ids=[reply.pk],
        title="Welcome notes",
        category=category,
    )

    assert fresh(moderator).post_count == 1
    assert_counters_exact()


# Item 11: a held reply changes its thread's stored pages.


def test_the_author_of_a_held_reply_sees_it_on_the_stored_page(settings, committed):
    settings.GUEST_PAGE_CACHE_SECONDS = 300
    settings.SESSION_ENGINE = "accounts.cached_sessions"
    author = UserFactory(username="alice")
    newcomer = UserFactory(username="newcomer")
    with committed():
        thread = actions.create_thread(
            category=CategoryFactory(), author=author, title="Roses", body="Post 1"
        )
        for number in range(2, 21):
            actions.create_reply(thread=thread, author=author, body=f"Post {number}")
    settings.APPROVAL_FIRST_POSTS = 1
    url = thread.get_absolute_url()
    client = Client()
    client.force_login(newcomer)
    client.get(url)  # stores the shared page, one page long
    assert "?page=2" not in client.get(url).content.decode()

    with committed():
        post = actions.create_reply(thread=thread, author=newcomer, body="Post 21")
    assert not post.is_approved

    page = client.get(url).content.decode()
    assert "?page=2" in page  # the page count follows the waiting post
    second = client.get(f"{url}?page=2").content.decode()
    assert f'id="post-{post.pk}"' in second
    assert f'id="post-{post.pk}"' not in Client().get(f"{url}?page=2").content.decode()


def test_a_held_reply_is_on_its_authors_page_at_once(settings, committed):
    """The shared page stored before the reply is not served to its author."""
    settings.GUEST_PAGE_CACHE_SECONDS = 300
    settings.SESSION_ENGINE = "accounts.cached_sessions"
    author, newcomer = UserFactory(), UserFactory()
    with committed():
        thread = actions.create_thread(
            category=CategoryFactory(), author=author, title="Roses", body="Post 1"
        )
    settings.APPROVAL_FIRST_POSTS = 1
    client = Client()
    client.force_login(newcomer)
    url = thread.get_absolute_url()
    client.get(url)
    client.get(url)

    with committed():
        post = actions.create_reply(thread=thread, author=newcomer, body="Waiting")

    assert f'id="post-{post.pk}"' in client.get(url).content.decode()


# Item 13: approved posts are found by search.


def test_search_finds_a_post_approved_from_the_queue(settings, thread):
    settings.APPROVAL_FIRST_POSTS = 1
    moderator = GlobalModeratorFactory()
    post = actions.create_reply(
        thread=thread, author=UserFactory(), body="Marigolds need sunshine"
    )
    assert not post.is_approved

    actions.approve_post(post=post, actor=moderator)

    results = search.search_posts(query="marigolds", user=UserFactory())
    assert [result.post.pk for result in results.results] == [post.pk]


def test_search_finds_a_thread_approved_from_the_queue(settings, category):
    settings.APPROVAL_FIRST_POSTS = 1
    thread = actions.create_thread(
        category=category, author=UserFactory(), title="Hydrangea colours", body="Hi"
    )
    opening = thread.posts.get()

    actions.approve_post(post=opening, actor=GlobalModeratorFactory())

    results = search.search_posts(
        query="hydrangea", user=UserFactory(), titles_only=True
    )
    assert [result.post.pk for result in results.results] == [opening.pk]


# Item 14: edits go through the approval rules.


def test_an_edit_adding_links_holds_the_post_again(settings, thread, committed):
    settings.APPROVAL_MAX_LINKS = 2
    young = UserFactory()
    post = actions.create_reply(thread=thread, author=young, body="Harmless")
    assert post.is_approved
    assert fresh(young).post_count == 1

    with committed():
        actions.edit_post(post=post, editor=young, body=f"Buy now {LINKS}")

    assert not fresh(post).is_approved
    assert fresh(young).post_count == 0
    assert fresh(thread.category).last_post_id != post.pk
    assert (
        f'id="post-{post.pk}"'
        not in Client().get(thread.get_absolute_url()).content.decode()
    )
    assert post in Post.objects.awaiting_approval()
    assert_counters_exact()


def test_an_edited_opening_post_takes_its_thread_back_to_the_queue(
    settings, category, committed
):
    settings.APPROVAL_MAX_LINKS = 2
    young, other = UserFactory(), UserFactory()
    moderator = GlobalModeratorFactory()
    thread = actions.create_thread(
        category=category, author=young, title="Tips", body="Harmless"
    )
    actions.create_reply(thread=thread, author=other, body="Thanks")
    opening = thread.posts.get(position=1)

    with committed():
        actions.edit_post(post=opening, editor=young, body=f"Spam {LINKS}")

    assert not fresh(thread).is_approved
    assert fresh(other).post_count == 0
    assert Client().get(thread.get_absolute_url()).status_code == 404
    assert_counters_exact()

    actions.approve_post(post=fresh(opening), actor=moderator)
    assert fresh(thread).is_approved
    assert fresh(other).post_count == 1
    assert_counters_exact()


def test_images_count_as_links(settings, thread):
    settings.APPROVAL_MAX_LINKS = 2
    images = "".join(f"![x](https://img.example/{n}.png) " for n in range(3))
    assert not actions.create_reply(
        thread=thread, author=UserFactory(), body=images
    ).is_approved


def test_a_moderators_edit_holds_nothing(settings, thread, user):
    """Moderators write past the queue, in others' posts too."""
    settings.APPROVAL_MAX_LINKS = 2
    post = actions.create_reply(thread=thread, author=UserFactory(), body="Hi")
    actions.edit_post(post=post, editor=GlobalModeratorFactory(), body=LINKS)
    assert fresh(post).is_approved


def test_the_author_is_told_the_edit_awaits_approval(settings, client, thread):
    settings.APPROVAL_MAX_LINKS = 2
    young = UserFactory()
    post = actions.create_reply(thread=thread, author=young, body="Harmless")
    client.force_login(young)

    response = client.post(f"/p/{post.pk}/edit/", {"body": LINKS}, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "awaiting approval" in html
    assert f'id="post-{post.pk}"' in html  # its author still sees it


# Items 5 and 6: edits and previews are rate-limited.


def test_edits_are_rate_limited_apart_from_posts(settings, client, thread, user):
    settings.NEW_ACCOUNT_POST_RATE_LIMIT = "2/60"
    client.force_login(user)
    post = actions.create_reply(thread=thread, author=user, body="Original")
    codes = [
        client.post(f"/p/{post.pk}/edit/", {"body": f"Version {n}"}).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]
    response = client.post(f"/p/{post.pk}/edit/", {"body": "One too many"})
    assert "You are editing too quickly" in response.content.decode()
    assert "One too many" in response.content.decode()
    assert fresh(post).body_source == "Version 1"
    assert post.revisions.count() == 2
    # Posting has its own bucket.
    reply = client.post(f"/reply/{thread.pk}/", {"body": "Still may reply"})
    assert reply.status_code == 302


def test_previews_are_rate_limited(settings, client, thread, user):
    settings.PREVIEW_RATE_LIMIT = "2/60"
    client.force_login(user)
    post = actions.create_reply(thread=thread, author=user, body="A reply")
    urls = [f"/reply/{thread.pk}/", f"/p/{post.pk}/edit/", f"/reply/{thread.pk}/"]
    codes = [
        client.post(url, {"body": "**Draft**", "preview": "1"}).status_code
        for url in urls
    ]
    assert codes == [200, 200, 429]
    response = client.post(urls[0], {"body": "**Draft**", "preview": "1"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "previews too quickly" in html
    assert "<strong>Draft</strong>" not in html
    assert "**Draft**" in html  # the text is kept


# Any sequence of writes keeps the counters exact.


class Board:
    """A small board that random moderation steps are applied to."""

    def __init__(self, rng):
        self.rng = rng
        self.categories = [CategoryFactory(), CategoryFactory()]
        self.member = UserFactory()
        self.moderator = GlobalModeratorFactory()
        self.serial = 0

    def text(self, links=False):
        self.serial += 1
        return f"Text {self.serial}" + (f" {LINKS}" if links else "")

    def author(self):
        # A fresh account's first post waits (APPROVAL_FIRST_POSTS = 1).
        return self.rng.choice([self.member, self.moderator, UserFactory()])

    def pick(self, queryset):
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        if not ids:
            return None
        return queryset.model.objects.get(pk=self.rng.choice(ids))

    def post(self, **filters):
        post = self.pick(Post.objects.filter(**filters))
        return post and Post.objects.select_related("thread", "author").get(pk=post.pk)

    def new_thread(self):
        actions.create_thread(
            category=self.rng.choice(self.categories),
            author=self.author(),
            title=self.text(),
            body=self.text(),
        )

    def reply(self):
        thread = self.pick(Thread.objects.all())
        if thread:
            actions.create_reply(thread=thread, author=self.author(), body=self.text())

    def edit(self):
        post = self.post()
        if post:
            editor = User.objects.get(pk=post.author_id)
            actions.edit_post(post=post, editor=editor, body=self.text(links=True))

    def approve(self):
        post = self.post(is_approved=False)
        if post:
            actions.approve_post(post=post, actor=self.moderator)

    def reject(self):
        post = self.post(is_approved=False)
        if post:
            actions.reject_post(post=post, actor=self.moderator)

    def hide_post(self):
        post = self.post(is_hidden=False)
        if post:
            actions.hide_post(post=post, actor=self.moderator)

    def restore_post(self):
        post = self.post(is_hidden=True)
        if post:
            actions.restore_post(post=post, actor=self.moderator)

    def hide_thread(self):
        thread = self.pick(Thread.objects.filter(is_hidden=False))
        if thread:
            actions.hide_thread(thread=thread, actor=self.moderator)

    def unhide_thread(self):
        thread = self.pick(Thread.objects.filter(is_hidden=True))
        if thread:
            actions.unhide_thread(thread=thread, actor=self.moderator)

    def move(self):
        thread = self.pick(Thread.objects.all())
        if thread:
            target = next(c for c in self.categories if c.pk != thread.category_id)
            actions.move_thread(thread=thread, actor=self.moderator, category=target)

    def merge(self):
        thread, into = self.pick(Thread.objects.all()), self.pick(Thread.objects.all())
        if thread and into and thread.pk != into.pk:
            actions.merge_thread(thread=thread, into=into, actor=self.moderator)

    def split(self):
        thread = self.pick(Thread.objects.filter(last_position__gte=2))
        replies = list(
            Post.objects.filter(thread=thread, position__gt=1).values_list(
                "pk", flat=True
            )
        )
        if replies:
            chosen = self.rng.sample(replies, self.rng.randint(1, len(replies)))
            actions.split_thread(
                thread=thread,
                actor=self.moderator,
                post_ids=chosen,
                title=self.text(),
                category=self.rng.choice(self.categories),
            )

    STEPS = [
        "new_thread",
        "reply",
        "reply",
        "edit",
        "approve",
        "reject",
        "hide_post",
        "restore_post",
        "hide_thread",
        "unhide_thread",
        "move",
        "merge",
        "split",
    ]


@pytest.mark.parametrize("seed", range(6))
def test_counters_equal_a_recount_after_any_sequence_of_writes(settings, seed):
    settings.APPROVAL_FIRST_POSTS = 1
    settings.APPROVAL_MAX_LINKS = 2
    rng = random.Random(seed)
    board = Board(rng)
    board.new_thread()
    done = []
    for _ in range(50):
        step = rng.choice(Board.STEPS)
        try:
            getattr(board, step)()
        except (PermissionDenied, ValidationError):
            continue  # a step the rules refuse changes nothing
        done.append(step)
        assert_counters_exact(" ".join(done))
