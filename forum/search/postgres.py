"""The PostgreSQL backend: a stored tsvector with GIN indexes, ts_rank_cd,
ts_headline on the page's rows only."""

from functools import reduce

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection
from django.db.models import F, Func, Value

from ..models import Post
from .highlight import MARK_START, MARK_STOP, MARKS
from .query import MATCH_ALL, MAX_RESULTS, ORDER_DATE, ParsedQuery, Term

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
