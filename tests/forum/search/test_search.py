"""forum.search on whichever database the suite runs on: the same tests for both."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchQuery
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from forum import actions, search
from forum.models import Post, Thread
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

GUEST = AnonymousUser()


def found(query, user=GUEST, **options):
    """The ids of the posts found, in order, over all pages."""
    return [result.post.pk for result in search_page(query, user, **options).results]


def search_page(query, user=GUEST, **options):
    return search.search_posts(query=query, user=user, **options)


def opening_post(thread):
    return Post.objects.get(thread=thread, position=1)


@pytest.fixture
def board(category, user):
    """A few threads whose words the tests look for."""
    garden = actions.create_thread(
        category=category,
        author=user,
        title="Winter garden ideas",
        body="Plant bulbs before the frost. Coffee grounds help the soil.",
    )
    coffee = actions.create_thread(
        category=category,
        author=user,
        title="Morning routines",
        body="I grind coffee beans every morning; the garden can wait.",
    )
    reply = actions.create_reply(
        thread=coffee,
        author=user,
        body="Strong black coffee and a walk by the river.",
    )
    return {"garden": garden, "coffee": coffee, "reply": reply}


# The parser.


@pytest.mark.parametrize(
    ("text", "terms", "excluded"),
    [
        ("coffee garden", [("coffee",), ("garden",)], []),
        ('"black coffee" river', [("black", "coffee"), ("river",)], []),
        ("coffee -garden", [("coffee",)], [("garden",)]),
        ('coffee -"black coffee"', [("coffee",)], [("black", "coffee")]),
        ('"unbalanced quote', [("unbalanced", "quote")], []),
        ("the coffee AND OR", [("coffee",)], []),
        ("e-mail", [("e", "mail")], []),
        ("NEAR(coffee* ^river:", [("near", "coffee"), ("river",)], []),
        ("Coffee coffee COFFEE", [("coffee",)], []),
    ],
)
def test_parse_query_splits_words_phrases_and_exclusions(text, terms, excluded):
    """Words, quoted phrases and -words become terms; operators are separators."""
    parsed = search.parse_query(text)

    assert [term.tokens for term in parsed.terms] == terms
    assert [term.tokens for term in parsed.excluded] == excluded


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type one or more words"),
        ("   ", "Type one or more words"),
        ("the and of", "only very common words"),
        ("-coffee", "Add a word to search for"),
        ("*** ((( ))) 🙂", "Type letters or digits"),
        ("coffee " * 100, "too long"),
        ("x" * 1000, "too long"),
        (" ".join(f"w{number}" for number in range(40)), "too long"),
    ],
)
def test_parse_query_refuses_what_cannot_be_searched(text, message):
    """Empty, stop-word-only, exclusion-only, symbol-only and long queries say why."""
    with pytest.raises(search.SearchError, match=message):
        search.parse_query(text)


def test_fts5_expression_quotes_every_term():
    """Every term reaches FTS5 as a quoted string: no operator survives."""
    parsed = search.parse_query('NEAR AND OR NOT "a phrase" -minus x*y ^col:z')

    expression = search.fts5_expression(parsed)

    assert expression == ('(("near" AND "a phrase" AND "x y" AND "col z") NOT "minus")')
    assert search.fts5_expression(
        search.parse_query("a b", match="any"), titles_only=True
    ) == ('{title} : ("b")')


# Highlighting.


def test_marked_to_html_escapes_everything_but_its_own_marks():
    """User text is escaped; only the markers become <mark>, stray ones vanish."""
    start, stop = search.MARK_START, search.MARK_STOP
    text = f"<script>alert(1)</script> {start}coffee{stop} & {stop}tea{start}"

    html = search.marked_to_html(text)

    assert html == (
        "&lt;script&gt;alert(1)&lt;/script&gt; <mark>coffee</mark> &amp; tea"
    )


def test_marked_to_html_decodes_stored_html_before_escaping():
    """Text from stored HTML is decoded once, then escaped once: no double escape."""
    assert search.marked_to_html("a &lt;b&gt; &amp; c", is_html=True) == (
        "a &lt;b&gt; &amp; c"
    )


# Finding and ranking.


def test_finds_posts_by_body_and_title(board):
    """A word in a body or a title finds the post; unknown words find nothing."""
    assert set(found("river")) == {board["reply"].pk}
    assert set(found("routines")) == {opening_post(board["coffee"]).pk}
    assert found("zeppelin") == []


def test_stemming_matches_word_forms(board):
    """English stemming: "planting" finds "Plant"."""
    assert found("planting") == [opening_post(board["garden"]).pk]


def test_title_matches_rank_above_body_matches(category, user):
    """A word in a thread title ranks the opening post above a body mention."""
    body_only = actions.create_thread(
        category=category,
        author=user,
        title="Something else",
        body="The harbour was busy, the harbour was loud.",
    )
    in_title = actions.create_thread(
        category=category, author=user, title="Harbour walks", body="Nice place."
    )

    assert found("harbour") == [opening_post(in_title).pk, opening_post(body_only).pk]


def test_all_of_the_words_or_any_of_them(board):
    """ "all" needs every word in one post; "any" takes posts with one of them."""
    garden_post = opening_post(board["garden"]).pk
    coffee_post = opening_post(board["coffee"]).pk

    assert set(found("coffee river")) == {board["reply"].pk}
    assert set(found("frost river", match="any")) == {garden_post, board["reply"].pk}
    assert set(found("coffee garden")) == {garden_post, coffee_post}
    assert found("frost river") == []


def test_quoted_phrases_keep_word_order(board):
    """A quoted phrase matches those words side by side, in that order."""
    assert found('"black coffee"') == [board["reply"].pk]
    assert found('"coffee black"') == []


def test_minus_leaves_posts_out(board):
    """-word drops posts holding the word, with "all" and with "any"."""
    garden_post = opening_post(board["garden"]).pk
    coffee_post = opening_post(board["coffee"]).pk

    assert set(found("coffee -river")) == {garden_post, coffee_post}
    assert set(found("coffee -garden")) == {board["reply"].pk}
    assert set(found("frost river -walk", match="any")) == {garden_post}
    assert set(found('coffee -"black coffee"')) == {garden_post, coffee_post}


def test_titles_only_searches_thread_titles(board):
    """ "Titles only" finds the opening post of threads whose title matches."""
    assert found("coffee", titles_only=True) == []
    assert found("winter", titles_only=True) == [opening_post(board["garden"]).pk]


def test_filters_by_author_category_and_date(board, category, user):
    """Author, category (with its subcategories) and inclusive dates narrow results."""
    other = UserFactory()
    child = CategoryFactory(parent=category)
    elsewhere = CategoryFactory()
    in_child = actions.create_thread(
        category=child, author=other, title="Coffee corner", body="Espresso."
    )
    far = actions.create_thread(
        category=elsewhere, author=other, title="Coffee abroad", body="Far."
    )
    old = opening_post(board["garden"])
    Post.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    today = timezone.localdate()

    assert set(found("coffee", author=other)) == {
        opening_post(in_child).pk,
        opening_post(far).pk,
    }
    assert opening_post(far).pk not in found("coffee", category=category)
    assert opening_post(in_child).pk in found("coffee", category=category)
    assert found("coffee", category=elsewhere) == [opening_post(far).pk]
    assert old.pk not in found("coffee", date_from=today)
    assert found("coffee", date_to=today - timedelta(days=1)) == [old.pk]
    assert found("coffee", date_from=today, date_to=today - timedelta(days=1)) == []


def test_order_by_date_puts_newest_first(board):
    """Sorting by date lists the newest post first."""
    newest_first = [
        board["reply"].pk,
        opening_post(board["coffee"]).pk,
        opening_post(board["garden"]).pk,
    ]

    assert found("coffee", order="date") == newest_first


def test_results_carry_excerpt_title_author_date_and_permalink(board, user):
    """Each result: highlighted excerpt and title, author, date, permalink."""
    (result,) = search_page("river").results

    assert "<mark>river</mark>" in result.excerpt_html
    assert result.title_html == "Morning routines"
    assert result.author == user
    assert result.created_at == board["reply"].created_at
    assert result.url == f"/p/{board['reply'].pk}/"
    (opening,) = search_page("routines").results
    assert opening.title_html == "Morning <mark>routines</mark>"


def test_excerpts_are_plain_text_escaped(category, user):
    """Markdown and HTML in a body show as text in the excerpt, never as markup."""
    actions.create_thread(
        category=category,
        author=user,
        title="Escaping",
        body="**Bold** zebra <script>alert('x')</script> & `<b>code</b>`",
    )

    (result,) = search_page("zebra").results

    assert "<script>" not in result.excerpt_html
    assert "<b>" not in result.excerpt_html
    assert "**" not in result.excerpt_html
    assert "&lt;script&gt;" in result.excerpt_html
    assert "<mark>zebra</mark>" in result.excerpt_html


def test_pages_of_twenty_with_total_and_next(category, user):
    """Results come 20 a page with the total and whether a next page exists."""
    thread = actions.create_thread(
        category=category, author=user, title="Counting", body="walrus 1"
    )
    for number in range(2, 26):
        actions.create_reply(thread=thread, author=user, body=f"walrus {number}")

    first = search_page("walrus", order="date")
    second = search_page("walrus", order="date", page=2)

    assert (first.total, first.has_next, len(first.results)) == (25, True, 20)
    assert (second.total, second.has_next, len(second.results)) == (25, False, 5)
    assert first.last_page == 2
    assert not set(r.post.pk for r in first.results) & {
        r.post.pk for r in second.results
    }


# Visibility.


def test_hidden_posts_and_threads_only_for_staff(board, staff):
    """Hidden posts and posts of hidden threads are found by staff only."""
    Post.objects.filter(pk=board["reply"].pk).update(is_hidden=True)
    Thread.objects.filter(pk=board["garden"].pk).update(is_hidden=True)
    member = UserFactory()

    for viewer in (GUEST, member):
        assert found("coffee", viewer) == [opening_post(board["coffee"]).pk]
        assert found("river", viewer) == []
        assert found("winter", viewer, titles_only=True) == []
    assert set(found("coffee", staff)) == {
        board["reply"].pk,
        opening_post(board["coffee"]).pk,
        opening_post(board["garden"]).pk,
    }


# Keeping the index right.


def test_edit_reindexes_the_post(board, user):
    """An edited post is found by its new words, not its old ones."""
    actions.edit_post(post=board["reply"], editor=user, body="Tea by the lighthouse.")

    assert found("lighthouse") == [board["reply"].pk]
    assert found("river") == []


def test_rename_reindexes_the_title(board, user):
    """A renamed thread is found by its new title only."""
    post = opening_post(board["garden"])
    actions.edit_post(post=post, editor=user, body=post.body_source, title="Orchards")

    assert found("orchards", titles_only=True) == [post.pk]
    assert found("winter", titles_only=True) == []


def test_unindex_posts_drops_them(board):
    """unindex_posts, called before a delete, leaves no trace in the results."""
    search.unindex_posts([board["reply"].pk])
    Post.objects.filter(pk=board["reply"].pk).delete()

    assert found("river") == []


def test_rebuild_command_indexes_bulk_written_posts(category, user):
    """Posts written around the actions are found after rebuild_search_index."""
    thread = actions.create_thread(
        category=category, author=user, title="Bulk", body="First."
    )
    bulk = Post.objects.create(
        thread=thread,
        author=user,
        position=2,
        body_source="Narwhal",
        body_html="<p>Narwhal</p>",
        created_at=timezone.now(),
    )
    assert found("narwhal") == []

    call_command("rebuild_search_index", batch_size=1, stdout=open("/dev/null", "w"))

    assert found("narwhal") == [bulk.pk]
    assert found("first") == [opening_post(thread).pk]


def test_seed_demo_large_mode_leaves_a_complete_index(db):
    """The bulk-generated data set is searchable right away."""
    call_command(
        "seed_demo",
        posts=30,
        threads=5,
        hot=10,
        users=3,
        stdout=open("/dev/null", "w"),
    )
    word = "coffee"

    page = search_page(word, order="date")

    matching = [
        post.pk for post in Post.objects.all() if word in post.body_source.lower()
    ]
    assert page.total == len(matching) > 0


# Bad input reaches no database error.


BAD_QUERIES = [
    '"',
    '""',
    '"coffee',
    'coffee"',
    "*",
    "coffee*",
    "-",
    "--coffee",
    "- coffee",
    "NEAR",
    "NEAR(coffee river)",
    "coffee OR river",
    "coffee AND",
    "NOT coffee",
    "(coffee",
    "coffee)",
    "()",
    "title:coffee",
    "{title}: coffee",
    "^coffee",
    "coffee + river",
    "'; DROP TABLE forum_post; --",
    "1' OR '1'='1",
    "coffee\\",
    "\\'",
    "🙂 coffee ☕",
    "кофе 咖啡 coffee قهوة",
    "Ｃｏｆｆｅｅ",
    "x" * 500,
    "coffee " * 30,
    "&lt;script&gt;",
    "<mark>coffee</mark>",
    "\ue000coffee\ue001",
    "coffee\tgarden\nriver",
    "%_%",
    "!!coffee & river | garden <-> frost",
]


@pytest.mark.parametrize("query", BAD_QUERIES)
@pytest.mark.parametrize("match", ["all", "any"])
@pytest.mark.parametrize("titles_only", [False, True])
def test_odd_queries_answer_or_explain(board, query, match, titles_only):
    """Operators and odd characters give results or a SearchError, never a crash."""
    try:
        page = search_page(query, match=match, titles_only=titles_only)
    except search.SearchError:
        return
    for result in page.results:
        for html in (result.excerpt_html, result.title_html):
            assert "<" not in re.sub("</?mark>", "", html)
            assert search.MARK_START not in html


def test_forum_post_survives_sql_fragments(board):
    """An SQL fragment is just words to look for."""
    search_page("'; DROP TABLE forum_post; --")

    assert Post.objects.count() == 3


def test_database_refusal_means_no_results(board, monkeypatch):
    """Should the database refuse the query, the answer is "no results"."""
    monkeypatch.setattr(
        search.sqlite,
        "fts5_expression",
        lambda parsed, titles_only=False: '"unbalanced',
    )
    if connection.vendor == "postgresql":
        monkeypatch.setattr(
            search.PostgresBackend,
            "tsquery",
            staticmethod(
                lambda parsed, titles_only=False: SearchQuery(
                    "a & (", search_type="raw"
                )
            ),
        )

    page = search_page("coffee")

    assert (page.results, page.total) == ([], 0)


@pytest.mark.postgresql
@pytest.mark.parametrize(
    ("titles_only", "index"),
    [(False, "post_search_vector"), (True, "thread_title_search")],
)
def test_postgresql_searches_use_the_gin_indexes(board, titles_only, index):
    """The search condition matches the GIN indexes' expressions exactly."""
    parsed = search.parse_query("coffee garden")
    matching = search.PostgresBackend.matching(
        Post.objects.all(), parsed, titles_only=titles_only
    )
    sql, params = matching.values("pk").query.sql_with_params()

    with connection.cursor() as cursor:
        # With so few rows the planner may walk a primary key index instead, as
        # a full scan; leave it only the bitmap scans a GIN index offers.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert index in plan
