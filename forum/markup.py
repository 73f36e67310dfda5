"""Markdown to clean HTML, done once when a post is written.

CommonMark (raw HTML off) through markdown-it-py, then bleach with an explicit
allow-list. The result is stored in `body_html`; pages never re-render.

Rendering is bounded, so that no accepted input costs more than about 200 ms
of CPU (bench/markup_bench.py measures it over adversarial inputs) nor stores
more than a fixed multiple of its size. Input past a bound is refused with
`MarkupTooLarge`, whose message is meant for the member: the posting and
profile forms turn it into a form error. The bounds, from cheapest to check:

- before the inline pass, the inline text's estimated parse cost
  (`MAX_INLINE_COST`: runs of `[`, `*`, `_`, `<`, `@`, `&` and dotted names
  each cost the parser tens of microseconds), and each table's size
  (`MAX_TABLE_COLUMNS`, `MAX_TABLE_CELLS`);
- the number of HTML elements (`MAX_ELEMENTS`): bleach's html5lib parse, the
  dearest step, costs about 35 microseconds per element; the block pass stops
  early once it has made far more than that;
- the HTML's length (`max_html_length`): at most `HTML_RATIO` times the
  source, never more than `MAX_HTML_LENGTH` (reference links can otherwise
  repeat one long address thousands of times).

Bidirectional embeddings, overrides and isolates are dropped (they could
reverse the text around a post), and with `REMOTE_IMAGES = "links"` (the
default) an image from another host becomes a link to it, so reading a post
sends nothing to a third party. Nothing is ever fetched by the server.
"""

import re
from functools import cache, lru_cache
from urllib.parse import urlsplit

