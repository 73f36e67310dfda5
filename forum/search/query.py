"""The query parser, shared by both backends: words, "quoted phrases",
-exclusions, all or any of the words; and the shapes of a page of results."""

import re
from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from ..models import Post

MAX_QUERY_LENGTH = 500
MAX_TERMS = 32
RESULTS_PER_PAGE = 20
# Matches considered (and counted) per search: relevance is ranked among the
# newest this many, and the count shows "1,000+" beyond it.
MAX_RESULTS = 1000

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
