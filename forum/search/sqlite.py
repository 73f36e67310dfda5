"""The SQLite backend: an FTS5 table, bm25 with titles weighted 10:1, snippet()."""

from django.db import connection
from django.db.models.expressions import RawSQL

from ..models import Post
from .highlight import _NO_MARKS, MARKS, plain_text
from .query import (
    MATCH_ALL,
    MAX_RESULTS,
    ORDER_DATE,
    ORDER_RELEVANCE,
    ParsedQuery,
    Term,
)

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
