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

Modules: `query` (the parser and result shapes), `highlight`, `postgres` and
`sqlite` (the backends); this package holds the interface and index upkeep.

Relevance is computed among the newest `MAX_RESULTS` matches: ranking every match
of two common words in 100,000 posts would cost far more than the 50 ms budget,
and in a forum the newest matches are the likeliest wanted.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import DatabaseError, connection
from django.db.models import Q
from django.utils import timezone

from ..models import Post
from .highlight import MARK_START, MARK_STOP, MARKS, marked_to_html, plain_text
from .postgres import PostgresBackend
from .query import (
    MATCH_ALL,
    MATCH_ANY,
    MAX_QUERY_LENGTH,
    MAX_RESULTS,
    MAX_TERMS,
    ORDER_DATE,
    ORDER_RELEVANCE,
    RESULTS_PER_PAGE,
    ParsedQuery,
    SearchError,
    SearchPage,
    SearchResult,
    Term,
    parse_query,
)
from .sqlite import SqliteBackend, fts5_expression

__all__ = [
    "MARKS",
    "MARK_START",
    "MARK_STOP",
    "MATCH_ALL",
    "MATCH_ANY",
    "MAX_QUERY_LENGTH",
    "MAX_RESULTS",
    "MAX_TERMS",
    "ORDER_DATE",
    "ORDER_RELEVANCE",
    "RESULTS_PER_PAGE",
    "ParsedQuery",
    "PostgresBackend",
    "SearchError",
    "SearchPage",
    "SearchResult",
    "SqliteBackend",
    "Term",
    "fts5_expression",
    "index_posts",
    "index_thread",
    "marked_to_html",
    "parse_query",
    "plain_text",
    "rebuild_index",
    "search_posts",
    "unindex_posts",
]

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
