"""The search page, /search/: options, messages, pagination, limits, safety."""

import re
from urllib.parse import urlencode

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from forum import actions
from forum.models import Post, Thread
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

SEARCH_URL = "/search/"
# The form's category list, the page's ids (ranked, counted), the page's rows
# with their excerpts; SQLite reads the excerpts from its FTS5 table apart.
SEARCH_PAGE_QUERIES = {"postgresql": 3, "sqlite": 4}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def get(client, **params):
    return client.get(SEARCH_URL, params)


def result_links(response):
    return re.findall(r'<h3><a href="(/p/\d+/)">', response.content.decode())


@pytest.fixture
def coffee_thread(category, user):
    thread = actions.create_thread(
        category=category,
        author=user,
        title="Coffee at the harbour",
        body="Where to find good coffee near the harbour?",
    )
    actions.create_reply(thread=thread, author=user, body="The kiosk by the river.")
    return thread


def test_search_url_name_and_header_form():
    """The page is forum:search; the header's form points at it."""
    assert reverse("forum:search") == SEARCH_URL


def test_header_form_points_to_the_search_page(client, category):
    """Every page's header form sends q, match and in to /search/ by GET."""
    page = client.get("/").content.decode()

    assert 'action="/search/"' in page
    assert 'method="get"' in page


def test_empty_page_shows_the_form_with_every_option(client, category):
    """Without a query: the form, all options visible, no message, no results."""
    response = get(client)
    page = response.content.decode()

    assert response.status_code == 200
    for name in ("q", "match", "in", "author", "category", "date_from", "date_to"):
        assert f'name="{name}"' in page
    assert 'name="order"' in page
    assert "All of my words" in page and "Any of my words" in page
    assert "Content titles only" in page
    assert category.name in page
    assert "<details" not in page.split("<main")[1]
    assert "csrfmiddlewaretoken" not in page


def test_results_show_highlight_title_author_date_and_permalink(
    client, coffee_thread, user
):
    """A result: highlighted excerpt, thread title, author, date, post permalink."""
    reply = Post.objects.get(thread=coffee_thread, position=2)

    response = get(client, q="river")
    page = response.content.decode()

    assert response.status_code == 200
    assert result_links(response) == [reply.get_absolute_url()]
    assert "<mark>river</mark>" in page
    assert "Coffee at the harbour" in page
    assert user.name in page
    assert f'datetime="{reply.created_at.strftime("%Y-%m-%dT%H:%M:%S%z")}"' in page
    assert "1 result" in page


def test_options_from_the_header_are_honoured(client, coffee_thread):
    """match=any and in=titles work as the header's radio buttons send them."""
    opening = Post.objects.get(thread=coffee_thread, position=1)

    assert result_links(get(client, q="kiosk harbour", match="any"))
    assert result_links(get(client, q="kiosk harbour")) == []
    assert result_links(get(client, q="kiosk", **{"in": "titles"})) == []
    assert result_links(get(client, q="harbour", **{"in": "titles"})) == [
        opening.get_absolute_url()
    ]


