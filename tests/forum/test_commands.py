import io
import time
import types

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Min

from accounts.models import User
from forum.management.commands import seed_demo
from forum.models import Category, Post, Thread

pytestmark = pytest.mark.django_db

REFERENCE_TITLE = "The Bernie Sanders Campaign Should Have Gone Further"


def run(*args, **options):
    """Run seed_demo; return what it printed."""
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, **options)
    return out.getvalue()


def assert_counters_match_rows():
    """Every stored counter and last-post field agrees with the rows it counts."""
    threads = Thread.objects.annotate(
        rows=Count("posts"),
        lowest=Min("posts__position"),
        highest=Max("posts__position"),
    ).select_related("last_post")
    for thread in threads:
        # With positions unique per thread, 1..rows means no gap and no repeat.
        assert (thread.lowest, thread.highest) == (1, thread.rows), thread.pk
        assert thread.post_count == thread.rows, thread.pk
        assert thread.last_position == thread.highest, thread.pk
        assert thread.last_post.thread_id == thread.pk
        assert thread.last_post.position == thread.highest, thread.pk
        assert thread.last_post_at == thread.last_post.created_at, thread.pk
        opening = Post.objects.get(thread=thread, position=1)
        assert thread.author_id == opening.author_id, thread.pk
        assert thread.created_at == opening.created_at, thread.pk
    for category in Category.objects.all():
        posts = Post.objects.filter(thread__category=category)
        assert category.thread_count == category.threads.count(), category.slug
        assert category.post_count == posts.count(), category.slug
        newest = posts.order_by("-created_at", "-pk").first()
        assert category.last_post_id == (newest.pk if newest else None), category.slug
    for user in User.objects.annotate(rows=Count("posts")):
        assert user.post_count == user.rows, user.username


def snapshot():
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (User, Category, Thread, Post)
    }


# Small mode: the hand-made demo board.


def test_small_mode_creates_the_reference_thread():
    """The reference topic has its title, its opening post and its one reply."""
    run()

    thread = Thread.objects.get(title=REFERENCE_TITLE)
    posts = list(thread.posts.order_by("position").select_related("author"))
    assert len(posts) == 2
    assert posts[0].body_source.startswith(
        "After the end of the Bernie Sanders campaign"
    )
    assert posts[1].body_source.startswith("Bernie lost in all the debates")
    assert "<p>After the end of the Bernie Sanders campaign" in posts[0].body_html
    assert posts[0].author != posts[1].author
    assert thread.slug == "the-bernie-sanders-campaign-should-have-gone-further"
    assert [post.is_recommended for post in posts] == [True, False]


def test_small_mode_creates_a_thread_long_enough_to_page_through():
    """One thread has more than 60 posts, so it spans at least four pages."""
    run()

    longest = Thread.objects.order_by("-post_count").first()
    assert longest.post_count >= 60
    assert longest.page_count >= 4
    assert longest.posts.values("author").distinct().count() > 1


def test_small_mode_fills_a_board_with_consistent_counters():
    """Categories (some nested), members and threads, every counter right."""
    output = run()

    assert Category.objects.count() >= 3
    assert Category.objects.filter(parent__isnull=False).exists()
    assert User.objects.count() >= 3
    assert Thread.objects.count() >= 3
    assert Thread.objects.filter(is_pinned=True).exists()
    assert not any(user.has_usable_password() for user in User.objects.all())
    assert_counters_match_rows()
    assert f"{Post.objects.count()} posts" in output


def test_small_mode_pages_render(client):
    """The demo board's pages open for a guest."""
    run()
    reference = Thread.objects.get(title=REFERENCE_TITLE)
    longest = Thread.objects.order_by("-post_count").first()

    urls = [
        "/",
        reference.category.get_absolute_url(),
        reference.get_absolute_url(),
        f"{longest.get_absolute_url()}?page={longest.page_count}",
        reference.author.get_absolute_url(),
    ]

    assert [client.get(url).status_code for url in urls] == [200] * 5
    assert b"Recommended Posts" in client.get(reference.get_absolute_url()).content


def test_if_empty_leaves_a_filled_forum_alone():
    """A second run with --if-empty writes nothing and says so."""
    run("--if-empty")
    before = snapshot()

    output = run("--if-empty")

    assert snapshot() == before
    assert "nothing loaded" in output


def test_if_empty_loads_an_empty_forum():
    """On an empty forum, --if-empty loads the demo board."""
    run("--if-empty")

    assert Thread.objects.filter(title=REFERENCE_TITLE).exists()


def test_small_mode_twice_is_refused():
    """Loading the small board again, without --if-empty, raises and writes nothing."""
    run()
    before = snapshot()

    with pytest.raises(CommandError, match="--if-empty"):
        run()

    assert snapshot() == before


# Large mode: bulk-generated data for benchmarks.

