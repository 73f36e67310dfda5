"""Full-text search of posts: one interface, two backends chosen by the database.

PostgreSQL: `Post.search_vector`, a stored tsvector (the thread title weighted A on
the opening post, the body weighted B on every post) with a GIN index; a GIN
expression index on the thread title serves "titles only"; ranking with
ts_rank_cd, excerpts with ts_headline on the page's rows only.

SQLite: an FTS5 table `forum_post_fts(title, body)` whose rowid is the post id
(title filled on opening posts only, body as plain text); bm25 ranking with the
title weighted 10:1, excerpts with snippet().

Both take their query from one parser (`parse_query`): words, "quoted phrases",
-exclusions, "all" or "any" of the words. The parsed terms are turned into each
backend's syntax by this module alone, every term quoted or passed as a parameter,
so no FTS5 or tsquery operator typed by a person ever reaches the database.

Why the title sits on the opening post only: a title word would otherwise match
every reply of the thread (5,000 rows for a hot thread), flood the results with
one thread and make a rename rewrite every row. The opening post stands for the
thread; replies match on their own words.

Visibility is decided at query time through `Post.objects.visible_to(user)`, so
hidden content never shows even when an index update was missed. The index is
kept in step by the actions, in their transaction: `index_posts` after a post is
written or edited, `index_thread` after a rename (or a move or merge that changes
which post opens a thread), `unindex_posts` before posts are deleted.

Relevance is computed among the newest `MAX_RESULTS` matches: ranking every match
of two common words in 100,000 posts would cost far more than the 50 ms budget,
and in a forum the newest matches are the likeliest wanted.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import DatabaseError, connection
from django.db.models import F, Func, Q, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from .models import Post

MAX_QUERY_LENGTH = 500
MAX_TERMS = 32
RESULTS_PER_PAGE = 20
# Matches considered (and counted) per search: relevance is ranked among the
# newest this many, and the count shows "1,000+" beyond it.
MAX_RESULTS = 1000

# Private-use characters mark highlights inside the database's output; the text
# is escaped first, then they become <mark> tags. Stripped from indexed text.
MARK_START, MARK_STOP = "\ue000", "\ue001"
MARKS = MARK_START + MARK_STOP
_NO_MARKS = dict.fromkeys(map(ord, MARKS))
_MARKED = re.compile(f"{MARK_START}([^{MARKS}]*){MARK_STOP}")
_TAG = re.compile(r"<[^>]*>")
# Letters and digits; "_" and punctuation split words, as both backends do.
_WORD = re.compile(r"[^\W_]+")
# A "quoted phrase" (closing quote optional), or a run of non-space characters.
_CHUNK = re.compile(r'(-?)"([^"]*)"?|(\S+)')

# PostgreSQL's English stop words (tsearch_data/english.stop), dropped by the
# parser on both backends so that they behave alike.
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he
    him his himself she her hers herself it its itself they them their theirs
    themselves what which who whom this that these those am is are was were be been
    being have has had having do does did doing a an the and but if or because as
    until while of at by for with about against between into through during before
    after above below to from up down in out on off over under again further then
    once here there when where why how all any both each few more most other some
    such no nor not only own same so than too very s t can will just don should
    now""".split()
)

MATCH_ALL, MATCH_ANY = "all", "any"
ORDER_RELEVANCE, ORDER_DATE = "relevance", "date"


class SearchError(ValueError):
    """A query that cannot be searched; the message is meant for the page."""


@dataclass(frozen=True)
class Term:
    """A word, or a phrase of several words in this order."""

    tokens: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


@dataclass(frozen=True)
class ParsedQuery:
    """Terms to find (all or any of them) and terms whose posts are left out."""

    terms: tuple[Term, ...]
    excluded: tuple[Term, ...] = ()
    match: str = MATCH_ALL


@dataclass
class SearchResult:
    post: Post
    title_html: SafeString
    excerpt_html: SafeString

    @property
    def thread(self):
        return self.post.thread

    @property
    def author(self):
        return self.post.author

    @property
    def created_at(self):
        return self.post.created_at

    @property
    def url(self) -> str:
        return self.post.get_absolute_url()