def test_filters_author_category_dates_and_sort(client, coffee_thread, user):
    """Author, category, dates and sort order come from the page's form."""
    other = UserFactory(username="brewer")
    elsewhere = CategoryFactory(slug="elsewhere")
    far = actions.create_thread(
        category=elsewhere, author=other, title="Coffee far away", body="Far."
    )
    far_post = Post.objects.get(thread=far, position=1).get_absolute_url()

    assert result_links(get(client, q="coffee", author="BREWER")) == [far_post]
    assert result_links(get(client, q="coffee", category="elsewhere")) == [far_post]
    assert result_links(get(client, q="coffee", order="date"))[0] == far_post
    assert result_links(get(client, q="coffee", date_from="2000-01-01"))
    assert result_links(get(client, q="coffee", date_to="2000-01-01")) == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": ""}, "Type one or more words"),
        ({"q": "the and of"}, "only very common words"),
        ({"q": "x" * 1000}, "too long"),
        ({"q": "zeppelin"}, "No results"),
        ({"q": "-coffee"}, "Add a word to search for"),
        ({"q": "🙂"}, "Type letters or digits"),
        ({"q": "coffee", "author": "nobody-here"}, "No member is called"),
        ({"q": "coffee", "category": "no-such"}, "Select a valid choice"),
        ({"q": "coffee", "date_from": "2024-13-45"}, "Enter a valid date"),
        ({"q": "coffee", "date_from": "0001-01-01"}, "Enter a date between"),
        ({"q": "coffee", "date_to": "9999-12-31"}, "Enter a date between"),
        (
            {"q": "coffee", "date_from": "2024-02-01", "date_to": "2024-01-01"},
            "end date comes before",
        ),
        ({"q": "coffee", "match": "most"}, "Select a valid choice"),
        ({"q": "coffee", "order": "random"}, "Select a valid choice"),
        ({"page": "2"}, "Type one or more words"),
    ],
)
def test_unsearchable_input_gets_a_clear_message(
    client, coffee_thread, params, message
):
    """Each kind of bad input is answered with a message on a 200 page."""
    response = get(client, **params)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert result_links(response) == []


BAD_QUERIES = [
    '"',
    '"coffee',
    "*",
    "-",
    "NEAR",
    "NEAR(coffee river)",
    "coffee OR river",
    "AND",
    "(coffee",
    "coffee)",
    "'; DROP TABLE forum_post; --",
    "coffee' OR '1'='1",
    "🙂 coffee",
    "кофе 咖啡 coffee",
    "col:coffee ^river",
    "<script>alert(1)</script> coffee",
    "a" * 1000,
]


@pytest.mark.parametrize("query", BAD_QUERIES)
@pytest.mark.parametrize("match", ["all", "any"])
@pytest.mark.parametrize("where", ["all", "titles"])
def test_odd_queries_never_fail(client, coffee_thread, query, match, where):
    """Operators, SQL, emoji and mixed scripts: a page, never a server error."""
    response = get(client, q=query, match=match, **{"in": where})

    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()


def test_sql_fragment_leaves_the_posts_alone(client, coffee_thread):
    """The classic injection is just words: the table and its rows stay."""
    get(client, q="'; DROP TABLE forum_post; --")

    assert Post.objects.count() == 2


def test_nul_byte_is_a_bad_request(client, coffee_thread):
    """A NUL in the query string is refused (400) before the search runs."""
    assert get(client, q="coffee\x00").status_code == 400


@pytest.mark.parametrize("page", ["abc", "0", "-1", "²", "99999999"])
def test_bad_page_numbers_are_not_found(client, coffee_thread, page):
    """A page that cannot exist is a 404, like every paginated page."""
    assert get(client, q="coffee", page=page).status_code == 404


def test_page_past_the_last_is_not_found(client, coffee_thread):
    """A real number past the last page of results is a 404."""
    assert get(client, q="coffee", page="5").status_code == 404


def test_pages_of_twenty_keep_the_options(client, category, user):
    """Results come 20 a page; page links keep every search option."""
    thread = actions.create_thread(
        category=category, author=user, title="Counting walrus", body="walrus 1"
    )
    for number in range(2, 26):
        actions.create_reply(thread=thread, author=user, body=f"walrus {number}")

    first = get(client, q="walrus", match="any", order="date")
    second = get(client, q="walrus", match="any", order="date", page="2")

    assert len(result_links(first)) == 20
    assert len(result_links(second)) == 5
    next_link = "/search/?" + urlencode(
        {"q": "walrus", "match": "any", "order": "date", "page": 2}
    )
    assert next_link.replace("&", "&amp;") in first.content.decode()
    assert "25 results" in first.content.decode()