LARGE = {"threads": 30, "posts": 600, "hot": 200, "users": 20}


def test_large_mode_creates_exactly_what_was_asked():
    """--threads 30 --posts 600 --hot 200 --users 20 makes exactly those rows."""
    output = run(**LARGE)

    assert Thread.objects.count() == 30
    assert Post.objects.count() == 600
    assert User.objects.count() == 20
    assert Category.objects.count() == 10
    assert "Generated 30 threads and 600 posts" in output


def test_large_mode_counters_and_positions_are_consistent():
    """Bulk inserts still give positions 1..N and counters that match the rows."""
    run(**LARGE)

    assert_counters_match_rows()
    assert sum(Thread.objects.values_list("post_count", flat=True)) == 600
    assert sum(Category.objects.values_list("post_count", flat=True)) == 600
    assert sum(User.objects.values_list("post_count", flat=True)) == 600


def test_large_mode_has_one_hot_thread():
    """The hot thread holds exactly --hot posts, more than any other thread."""
    run(**LARGE)

    counts = sorted(Thread.objects.values_list("post_count", flat=True))
    assert counts[-1] == 200
    assert counts[-2] < 200
    assert min(counts) >= 1


def test_large_mode_members_cannot_sign_in():
    """Generated members have no usable password."""
    run(**LARGE)

    assert not any(user.has_usable_password() for user in User.objects.all())


def test_large_mode_reports_progress(monkeypatch):
    """A progress line is printed after each batch of posts."""
    monkeypatch.setattr(seed_demo, "BATCH_SIZE", 250)

    output = run(**LARGE)

    assert "250 / 600 posts" in output
    assert "500 / 600 posts" in output
    assert Post.objects.count() == 600


def test_large_mode_adds_to_existing_content(monkeypatch):
    """A large run after the small board adds its rows and keeps all counters right."""
    run()
    before = Post.objects.count(), Thread.objects.count()

    run(**LARGE)

    assert (Post.objects.count(), Thread.objects.count()) == (
        before[0] + 600,
        before[1] + 30,
    )
    assert_counters_match_rows()


def _fixed_clock(monkeypatch, now):
    clock = types.SimpleNamespace(time=lambda: now, monotonic=time.monotonic)
    monkeypatch.setattr(seed_demo, "time", clock)


def test_two_large_runs_add_up(monkeypatch):
    """Two large runs at different times give twice the rows, counters right."""
    _fixed_clock(monkeypatch, 1_700_000_000)
    run(**LARGE)
    _fixed_clock(monkeypatch, 1_700_000_100)
    run(**LARGE)

    assert (Thread.objects.count(), Post.objects.count()) == (60, 1200)
    assert_counters_match_rows()


def test_two_large_runs_in_the_same_second_add_up(monkeypatch):
    """Two large runs started in the same second both succeed."""
    _fixed_clock(monkeypatch, 1_700_000_000)
    run(**LARGE)

    run(**LARGE)

    assert Post.objects.count() == 1200


@pytest.mark.parametrize(
    "options",
    [
        {"posts": 100, "threads": 0},
        {"posts": 100, "threads": 10, "users": 0},
        {"posts": 100, "threads": 10, "hot": 0},
        {"posts": 100, "threads": 10, "hot": 200},
        {"posts": 50, "threads": 60, "hot": 1},
        {"posts": 100, "threads": 2, "hot": -5},
        {"posts": -5, "threads": 1, "hot": 1},
    ],
)
def test_bad_option_combinations_are_refused(options):
    """Impossible numbers raise CommandError and write nothing."""
    with pytest.raises(CommandError):
        run(**options)

    assert not User.objects.exists()
    assert not Thread.objects.exists()
    assert not Post.objects.exists()


def test_rerender_posts_keeps_search_cache_and_bios_right(thread, monkeypatch):
    """After a re-render, search finds the new text (not the old), the cached
    pages are told, and bios are rendered again too."""
    from django.contrib.auth.models import AnonymousUser

    from forum import cache, search
    from tests.factories import UserFactory

    post = Post.objects.get(thread=thread)
    Post.objects.filter(pk=post.pk).update(
        body_source="The wombat", body_html="<p>The platypus</p>"
    )
    search.index_posts([post.pk])
    member = UserFactory(bio="A **brave** bio", bio_html="<p>old</p>")
    told = []
    monkeypatch.setattr(cache, "site_changed", lambda: told.append("site"))
    monkeypatch.setattr(cache, "member_changed", lambda pk: told.append(pk))

    call_command("rerender_posts", stdout=io.StringIO())

    def found(word):
        page = search.search_posts(query=word, user=AnonymousUser())
        return [result.post.pk for result in page.results]

    assert found("wombat") == [post.pk]
    assert found("platypus") == []
    member.refresh_from_db()
    assert "<strong>brave</strong>" in member.bio_html
    assert told == ["site", member.pk]
