import pytest

from accounts.models import User
from forum import actions
from forum.models import Category, Post, Thread
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_thread_writes_the_opening_post_and_every_counter(category, user):
    """A new thread has post #1 as its last post, and every counter moved by one."""
    thread = actions.create_thread(
        category=category, author=user, title="First words", body="Hello there."
    )

    thread = Thread.objects.get(pk=thread.pk)
    post = Post.objects.get(thread=thread)
    assert post.position == 1
    assert post.author == user
    assert (thread.post_count, thread.last_position) == (1, 1)
    assert thread.last_post == post
    assert thread.last_post_at == post.created_at == thread.created_at
    assert thread.author == user
    category.refresh_from_db()
    assert (category.thread_count, category.post_count) == (1, 1)
    assert category.last_post == post
    user.refresh_from_db()
    assert user.post_count == 1


def test_create_reply_moves_thread_category_and_author_counters(thread, user):
    """A reply becomes the thread's and category's last post; counters go up by one."""
    replier = UserFactory()

    reply = actions.create_reply(thread=thread, author=replier, body="I agree.")

    assert reply.position == 2
    thread = Thread.objects.get(pk=thread.pk)
    assert (thread.post_count, thread.last_position) == (2, 2)
    assert thread.last_post == reply
    assert thread.last_post_at == reply.created_at
    assert thread.last_post_at > thread.created_at
    category = Category.objects.get(pk=thread.category_id)
    assert (category.thread_count, category.post_count) == (1, 2)
    assert category.last_post == reply
    assert User.objects.get(pk=replier.pk).post_count == 1
    assert User.objects.get(pk=user.pk).post_count == 1


def test_actions_keep_the_callers_objects_in_step(category, user):
    """The thread and author passed in show the same counters as their rows."""
    thread = actions.create_thread(
        category=category, author=user, title="In step", body="One."
    )
    reply = actions.create_reply(thread=thread, author=user, body="Two.")

    assert (thread.post_count, thread.last_position) == (2, 2)
    assert thread.last_post == reply
    assert user.post_count == 2
    stored = Thread.objects.get(pk=thread.pk)
    assert (stored.post_count, stored.last_position, stored.last_post_id) == (
        thread.post_count,
        thread.last_position,
        thread.last_post_id,
    )


@pytest.mark.parametrize("post_total", [1, 2, 21, 45])
def test_positions_run_from_one_without_gaps(make_thread, post_total):
    """Posts of a thread are numbered 1..N in the order they were written."""
    thread = make_thread(posts=post_total)

    posts = list(Post.objects.filter(thread=thread).order_by("pk"))
    assert [post.position for post in posts] == list(range(1, post_total + 1))
    assert [post.body_source for post in posts] == [
        f"Post {number}" for number in range(1, post_total + 1)
    ]
    thread.refresh_from_db()
    assert thread.post_count == thread.last_position == post_total
    assert thread.last_post == posts[-1]


def test_reply_through_a_stale_thread_object_takes_the_next_position(thread, user):
    """The position comes from the locked row, not from an outdated Python object."""
    stale = Thread.objects.get(pk=thread.pk)
    actions.create_reply(thread=thread, author=user, body="Second.")

    third = actions.create_reply(thread=stale, author=user, body="Third.")

    assert third.position == 3
    assert Thread.objects.get(pk=thread.pk).last_position == 3


def test_category_counters_add_up_over_threads(category, user):
    """The category counts every thread and post, and its last post is the newest."""
    first = actions.create_thread(
        category=category, author=user, title="First", body="One."
    )
    second = actions.create_thread(
        category=category, author=user, title="Second", body="Two."
    )
    actions.create_reply(thread=second, author=user, body="Three.")
    newest = actions.create_reply(thread=first, author=user, body="Four.")

    category.refresh_from_db()
    assert (category.thread_count, category.post_count) == (2, 4)
    assert category.last_post == newest
    user.refresh_from_db()
    assert user.post_count == 4