def test_hidden_content_only_for_staff(client, coffee_thread, staff):
    """Guests and members never see hidden posts or threads; staff do."""
    hidden = actions.create_thread(
        category=coffee_thread.category,
        author=coffee_thread.author,
        title="Secret coffee",
        body="Hidden words.",
    )
    Thread.objects.filter(pk=hidden.pk).update(is_hidden=True)
    Post.objects.filter(thread=coffee_thread, position=2).update(is_hidden=True)

    guest_page = get(client, q="coffee secret", match="any").content.decode()
    guest_river = get(client, q="river")
    client.force_login(UserFactory())
    member_page = get(client, q="secret").content.decode()
    client.force_login(staff)
    staff_page = get(client, q="secret river", match="any").content.decode()

    assert "Secret" not in guest_page
    assert result_links(guest_river) == []
    assert "Secret" not in member_page
    assert "<mark>Secret</mark> coffee" in staff_page
    assert "<mark>river</mark>" in staff_page
    assert "Hidden</span>" in staff_page


def test_excerpts_escape_user_text(client, category, user):
    """Markup in a post shows as text in the excerpt; only <mark> is added."""
    actions.create_thread(
        category=category,
        author=user,
        title="<img src=x onerror=alert(1)> title",
        body="`<script>alert('zebra')</script>` zebra & <b>bold</b>",
    )

    page = get(client, q="zebra").content.decode()

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;/script&gt;" in page
    assert "<mark>zebra</mark>" in page


@pytest.mark.parametrize("result_total", [3, 30])
def test_query_count_does_not_grow_with_results(
    client, category, django_assert_num_queries, result_total
):
    """The results page runs the same queries for 3 results as for 30."""
    authors = [UserFactory() for _ in range(3)]
    for number in range(result_total):
        actions.create_thread(
            category=CategoryFactory() if number % 2 else category,
            author=authors[number % 3],
            title=f"Lantern {number}",
            body="A lantern in the window.",
        )

    with django_assert_num_queries(SEARCH_PAGE_QUERIES[connection.vendor]):
        response = get(client, q="lantern")

    assert len(result_links(response)) == min(result_total, 20)


def test_guests_get_no_cookies_on_the_search_page(client, coffee_thread):
    """Searching as a guest sets no cookie and makes no session."""
    sessions = Session.objects.count()

    responses = [
        get(client),
        get(client, q="coffee"),
        get(client, q="the"),
        get(client, q="zeppelin"),
    ]

    for response in responses:
        assert response.status_code == 200
        assert not response.cookies
        assert "Set-Cookie" not in response.headers
    assert Session.objects.count() == sessions


def test_guest_searches_are_rate_limited_per_address(client, coffee_thread, settings):
    """Past SEARCH_RATE_LIMIT a guest address gets 429 with a message."""
    settings.SEARCH_RATE_LIMIT = "3/60"

    statuses = [get(client, q="coffee").status_code for _ in range(4)]
    other_address = client.get(SEARCH_URL, {"q": "coffee"}, REMOTE_ADDR="10.0.0.9")
    refused = get(client, q="coffee")

    assert statuses == [200, 200, 200, 429]
    assert other_address.status_code == 200
    assert "searching too quickly" in refused.content.decode()
    assert not refused.cookies


def test_members_have_their_own_more_generous_limit(
    client, coffee_thread, user, settings
):
    """Signed-in members are counted per account against MEMBER_SEARCH_RATE_LIMIT,
    not against the guest limit."""
    settings.SEARCH_RATE_LIMIT = "1/60"
    settings.MEMBER_SEARCH_RATE_LIMIT = "3/60"
    client.force_login(user)

    statuses = [get(client, q="coffee").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert "searching too quickly" in get(client, q="coffee").content.decode()
    client.force_login(UserFactory())
    assert get(client, q="coffee").status_code == 200  # another member


def test_search_page_refuses_post(client):
    """The page is GET only."""
    assert client.post(SEARCH_URL, {"q": "coffee"}).status_code == 405
