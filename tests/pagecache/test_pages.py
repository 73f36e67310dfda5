"""The guest page cache: hits, conditional GET, and every invalidation promised
in forum/cache.py. Writes run under `django_capture_on_commit_callbacks`, so
their on-commit bumps happen as they would after a real commit."""

from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.actions import update_profile
from forum import actions
from forum import cache as page_cache
from forum.models import Post
from pagecache import pages as stored_pages
from pagecache import versions
from tests.data import built_once, copy_of
from tests.factories import CategoryFactory, UserFactory

# Every test runs with the board built once (built_board).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("built_board")]

# Queries a cache hit runs: none (no session, no user, no rows).
GUEST_CACHE_HIT_QUERIES = 0


@pytest.fixture(autouse=True)
def cache_on(settings):
    settings.GUEST_PAGE_CACHE_SECONDS = 300


def build_board():
    """A subcategory with a 45-post thread (pages of 20, 20, 5), by two authors."""
    parent = CategoryFactory(name="Parent", slug="parent")
    category = CategoryFactory(name="Child", slug="child", parent=parent)
    alice = UserFactory(username="alice", display_name="Alice")
    bob = UserFactory(username="bob", display_name="Bob")
    thread = actions.create_thread(
        category=category, author=alice, title="Long", body="Post 1"
    )
    for number in range(2, 46):
        actions.create_reply(
            thread=thread, author=(alice, bob)[number % 2], body=f"Post {number}"
        )
    return {"category": category, "thread": thread, "alice": alice, "bob": bob}


@pytest.fixture(scope="module")
def built_board(django_db_setup, django_db_blocker):
    """Built once for the module (with the cache on, its bumps committed)."""
    yield from built_once(django_db_blocker, build_board, GUEST_PAGE_CACHE_SECONDS=300)


@pytest.fixture
def board(built_board, db):
    """The test's own copy of the board."""
    return copy_of(built_board)


def served_from_cache(client, url) -> bool:
    """Whether a guest read of `url` ran no query (it stores the page if not)."""
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries) == 0


def last_page_url(thread):
    return f"{thread.get_absolute_url()}?{urlencode({'page': 3})}"


def pages(board):
    thread, alice = board["thread"], board["alice"]
    return [
        "/",
        board["category"].get_absolute_url(),
        board["category"].parent.get_absolute_url(),
        thread.get_absolute_url(),
        last_page_url(thread),
        alice.get_absolute_url(),
    ]


def test_second_guest_read_is_a_hit_without_queries(
    client, board, django_assert_num_queries
):
    """Each guest page, read twice, is served the second time without a query."""
    for url in pages(board):
        first = client.get(url)
        with django_assert_num_queries(GUEST_CACHE_HIT_QUERIES):
            second = client.get(url)
        assert second.status_code == 200
        assert second.content == first.content, url


def test_hit_sets_no_cookie_and_varies_on_cookie(client, board):
    """A cached page sets no cookie, says Vary: Cookie, and must be revalidated."""
    url = board["thread"].get_absolute_url()
    client.get(url)

    response = client.get(url)

    assert not response.cookies
    assert "Set-Cookie" not in response.headers
    assert "Cookie" in response["Vary"]
    assert response["Cache-Control"] == "no-cache"
    assert response["Content-Security-Policy"]
    assert not client.cookies