import bleach
from django.conf import settings
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "em", "strong", "del", "s", "a", "ul", "ol", "li",
        "blockquote", "code", "pre", "h2", "h3", "h4", "table", "thead", "tbody",
        "tr", "th", "td", "img",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "img": ["src", "alt", "title"],
    "ol": ["start"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

# Bounds (see the module docstring). Measured on the 2-core development
# machine: the worst accepted 50,000-character input renders in about 150 ms.
MAX_INLINE_COST = 120_000
MAX_ELEMENTS = 4_000
MAX_TABLE_COLUMNS = 20
MAX_TABLE_CELLS = 1_000
# Ordinary Markdown renders to 1-3 times its length; a 10x bound leaves room
# for link-heavy text (each link gains its rel attribute) and refuses the
# amplification of reference links. Short texts may always reach 64 KB;
# nothing stores more than 512 KB.
HTML_RATIO = 10
MIN_HTML_LENGTH = 64 * 1024
MAX_HTML_LENGTH = 512 * 1024

# Parse cost, in rough microseconds, of each character that opens inline
# syntax, measured per character over 50,000-character runs of it.
_INLINE_WEIGHTS = {
    "[": 17, "!": 16, "*": 10, "_": 10, "<": 35, "@": 40, "&": 6, "\n": 10, "\\": 3,
}  # fmt: skip
_DOTTED_NAME = re.compile(r"\w\.\w")  # what linkify tries as a host name
_DOTTED_NAME_WEIGHT = 48

# Embeddings, overrides (U+202A-U+202E) and isolates (U+2066-U+2069) change the
# direction of the text after them, beyond the post or title. The marks U+200E
# and U+200F only settle the direction of neighbouring punctuation, as
# right-to-left writers need: they are kept.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


class MarkupTooLarge(ValueError):
    """The Markdown is too costly to render or its HTML too large to store.

    The message says which bound was passed, in words for the member.
    """


def strip_bidi_controls(text: str) -> str:
    """Drop the bidirectional embedding, override and isolate controls."""
    return BIDI_CONTROLS.sub("", text)


def max_html_length(source_length: int) -> int:
    """The longest HTML a source of this length may render to."""
    return min(MAX_HTML_LENGTH, max(MIN_HTML_LENGTH, HTML_RATIO * source_length))


def _too_much_formatting(what: str) -> MarkupTooLarge:
    return MarkupTooLarge(
        f"This message has too much formatting ({what}). "
        "Please shorten it or split it into several posts."
    )


def _link_open_with_rel(self, tokens, idx, options, env):
    tokens[idx].attrSet("rel", LINK_REL)
    return self.renderToken(tokens, idx, options, env)


def _line(state, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _block_budget(state, start_line: int, end_line: int, silent: bool) -> bool:
    """A block rule that makes no block: it refuses a document whose block
    pass has made far more tokens than MAX_ELEMENTS allows (tight list items
    make five tokens for two elements), and a table too large, before the
    table rule builds it. It runs first at each block start and, like the
    table rule, at each line of a paragraph (a table may interrupt one)."""
    if len(state.tokens) > 3 * MAX_ELEMENTS:
        raise _too_much_formatting(f"more than {MAX_ELEMENTS:,} elements")
    delimiter_line = start_line + 1
    if delimiter_line >= end_line:
        return False
    delimiter = _line(state, delimiter_line)
    if "|" not in delimiter or "-" not in delimiter or delimiter.strip("|-: \t"):
        return False
    columns = delimiter.strip().strip("|").count("|") + 1
    if columns > MAX_TABLE_COLUMNS:
        raise _too_much_formatting(f"a table of more than {MAX_TABLE_COLUMNS} columns")
    rows = 1
    # A table ends at the first blank line, at the latest.
    line = delimiter_line + 1
    while line < end_line and not state.isEmpty(line):
        rows += 1
        line += 1
        if rows * columns > MAX_TABLE_CELLS:
            raise _too_much_formatting(
                f"a table of more than {MAX_TABLE_CELLS:,} cells"
            )
    return False


def _inline_cost(text: str) -> int:
    cost = len(text) // 4 + _DOTTED_NAME_WEIGHT * len(_DOTTED_NAME.findall(text))
    for character, weight in _INLINE_WEIGHTS.items():
        cost += weight * text.count(character)
    return cost


def _inline_budget(state) -> None:
    """A core rule before the inline pass: refuse text whose inline syntax
    would cost more than MAX_INLINE_COST to parse (code blocks cost nothing
    and are not counted)."""
    cost = sum(_inline_cost(t.content) for t in state.tokens if t.type == "inline")
    if cost > MAX_INLINE_COST:
        raise _too_much_formatting("too many links, emphasis marks or brackets")


# Elements that cost bleach more than one: a link's or image's attributes, and
# a code block's <pre><code> (html5lib's handling of <pre> is slow).
_ELEMENT_WEIGHTS = {"link_open": 2, "image": 2, "fence": 4, "code_block": 4}


def _element_weight(token: Token) -> int:
    if not token.tag or token.hidden or token.type == "softbreak":
        return 0
    return _ELEMENT_WEIGHTS.get(token.type, 1)


def _element_budget(state) -> None:
    """A core rule after linkify: refuse more than MAX_ELEMENTS elements."""
    count = 0
    for token in state.tokens:
        count += _element_weight(token)
        if token.children:
            count += sum(map(_element_weight, token.children))
    if count > MAX_ELEMENTS:
        raise _too_much_formatting(f"{count:,} elements, at most {MAX_ELEMENTS:,}")


def _own_hosts() -> frozenset[str]:
    """The host names this site answers to (ALLOWED_HOSTS without patterns)."""
    return frozenset(
        host.lower().strip("[]")
        for host in settings.ALLOWED_HOSTS
        if host != "*" and not host.startswith(".")
    )


def _images_to_links(state) -> None:
    """A core rule: with REMOTE_IMAGES = "links", an image from another host
    becomes a link to it (its text: the alt text, else the address), so that
    no reader's browser fetches it."""
    if state.env.get("remote_images") == "show":
        return
    own_hosts = state.env["own_hosts"]
    for block in state.tokens:
        if not block.children:
            continue
        children = []
        for token in block.children:
            src = token.attrGet("src") if token.type == "image" else None
            host = urlsplit(str(src)).hostname if src else None
            if host is None or host in own_hosts:
                children.append(token)
                continue
            link = Token("link_open", "a", 1, attrs={"href": src})
            if token.attrGet("title"):
                link.attrSet("title", token.attrGet("title"))
            alt = state.md.renderer.renderInlineAsText(
                token.children or [], state.md.options, state.env
            )
            text = Token("text", "", 0, content=alt or str(src))
            children += [link, text, Token("link_close", "a", -1)]
        block.children = children


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": True}).enable(
        ["table", "strikethrough", "linkify"]
    )
    first_block_rule = parser.block.ruler.get_all_rules()[0]
    parser.block.ruler.before(
        first_block_rule,
        "budget",
        _block_budget,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    parser.core.ruler.before("inline", "inline_budget", _inline_budget)
    parser.core.ruler.after("linkify", "remote_images", _images_to_links)
    parser.core.ruler.after("remote_images", "element_budget", _element_budget)
    parser.add_render_rule("link_open", _link_open_with_rel)
    return parser


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "img" and name == "src":
        return value.startswith(("http://", "https://"))
    if tag == "a" and name == "rel":
        return value == LINK_REL
    return name in ALLOWED_ATTRIBUTES.get(tag, ())


def _check_length(html: str, source: str) -> None:
    limit = max_html_length(len(source))
    if len(html) > limit:
        raise MarkupTooLarge(
            f"This message would take {len(html) // 1024:,} KB once formatted, "
            f"more than the {limit // 1024:,} KB allowed (links to a long address "
            "repeated many times are the usual cause). Please shorten it."
        )


def render_markdown(source: str) -> str:
    """Render Markdown to HTML that is safe to store and show as is.

    Raises MarkupTooLarge (a ValueError, with a message for the member) when
    the source passes one of the bounds of this module. The last few results
    are kept, so a form that validated a body by rendering it and the action
    that stores it pay for one render.
    """
    return _render(source, settings.REMOTE_IMAGES, _own_hosts())


def render_markdown_cache_clear() -> None:
    """Forget the last results of render_markdown (for benchmarks)."""
    _render.cache_clear()


@lru_cache(maxsize=8)
def _render(source: str, remote_images: str, own_hosts: frozenset[str]) -> str:
    source = strip_bidi_controls(source)
    env = {"remote_images": remote_images, "own_hosts": own_hosts}
    parser = _parser()
    html = parser.renderer.render(parser.parse(source, env), parser.options, env)
    # Checked before bleach, the dearest step, and again on what is stored.
    _check_length(html, source)
    # Headings are shifted down one level: the page's h1 is the thread title.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    html = html.replace("<h5>", "<h4>").replace("</h5>", "</h4>")
    html = html.replace("<h6>", "<h4>").replace("</h6>", "</h4>")
    html = bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
    )
    _check_length(html, source)
    return html