@dataclass
class SearchPage:
    results: list[SearchResult]
    page: int
    total: int
    has_next: bool
    per_page: int = RESULTS_PER_PAGE
    is_capped: bool = field(init=False)

    def __post_init__(self):
        self.is_capped = self.total >= MAX_RESULTS

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.per_page))


# The parser, shared by both backends.


def parse_query(text: str, *, match: str = MATCH_ALL) -> ParsedQuery:
    """Split a search into terms: words, "phrases" and -exclusions.

    Everything but letters and digits is dropped, so operators of either
    backend's syntax are plain separators here. Raises SearchError, with a
    message for the page, for an empty or too long query, or one that holds
    nothing searchable (stop words, symbols, or only exclusions).
    """
    text = (text or "").strip()
    if not text:
        raise SearchError("Type one or more words to search for.")
    if len(text) > MAX_QUERY_LENGTH:
        raise SearchError(
            f"Your search is too long: use at most {MAX_QUERY_LENGTH} characters."
        )
    terms, excluded, had_words = [], [], False
    for minus, phrase, chunk in _CHUNK.findall(text):
        if phrase or not chunk:  # a quoted phrase, maybe empty
            exclude, body = bool(minus), phrase
        else:
            exclude, body = chunk.startswith("-"), chunk.lstrip("-")
        tokens = tuple(token.lower() for token in _WORD.findall(body))
        if not tokens:
            continue
        had_words = True
        if all(token in STOP_WORDS for token in tokens):
            continue
        term = Term(tokens)
        target = excluded if exclude else terms
        if term not in target:
            target.append(term)
    if len(terms) + len(excluded) > MAX_TERMS:
        raise SearchError(f"Your search is too long: use at most {MAX_TERMS} words.")
    if not terms:
        if excluded:
            raise SearchError(
                "Add a word to search for: words with a minus only leave posts out."
            )
        if had_words:
            raise SearchError(
                "Your search holds only very common words (such as “the” or "
                "“and”), which are not indexed. Add a more specific word."
            )
        raise SearchError("Type letters or digits to search for.")
    if match not in (MATCH_ALL, MATCH_ANY):
        match = MATCH_ALL
    return ParsedQuery(tuple(terms), tuple(excluded), match)


# Highlighting: escape first, then turn the private markers into <mark>.


def marked_to_html(text: str, *, is_html: bool = False) -> SafeString:
    """Escape a text carrying highlight markers; markers become <mark> tags.

    `is_html` says the text came from stored HTML (tags already removed), so
    its entities are decoded first and escaped once again. Only this module's
    own <mark> tags are left unescaped; a stray marker is dropped.
    """
    if is_html:
        text = html.unescape(text)
    escaped = html.escape(text, quote=False)
    marked = _MARKED.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(marked.translate(_NO_MARKS))  # noqa: S308


def plain_text(body_html: str) -> str:
    """The readable text of stored (clean) post HTML, without highlight markers."""
    text = html.unescape(_TAG.sub(" ", body_html))
    return " ".join(text.translate(_NO_MARKS).split())


# The interface.