def test_if_none_match_gets_304_until_the_page_changes(client, board, committed):
    """The ETag answers 304; after a reply the same ETag gets the new page."""
    url = last_page_url(board["thread"])
    etag = client.get(url)["ETag"]

    assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    with committed():
        actions.create_reply(thread=board["thread"], author=board["bob"], body="New!")
    response = client.get(url, headers={"if-none-match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert b"New!" in response.content


def test_if_modified_since_gets_304(client, board):
    """Last-Modified is answered too, for clients without ETags."""
    url = board["thread"].get_absolute_url()
    last_modified = client.get(url)["Last-Modified"]

    response = client.get(url, headers={"if-modified-since": last_modified})

    assert response.status_code == 304


def test_head_is_served_from_the_cache(client, board, django_assert_num_queries):
    """HEAD shares GET's cached page."""
    url = board["thread"].get_absolute_url()
    client.get(url)

    with django_assert_num_queries(0):
        response = client.head(url)

    assert response.status_code == 200


def test_members_are_never_served_a_guests_page(client, board):
    """A signed-in member gets their own menu and forms, never a guest's page
    (their shared pages: tests/pagecache/test_members.py)."""
    url = board["thread"].get_absolute_url()
    client.get(url)
    client.force_login(board["bob"])

    response = client.get(url)

    assert b"Reply to this thread" in response.content
    assert "ETag" not in response


def test_messages_cookie_bypasses_the_cache(client, board):
    """A guest with a pending message (e.g. after signing out) gets a fresh page."""
    url = board["thread"].get_absolute_url()
    client.get(url)
    client.cookies["messages"] = "x"

    assert "ETag" not in client.get(url)


def test_not_found_and_redirects_are_not_cached(client, board):
    """404s and redirects are computed every time."""
    thread = board["thread"]
    assert client.get("/t/999999/x/").status_code == 404
    assert client.get(f"/t/{thread.pk}/").status_code == 301
    assert not served_from_cache(client, "/t/999999/x/")
    assert not served_from_cache(client, f"/t/{thread.pk}/")


def test_reply_shows_at_once_on_every_page_that_shows_it(client, board, committed):
    """A new reply appears at once on the last page, its category and the parent's
    list of subcategories."""
    thread, bob = board["thread"], board["bob"]
    for url in pages(board):
        client.get(url)

    with committed():
        actions.create_reply(thread=thread, author=bob, body="Fresh reply")

    assert b"Fresh reply" in client.get(last_page_url(thread)).content
    reply = Post.objects.get(thread=thread, position=46)
    link = f"/p/{reply.pk}/".encode()
    assert link in client.get(board["category"].get_absolute_url()).content
    assert link in client.get(board["category"].parent.get_absolute_url()).content


def test_reply_shows_at_once_on_the_board_index(client, committed):
    """The index's last post and counters follow a reply at once."""
    author = UserFactory()
    with committed():
        thread = actions.create_thread(
            category=CategoryFactory(), author=author, title="Top", body="x"
        )
    client.get("/")

    with committed():
        reply = actions.create_reply(thread=thread, author=author, body="y")

    page = client.get("/").content
    assert f"/p/{reply.pk}/".encode() in page
    assert b"<dd>2</dd>" in page


def test_reply_updates_page_one_reply_count(client, board, committed):
    """Page 1 shows the reply count in the byline: it changes at once."""
    url = board["thread"].get_absolute_url()
    assert b"44 replies" in client.get(url).content

    with committed():
        actions.create_reply(thread=board["thread"], author=board["bob"], body="x")

    assert b"45 replies" in client.get(url).content


def test_new_thread_shows_at_once_on_its_category_and_index(client, board, committed):
    """A new thread is listed at once."""
    url = board["category"].parent.get_absolute_url()
    client.get(url)
    client.get("/")

    with committed():
        actions.create_thread(
            category=board["category"].parent,
            author=board["bob"],
            title="Brand new",
            body="x",
        )

    assert b"Brand new" in client.get(url).content
    assert b"Brand new" in client.get("/").content


def test_edit_shows_at_once(client, board, committed):
    """An edited post is shown edited at once, on its page and its author's profile."""
    post = Post.objects.get(thread=board["thread"], position=45)
    author = post.author
    client.get(last_page_url(board["thread"]))
    client.get(author.get_absolute_url())

    with committed():
        actions.edit_post(post=post, editor=author, body="Corrected text")

    assert b"Corrected text" in client.get(last_page_url(board["thread"])).content
    assert b"Corrected text" in client.get(author.get_absolute_url()).content


def test_rename_shows_at_once_everywhere(client, board, committed):
    """A renamed thread moves to its new URL and title on its category and profiles."""
    thread, alice = board["thread"], board["alice"]
    old_url = last_page_url(thread)
    urls = [board["category"].get_absolute_url(), board["bob"].get_absolute_url()]
    for url in [old_url, *urls]:
        client.get(url)
    opening = Post.objects.select_related("thread").get(thread=thread, position=1)

    with committed():
        actions.edit_post(post=opening, editor=alice, body="Post 1", title="Renamed")

    assert client.get(old_url)["Location"] == f"/t/{thread.pk}/renamed/?page=3"
    for url in urls:
        assert b"Renamed" in client.get(url).content, url


def test_profile_change_shows_at_once_on_every_page(client, board, committed):
    """A new display name is shown at once wherever the member appears."""
    bob = board["bob"]
    urls = pages(board) + [bob.get_absolute_url()]
    for url in urls:
        client.get(url)

    with committed():
        update_profile(user=bob, display_name="Robert", bio="")

    # Not on the index (no thread in a top-level category) nor on Alice's profile.
    for url in [*urls[1:5], urls[6]]:
        assert b"Robert" in client.get(url).content, url


def test_new_post_updates_the_authors_profile_at_once(client, board, committed):
    """The profile's post count and latest posts follow each post at once."""
    bob = board["bob"]
    other = actions.create_thread(
        category=CategoryFactory(), author=board["alice"], title="Other", body="x"
    )
    url = bob.get_absolute_url()
    assert b"<dd>22</dd>" in client.get(url).content

    with committed():
        actions.create_reply(thread=other, author=bob, body="Elsewhere")

    page = client.get(url).content
    assert b"<dd>23</dd>" in page
    assert b"Elsewhere" in page


def test_post_counts_on_other_thread_pages_may_lag(client, board, committed):
    """Documented lag: a post elsewhere does not refresh other threads' pages.

    The count next to the author's posts is refreshed when the page expires
    (GUEST_PAGE_CACHE_SECONDS) or when that thread changes.
    """
    bob = board["bob"]
    other = actions.create_thread(
        category=CategoryFactory(), author=board["alice"], title="Other", body="x"
    )
    url = last_page_url(board["thread"])
    before = client.get(url).content

    with committed():
        actions.create_reply(thread=other, author=bob, body="Elsewhere")

    assert client.get(url).content == before
    versions.state().clear()  # as when the page expires
    assert client.get(url).content != before


def test_admin_edit_makes_every_page_stale(client, admin_client, board, committed):
    """A category renamed in the admin shows at once, breadcrumbs included."""
    category = board["category"]
    for url in pages(board):
        client.get(url)

    with committed():
        response = admin_client.post(
            f"/admin/forum/category/{category.pk}/change/",
            {
                "name": "Renamed child",
                "slug": category.slug,
                "description": category.description,
                "position": category.position,
                "parent": category.parent_id,
            },
        )
    assert response.status_code == 302

    assert b"Renamed child" in client.get(board["thread"].get_absolute_url()).content
    assert b"Renamed child" in client.get("/").content


def test_rolled_back_write_invalidates_nothing(client, board, committed):
    """A write that rolls back bumps no version: the cached page stays."""
    url = last_page_url(board["thread"])
    client.get(url)
    key = versions.VERSION_PREFIX + f"thread:{board['thread'].pk}"
    version = versions.state().get(key)

    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        actions.create_reply(thread=board["thread"], author=board["bob"], body="Gone")
        raise RuntimeError("roll back")

    assert versions.state().get(key) == version
    assert b"Gone" not in client.get(url).content


def test_page_rendered_across_a_commit_is_not_stored(client, board, monkeypatch):
    """A write committed while a page renders keeps that render out of the cache.

    The render may show the rows from before the write, with versions from after.
    """
    thread = board["thread"]
    url = thread.get_absolute_url()
    real_page_shows = page_cache.page_shows

    def page_shows_then_write(request, **kwargs):
        real_page_shows(request, **kwargs)
        versions.bump(f"thread:{thread.pk}")  # as if a reply committed now

    monkeypatch.setattr("forum.views.reading.page_shows", page_shows_then_write)
    client.get(url)
    monkeypatch.undo()

    assert not served_from_cache(client, url)
    assert served_from_cache(client, url)


def test_evicted_version_means_a_fresh_render(client, board):
    """A version missing from the cache (evicted) never validates a stored page."""
    url = board["thread"].get_absolute_url()
    client.get(url)
    versions.state().delete(versions.VERSION_PREFIX + f"member:{board['bob'].pk}")

    assert not served_from_cache(client, url)
    assert served_from_cache(client, url)


def test_cache_off_means_no_etag(client, board, settings):
    """GUEST_PAGE_CACHE_SECONDS=0 turns the cache (and its ETags) off."""
    settings.GUEST_PAGE_CACHE_SECONDS = 0

    assert "ETag" not in client.get(board["thread"].get_absolute_url())


@pytest.fixture
def moderator():
    return UserFactory(username="moderator", is_staff=True)


@pytest.mark.parametrize(
    "moderate",
    [
        lambda t, m, b: actions.lock_thread(thread=t, actor=m),
        lambda t, m, b: actions.pin_thread(thread=t, actor=m),
        lambda t, m, b: actions.hide_thread(thread=t, actor=m),
        lambda t, m, b: actions.rename_thread(thread=t, actor=m, title="Renamed"),
        lambda t, m, b: actions.hide_post(post=t.posts.get(position=45), actor=m),
        lambda t, m, b: actions.recommend_post(post=t.posts.get(position=2), actor=m),
        lambda t, m, b: actions.delete_post(post=t.posts.get(position=45), actor=m),
        lambda t, m, b: actions.move_thread(
            thread=t, actor=m, category=CategoryFactory(slug="elsewhere")
        ),
        lambda t, m, b: actions.hide_user_posts(member=b["bob"], actor=m),
    ],
    ids=[
        "lock",
        "pin",
        "hide-thread",
        "rename",
        "hide-post",
        "recommend",
        "delete-post",
        "move",
        "hide-user-posts",
    ],
)
def test_moderation_makes_the_thread_pages_stale_at_once(
    client, board, committed, moderator, moderate
):
    """Every moderation action on a thread invalidates its cached guest pages."""
    thread = board["thread"]
    urls = [thread.get_absolute_url(), last_page_url(thread), "/"]
    for url in urls:
        client.get(url)
        assert served_from_cache(client, url)
    with committed():
        moderate(thread, moderator, board)
    for url in urls:
        assert not served_from_cache(client, url), url


def test_a_hit_carries_the_security_headers_of_every_page(client, board):
    """Hits are answered by CachedPagesMiddleware, inside the middleware that
    sets CSP, X-Frame-Options and the like."""
    url = board["thread"].get_absolute_url()
    rendered = client.get(url)
    hit = client.get(url)

    for header in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
    ):
        assert hit[header] == rendered[header]


def test_pages_that_are_never_stored_cost_no_lookup(client, board, monkeypatch):
    """Only views that store pages are looked up (`stored_response`)."""

    def fail(*args, **kwargs):
        raise AssertionError("looked up a page that is never stored")

    monkeypatch.setattr("pagecache.middleware.current_entry", fail)
    assert client.get("/search/").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/no/such/page/").status_code == 404


def test_stored_pages_lose_template_indentation_only():
    """Whitespace starting a line goes, but for the line break; <pre> and
    <textarea> keep theirs, as the browser would show it."""
    page = (
        b"<main>\n    <p>Hello\n      there</p>\n\n\n"
        b"<pre><code>def f():\n    return 1\n</code></pre>\n  "
        b'<textarea name="body">\n  indented\n</textarea>\n</main>'
    )

    assert stored_pages.compact(page) == (
        b"<main>\n<p>Hello\nthere</p>\n"
        b"<pre><code>def f():\n    return 1\n</code></pre>\n"
        b'<textarea name="body">\n  indented\n</textarea>\n</main>'
    )


def test_a_stored_thread_page_keeps_code_blocks(client, board, committed):
    thread = board["thread"]
    code = "```\ndef f():\n    return 1\n```"
    with committed():
        actions.create_reply(thread=thread, author=board["bob"], body=code)
    url = last_page_url(thread)
    rendered = client.get(url).content

    assert b"def f():\n    return 1" in rendered
    assert client.get(url).content == rendered
    assert b"\n    <" not in rendered