def test_counters_of_another_category_stay_put(category, user):
    """Writing in one category leaves other categories' counters alone."""
    other = CategoryFactory()
    actions.create_thread(category=other, author=user, title="Elsewhere", body="x")

    actions.create_thread(category=category, author=user, title="Here", body="y")

    other.refresh_from_db()
    assert (other.thread_count, other.post_count) == (1, 1)
    assert other.last_post.body_source == "x"


def test_body_html_is_rendered_when_the_post_is_written(category, user):
    """The Markdown source is kept and its HTML is stored with the post."""
    thread = actions.create_thread(
        category=category,
        author=user,
        title="Markup",
        body="Some **bold** and <script>alert(1)</script>",
    )
    reply = actions.create_reply(thread=thread, author=user, body="*quiet*")

    opening = Post.objects.get(thread=thread, position=1)
    assert opening.body_source == "Some **bold** and <script>alert(1)</script>"
    assert "<strong>bold</strong>" in opening.body_html
    assert "<script>" not in opening.body_html
    assert Post.objects.get(pk=reply.pk).body_html == "<p><em>quiet</em></p>\n"


def test_failed_create_thread_writes_nothing(category, user, monkeypatch):
    """An error inside create_thread rolls back the thread and every counter."""

    def broken(source):
        raise RuntimeError("renderer down")

    monkeypatch.setattr(actions.posting, "render_markdown", broken)

    with pytest.raises(RuntimeError):
        actions.create_thread(category=category, author=user, title="t", body="b")

    assert not Thread.objects.exists()
    assert not Post.objects.exists()
    category.refresh_from_db()
    assert (category.thread_count, category.post_count) == (0, 0)
    assert User.objects.get(pk=user.pk).post_count == 0


def test_failed_create_reply_writes_nothing(thread, user, monkeypatch):
    """An error inside create_reply leaves the thread as it was."""

    def broken(source):
        raise RuntimeError("renderer down")

    monkeypatch.setattr(actions.posting, "render_markdown", broken)

    with pytest.raises(RuntimeError):
        actions.create_reply(thread=thread, author=user, body="b")

    stored = Thread.objects.get(pk=thread.pk)
    assert (stored.post_count, stored.last_position) == (1, 1)
    assert Post.objects.filter(thread=thread).count() == 1
    assert Category.objects.get(pk=thread.category_id).post_count == 1


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hello World", "hello-world"),
        ("  Spaces  and   more  ", "spaces-and-more"),
        ("Crème brûlée, déjà vu", "creme-brulee-deja-vu"),
        ("What's new in 2024?", "whats-new-in-2024"),
        ("Привет, мир", "-"),
        ("日本語のスレッド", "-"),
        ("!!! ??? ...", "-"),
        ("", "-"),
    ],
)
def test_slug_for_title(title, slug):
    """Titles become ASCII slugs; a title with nothing ASCII gets "-"."""
    assert actions.slug_for_title(title) == slug


def test_slug_for_title_is_cut_without_a_trailing_dash():
    """A long title gives a slug of at most 80 characters that ends on a word."""
    slug = actions.slug_for_title("word " * 40)

    assert len(slug) <= actions.SLUG_MAX_LENGTH
    assert slug.startswith("word-word")
    assert not slug.endswith("-")


def test_create_thread_stores_the_slug_of_its_title(category, user):
    """The thread's slug comes from its title; non-ASCII titles get "-"."""
    ascii_thread = actions.create_thread(
        category=category, author=user, title="Good News, Everyone", body="b"
    )
    cyrillic = actions.create_thread(
        category=category, author=user, title="Новости", body="b"
    )

    assert Thread.objects.get(pk=ascii_thread.pk).slug == "good-news-everyone"
    assert Thread.objects.get(pk=cyrillic.pk).slug == "-"
    assert cyrillic.get_absolute_url() == f"/t/{cyrillic.pk}/-/"