def search_posts(
    *,
    query: str,
    user,
    match: str = MATCH_ALL,
    titles_only: bool = False,
    author=None,
    category=None,
    date_from: date | None = None,
    date_to: date | None = None,
    order: str = ORDER_RELEVANCE,
    page: int = 1,
    per_page: int = RESULTS_PER_PAGE,
) -> SearchPage:
    """One page of the posts matching `query` that `user` may see, best first.

    `author` is a user, `category` a category (its subcategories included),
    `date_from`/`date_to` days, both inclusive. `order` is "relevance" or
    "date" (newest first). Runs two queries (three on SQLite): the page's ids,
    ranked and counted, then the page's rows with their excerpts. Raises
    SearchError for a query that cannot be searched; a query the database
    refuses is answered as "no results".
    """
    parsed = parse_query(query, match=match)
    backend = _backend()
    posts = Post.objects.visible_to(user)
    if author is not None:
        posts = posts.filter(author=author)
    if category is not None:
        posts = posts.filter(
            Q(thread__category=category) | Q(thread__category__parent=category)
        )
    if date_from is not None:
        posts = posts.filter(created_at__gte=_start_of(date_from))
    if date_to is not None:
        posts = posts.filter(created_at__lt=_start_of(date_to + timedelta(days=1)))
    if titles_only:
        posts = posts.filter(position=1)
    offset = (page - 1) * per_page
    try:
        rows = backend.page_rows(
            posts,
            parsed,
            titles_only=titles_only,
            order=order,
            offset=offset,
            limit=per_page + 1,
        )
        ids = [pk for pk, _ in rows[:per_page]]
        details = (
            Post.objects.visible_to(user)
            .filter(pk__in=ids)
            .select_related("thread__category", "author")
        )
        found = (
            {post.pk: post for post in backend.with_excerpts(details, ids, parsed)}
            if ids
            else {}
        )
    except DatabaseError:
        # An FTS5 syntax error cannot come from the quoted terms, but should the
        # database refuse a query anyway, the person sees "no results", not a 500.
        return SearchPage(results=[], page=page, total=0, has_next=False)
    results = [
        SearchResult(
            post=found[pk],
            title_html=(
                marked_to_html(found[pk].title_marked)
                if found[pk].position == 1
                else marked_to_html(found[pk].thread.title)
            ),
            excerpt_html=marked_to_html(
                found[pk].excerpt, is_html=backend.excerpt_is_html
            ),
        )
        for pk in ids
        if pk in found
    ]
    total = rows[0][1] if rows else 0
    return SearchPage(
        results=results, page=page, total=total, has_next=len(rows) > per_page
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _backend():
    if connection.vendor == "postgresql":
        return PostgresBackend
    return SqliteBackend


# PostgreSQL.

# The opening post carries its thread title, weighted A; every body is weighted B.
# body_html is indexed as is: the parser skips tags (and so link targets).
_PG_VECTOR_SQL = """
    UPDATE forum_post AS p SET search_vector =
        setweight(to_tsvector('english',
            CASE WHEN p.position = 1 THEN t.title ELSE '' END), 'A')
        || setweight(to_tsvector('english', p.body_html), 'B')
    FROM forum_thread AS t
    WHERE t.id = p.thread_id AND {where}
"""


_PG_PAGE = """
    SELECT candidate.result_id, count(*) OVER ()
    FROM ({candidates}) AS candidate
    ORDER BY candidate.result_key DESC, candidate.result_id DESC
    LIMIT %s OFFSET %s
"""


class PostgresBackend:
    excerpt_is_html = True

    @staticmethod
    def tsquery(parsed: ParsedQuery, *, titles_only: bool = False):
        def term(term: Term):
            search_type = "phrase" if len(term.tokens) > 1 else "plain"
            return SearchQuery(term.text, config="english", search_type=search_type)

        join = (
            (lambda a, b: a & b) if parsed.match == MATCH_ALL else (lambda a, b: a | b)
        )
        query = reduce(join, map(term, parsed.terms))
        for excluded in parsed.excluded:
            query &= ~term(excluded)
        return query

    @classmethod
    def matching(cls, posts, parsed, *, titles_only):
        query = cls.tsquery(parsed)
        if titles_only:
            # Served by the expression index thread_title_search.
            return posts.annotate(
                title_vector=SearchVector("thread__title", config="english")
            ).filter(title_vector=query)
        return posts.filter(search_vector=query)

    @classmethod
    def page_rows(cls, posts, parsed, *, titles_only, order, offset, limit):
        """(id, total) of one page, total counting the newest MAX_RESULTS.

        One query: the newest MAX_RESULTS matches, each with its rank (computed
        for those rows only), then ordered and counted around them.
        """
        matching = cls.matching(posts, parsed, titles_only=titles_only)
        if order == ORDER_DATE:
            key = F("created_at")
        else:
            # Normalization 1 divides by 1 + log(length): a long body repeating
            # a word does not bury a short title match.
            key = SearchRank(
                F("search_vector"),
                cls.tsquery(parsed),
                cover_density=True,
                normalization=Value(1),
            )
        candidates = (
            matching.order_by("-pk")
            .annotate(result_id=F("pk"), result_key=key)
            .values("result_id", "result_key")[:MAX_RESULTS]
        )
        # Django's own SQL and parameters, wrapped to order the candidates.
        candidates_sql, params = candidates.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                _PG_PAGE.format(candidates=candidates_sql), [*params, limit, offset]
            )
            return cursor.fetchall()

    @classmethod
    def with_excerpts(cls, posts, ids, parsed):
        """The page's posts, each with `excerpt` and `title_marked` (marked text)."""
        query = cls.tsquery(parsed)
        text = Func(
            Func(
                F("body_html"),
                Value("<[^>]*>"),
                Value(" "),
                Value("g"),
                function="regexp_replace",
            ),
            Value(MARKS),
            Value(""),
            function="translate",
        )
        title = Func(F("thread__title"), Value(MARKS), Value(""), function="translate")
        options = {"config": "english", "start_sel": MARK_START, "stop_sel": MARK_STOP}
        return posts.annotate(
            excerpt=SearchHeadline(
                text,
                query,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
                **options,
            ),
            title_marked=SearchHeadline(title, query, highlight_all=True, **options),
        )

    @staticmethod
    def index_posts(post_ids):
        with connection.cursor() as cursor:
            cursor.execute(
                _PG_VECTOR_SQL.format(where="p.id = ANY(%s)"), [list(post_ids)]
            )

    @staticmethod
    def unindex_posts(post_ids):
        """Nothing to do: the vector is a column of the post row."""

    @staticmethod
    def rebuild(batch_size, progress):
        last = Post.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with connection.cursor() as cursor:
            for start in range(0, last, batch_size):
                cursor.execute(
                    _PG_VECTOR_SQL.format(where="p.id > %s AND p.id <= %s"),
                    [start, start + batch_size],
                )
                progress(min(start + batch_size, last), last)
            # Fresh statistics: without them the planner guesses that a word
            # matches a handful of rows and picks the slow plan for common ones.
            cursor.execute("ANALYZE forum_post")


