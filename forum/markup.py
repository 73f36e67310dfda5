"""Markdown to clean HTML, done once when a post is written.

CommonMark (raw HTML off) through markdown-it-py, then bleach with an explicit
allow-list. The result is stored in `body_html`; pages never re-render.
"""

from functools import cache

import bleach
from markdown_it import MarkdownIt

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


def _link_open_with_rel(self, tokens, idx, options, env):
    tokens[idx].attrSet("rel", LINK_REL)
    return self.renderToken(tokens, idx, options, env)


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": True}).enable(
        ["table", "strikethrough", "linkify"]
    )
    parser.add_render_rule("link_open", _link_open_with_rel)
    return parser


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "img" and name == "src":
        return value.startswith(("http://", "https://"))
    if tag == "a" and name == "rel":
        return value == LINK_REL
    return name in ALLOWED_ATTRIBUTES.get(tag, ())


def render_markdown(source: str) -> str:
    """Render Markdown to HTML that is safe to store and show as is."""
    html = _parser().render(source)
    # Headings are shifted down one level: the page's h1 is the thread title.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    html = html.replace("<h5>", "<h4>").replace("</h5>", "</h4>")
    html = html.replace("<h6>", "<h4>").replace("</h6>", "</h4>")
    return bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
    )