# SQLite.


def fts5_expression(parsed: ParsedQuery, *, titles_only: bool = False) -> str:
    """The FTS5 MATCH expression for a parsed query.

    Every term is a double-quoted FTS5 string (a phrase when it has several
    tokens), so `*`, `^`, `:`, `-`, parentheses, NEAR, AND, OR and NOT typed by a
    person are never operators. Tokens hold letters and digits only; doubling
    any quote anyway keeps the quoting right should that ever change.
    """

    def term(term: Term) -> str:
        return '"' + term.text.replace('"', '""') + '"'

    joiner = " AND " if parsed.match == MATCH_ALL else " OR "
    expression = "(" + joiner.join(map(term, parsed.terms)) + ")"
    for excluded in parsed.excluded:
        expression = f"({expression} NOT {term(excluded)})"
    if titles_only:
        expression = "{title} : " + expression
    return expression


_FTS_INSERT = "INSERT INTO forum_post_fts (rowid, title, body) VALUES (%s, %s, %s)"
# FTS5 walks the matches newest first (rowid order is its own), each checked
# against the visible, filtered posts, and stops at MAX_RESULTS; bm25 (lower is
# better, the title weighing ten times the body) is computed for those only.
_FTS_PAGE = """
    SELECT candidate.rowid, count(*) OVER ()
    FROM (
        SELECT forum_post_fts.rowid AS rowid,
               bm25(forum_post_fts, 10.0, 1.0) AS score
        FROM forum_post_fts
        WHERE forum_post_fts MATCH %s AND EXISTS ({posts})
        ORDER BY forum_post_fts.rowid DESC
        LIMIT %s
    ) AS candidate
    JOIN forum_post ON forum_post.id = candidate.rowid
    ORDER BY {order}
    LIMIT %s OFFSET %s
"""
_FTS_ORDER = {
    ORDER_RELEVANCE: "candidate.score, candidate.rowid DESC",
    ORDER_DATE: "forum_post.created_at DESC, forum_post.id DESC",
}
# Excerpts for the page's rows only: a rowid range (cheap for FTS5, unlike one
# MATCH per rowid, which reloads every doclist), snippet() only where wanted.
_FTS_EXCERPTS = """
    SELECT rowid,
           CASE WHEN rowid IN ({ids})
                THEN snippet(forum_post_fts, 1, %s, %s, ' … ', 30) END,
           CASE WHEN rowid IN ({ids})
                THEN highlight(forum_post_fts, 0, %s, %s) END
    FROM forum_post_fts
    WHERE forum_post_fts MATCH %s AND rowid BETWEEN %s AND %s
"""


class SqliteBackend:
    excerpt_is_html = False

    # RawSQL below carries constant SQL only; the search text is a parameter.

    @staticmethod
    def page_rows(posts, parsed, *, titles_only, order, offset, limit):
        """(id, total) of one page, total counting the newest MAX_RESULTS."""
        expression = fts5_expression(parsed, titles_only=titles_only)
        # The visible, filtered posts (Django's own SQL and parameters), tied to
        # the FTS5 row; RawSQL carries the constant column reference only.
        visible = posts.filter(pk=RawSQL("forum_post_fts.rowid", ())).values("pk")  # noqa: S611
        posts_sql, posts_params = visible.query.sql_with_params()
        sql = _FTS_PAGE.format(posts=posts_sql, order=_FTS_ORDER[order])
        with connection.cursor() as cursor:
            cursor.execute(sql, [expression, *posts_params, MAX_RESULTS, limit, offset])
            return cursor.fetchall()

    @staticmethod
    def with_excerpts(posts, ids, parsed):
        """The page's posts, each with `excerpt` and `title_marked` (marked text)."""
        # Titles only or not, the excerpt shows the body's best fragment.
        expression = fts5_expression(parsed)
        marks = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                _FTS_EXCERPTS.format(ids=marks),
                [*ids, *MARKS, *ids, *MARKS, expression, min(ids), max(ids)],
            )
            excerpts = {
                pk: (body, title)
                for pk, body, title in cursor.fetchall()
                if body is not None
            }
        posts = list(posts)
        for post in posts:
            post.excerpt, post.title_marked = excerpts.get(
                post.pk, (plain_text(post.body_html)[:200], post.thread.title)
            )
        return posts

    @staticmethod
    def _rows(posts):
        for pk, position, title, body_html in posts.values_list(
            "pk", "position", "thread__title", "body_html"
        ):
            clean_title = title.translate(_NO_MARKS)
            yield pk, clean_title if position == 1 else "", plain_text(body_html)

    @classmethod
    def index_posts(cls, post_ids):
        cls.unindex_posts(post_ids)
        rows = list(cls._rows(Post.objects.filter(pk__in=post_ids)))
        with connection.cursor() as cursor:
            cursor.executemany(_FTS_INSERT, rows)

    @staticmethod
    def unindex_posts(post_ids):
        with connection.cursor() as cursor:
            for start in range(0, len(post_ids), 500):
                chunk = post_ids[start : start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"DELETE FROM forum_post_fts WHERE rowid IN ({marks})",  # noqa: S608
                    chunk,
                )

    @classmethod
    def rebuild(cls, batch_size, progress):
        last = Post.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM forum_post_fts")
            for start in range(0, last, batch_size):
                posts = Post.objects.filter(pk__gt=start, pk__lte=start + batch_size)
                cursor.executemany(_FTS_INSERT, list(cls._rows(posts)))
                progress(min(start + batch_size, last), last)
            # Merge the segments the batches wrote: faster queries afterwards.
            cursor.execute(
                "INSERT INTO forum_post_fts (forum_post_fts) VALUES ('optimize')"
            )


# Index maintenance, called by the actions inside their transaction.


def index_posts(post_ids) -> None:
    """(Re)index these posts: after a post is written, edited, moved or restored.

    Runs in the caller's transaction. Hidden posts stay indexed: visibility is
    decided when searching, so staff can find them.
    """
    post_ids = list(post_ids)
    if post_ids:
        _backend().index_posts(post_ids)


def index_thread(thread) -> None:
    """Reindex a thread's opening post, which carries the title (after a rename)."""
    index_posts(
        Post.objects.filter(thread=thread, position=1).values_list("pk", flat=True)
    )


def unindex_posts(post_ids) -> None:
    """Drop these posts from the index: call before deleting them."""
    post_ids = list(post_ids)
    if post_ids:
        _backend().unindex_posts(post_ids)


def rebuild_index(*, batch_size: int = 5000, progress=None) -> None:
    """Rebuild the whole index; `progress(done_id, last_id)` is called per batch."""
    progress = progress or (lambda done, last: None)
    _backend().rebuild(batch_size, progress)
