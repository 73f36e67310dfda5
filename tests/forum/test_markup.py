from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from forum.markup import render_markdown

# Written out here, not imported, so a widened allow-list in forum.markup fails.
SAFE_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "s", "a", "ul", "ol", "li",
    "blockquote", "code", "pre", "h2", "h3", "h4", "table", "thead", "tbody",
    "tr", "th", "td", "img",
}  # fmt: skip
SAFE_ATTRIBUTES = {"a": {"href", "title", "rel"}, "img": {"src", "alt", "title"}}
LINK_SCHEMES = {"", "http", "https", "mailto"}


class _Tags(HTMLParser):
    """Every start tag of a fragment, with its attributes as the browser sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html):
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def scheme_of(url):
    # Browsers drop ASCII whitespace and control characters inside a scheme.
    cleaned = "".join(ch for ch in url if ord(ch) > 32).lower()
    return urlsplit(cleaned).scheme


def assert_safe(html):
    """Only allow-listed tags and attributes, and no active URL scheme."""
    assert "<script" not in html.lower()
    for tag, attributes in tags_of(html):
        assert tag in SAFE_TAGS, html
        allowed = SAFE_ATTRIBUTES.get(tag, set()) | (
            {"start"} if tag == "ol" else set()
        )
        assert set(attributes) <= allowed, html
        if "href" in attributes:
            assert scheme_of(attributes["href"]) in LINK_SCHEMES, html
        if "src" in attributes:
            assert scheme_of(attributes["src"]) in {"http", "https"}, html


XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "**<img src=x onerror=alert(1)>**",
    '<div onclick="alert(1)">click</div>',
    '<a href="javascript:alert(1)">x</a>',
    '<iframe src="https://evil.example/"></iframe>',
    "<style>body { display: none }</style>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<details open ontoggle=alert(1)>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<!-- x --><script>alert(1)</script>",
    '<object data="https://evil.example/x.swf"></object>',
    '<form action="https://evil.example/"><input name="q"></form>',
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](&#106;avascript:alert(1))",
    "[x](jav&#x61;script&#58;alert(1))",
    "[x](&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114"
    "&#0000105&#0000112&#0000116&#0000058alert(1))",
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114'
    '&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>',
    "[ref]: javascript:alert(1)\n\n[click][ref]",
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '[x](https://example.com/"onmouseover="alert(1))',
    '![x](https://example.com/x.png"onerror="alert(1))',
    "| a |\n|---|\n| <script>alert(1)</script> |",
    "# <script>alert(1)</script>",
    "```html\n<script>alert(1)</script>\n```",
]


@pytest.mark.parametrize("remote_images", ["links", "show"])
@pytest.mark.parametrize("source", XSS_VECTORS)
def test_xss_vector_is_neutralised(source, remote_images, settings):
    """No script, event handler, frame, style or active URL survives rendering,
    whether remote images are shown or made links."""
    settings.REMOTE_IMAGES = remote_images
    assert_safe(render_markdown(source))


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<iframe src=x></iframe>",
        "<b>bold</b>",
        "<img src=x alt=y>",
    ],
)
def test_raw_html_is_shown_as_text(source):
    """Raw HTML is not markup: it is escaped, so readers see it as typed."""
    html = render_markdown(source)

    assert tags_of(html) == [("p", {})]
    assert "&lt;" in html


@pytest.mark.parametrize(
    "source",
    ["[x](ftp://example.com/file)", "<ftp://example.com/file>"],
)
def test_links_with_other_protocols_lose_their_href(source):
    """A link whose scheme is not http(s) or mailto keeps its text but no target."""
    html = render_markdown(source)

    links = [attributes for tag, attributes in tags_of(html) if tag == "a"]
    assert links
    assert all("href" not in attributes for attributes in links)


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[a link](https://example.com/page)", "https://example.com/page"),
        ("[a link](http://example.com/)", "http://example.com/"),
        ("<https://example.com/auto>", "https://example.com/auto"),
        ("[mail me](mailto:someone@example.com)", "mailto:someone@example.com"),
    ],
)
def test_links_get_rel_nofollow_ugc_noopener(source, href):
    """Every link written by a member carries rel="nofollow ugc noopener"."""
    links = [attrs for tag, attrs in tags_of(render_markdown(source)) if tag == "a"]

    assert links == [{"href": href, "rel": "nofollow ugc noopener"}]


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("see https://example.com/x?y=1 for more", "https://example.com/x?y=1"),
        ("or www.example.org today", "http://www.example.org"),
    ],
)
def test_bare_urls_are_linked(source, href):
    """A URL typed without Markdown syntax becomes a link, with the same rel."""
    links = [attrs for tag, attrs in tags_of(render_markdown(source)) if tag == "a"]

    assert links == [{"href": href, "rel": "nofollow ugc noopener"}]


def test_link_title_is_kept():
    """A link's title survives cleaning."""
    html = render_markdown('[x](https://example.com "Example")')

    assert tags_of(html)[1] == (
        "a",
        {
            "href": "https://example.com",
            "title": "Example",
            "rel": "nofollow ugc noopener",
        },
    )


@pytest.mark.parametrize(
    ("source", "src"),
    [
        ("![cat](https://example.com/cat.png)", "https://example.com/cat.png"),
        ("![cat](http://example.com/cat.png)", "http://example.com/cat.png"),
        ("![cat](data:image/png;base64,iVBORw0KGgo=)", None),
        ("![cat](ftp://example.com/cat.png)", None),
        ("![cat](//example.com/cat.png)", None),
        ("![cat](/media/cat.png)", None),
    ],
)
def test_images_keep_only_http_sources(source, src, settings):
    """Images keep src only for http and https; the alt text always stays."""
    settings.REMOTE_IMAGES = "show"
    images = [attrs for tag, attrs in tags_of(render_markdown(source)) if tag == "img"]

    assert len(images) == 1
    assert images[0].get("src") == src
    assert images[0]["alt"] == "cat"


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("# Title", "<h2>Title</h2>\n"),
        ("## Section", "<h2>Section</h2>\n"),
        ("### Part", "<h3>Part</h3>\n"),
        ("##### Small", "<h4>Small</h4>\n"),
        ("###### Smaller", "<h4>Smaller</h4>\n"),
    ],
)
def test_headings_stay_below_the_page_title(source, html):
    """A post never adds an h1 (the thread title is the page's only h1)."""
    assert render_markdown(source) == html


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("```\n<b>bold</b> & co\n```", "<pre><code>&lt;b&gt;bold&lt;/b&gt; &amp; co\n"),
        ("    <b>indented</b>", "<pre><code>&lt;b&gt;indented&lt;/b&gt;\n"),
        ("Use `<b>` for bold", "<code>&lt;b&gt;</code>"),
        ("Fish & chips", "<p>Fish &amp; chips</p>"),
        ("```python\nif a < b and c > d:\n```", "if a &lt; b and c &gt; d:"),
    ],
)
def test_code_and_text_are_escaped_exactly_once(source, expected):
    """Special characters are escaped once: `&lt;`, never `&amp;lt;`."""
    html = render_markdown(source)

    assert expected in html
    assert "&amp;lt;" not in html
    assert "&amp;gt;" not in html
    assert "&amp;amp;" not in html


def test_fenced_code_loses_its_language_class():
    """The language class of a fenced block is dropped (no class attributes)."""
    assert render_markdown("```python\nx = 1\n```") == (
        "<pre><code>x = 1\n</code></pre>\n"
    )


@pytest.mark.parametrize(
    ("source", "html"),
    [
        (
            "**bold** *em* ~~gone~~",
            "<p><strong>bold</strong> <em>em</em> <s>gone</s></p>\n",
        ),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>\n"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"),
        ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>\n'),
        ("a\n\n---\n\nb", "<p>a</p>\n<hr>\n<p>b</p>\n"),
        (
            "| a | b |\n|---|---|\n| 1 | 2 |",
            "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n"
            "<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>\n",
        ),
    ],
)
def test_ordinary_markdown_is_kept(source, html):
    """Emphasis, quotes, lists, rules and tables render as expected."""
    assert render_markdown(source) == html


@pytest.mark.parametrize(
    ("source", "href", "text"),
    [
        ("![cat](https://example.com/cat.png)", "https://example.com/cat.png", "cat"),
        ("![](http://example.com/cat.png)", "http://example.com/cat.png", None),
        ("![a *b*](//example.com/c.png)", "//example.com/c.png", "a b"),
        ("[x]: https://e.example/x.png\n\n![y][x]", "https://e.example/x.png", "y"),
    ],
)
def test_remote_images_become_links_by_default(source, href, text):
    """By default no <img> points to another host: the image is a link to it,
    named by its alt text, else by its address."""
    html = render_markdown(source)
    tags = tags_of(html)

    assert "<img" not in html
    assert [tag for tag, _ in tags] == ["p", "a"]
    assert tags[1][1] == {"href": href, "rel": "nofollow ugc noopener"}
    assert f">{text or href}</a>" in html


def test_a_remote_image_link_keeps_its_title():
    html = render_markdown('![cat](https://example.com/c.png "A cat")')

    assert tags_of(html)[1][1]["title"] == "A cat"


def test_images_on_the_sites_own_host_stay_images(settings):
    settings.ALLOWED_HOSTS = ["forum.example.org", ".example.org", "*"]

    own = render_markdown("![a](https://forum.example.org/media/a.png)")
    other = render_markdown("![a](https://other.example.org/a.png)")

    assert tags_of(own)[1] == (
        "img",
        {"src": "https://forum.example.org/media/a.png", "alt": "a"},
    )
    assert "<img" not in other


def test_remote_images_show_keeps_them(settings):
    settings.REMOTE_IMAGES = "show"

    html = render_markdown("![cat](https://example.com/cat.png)")

    assert tags_of(html)[1] == (
        "img",
        {"src": "https://example.com/cat.png", "alt": "cat"},
    )


@pytest.mark.parametrize(
    "control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066",
                "\u2067", "\u2068", "\u2069"],
)  # fmt: skip
def test_bidi_controls_are_dropped_from_bodies(control):
    """Overrides, embeddings and isolates could reverse the page around a post:
    none survives, in text, code or link addresses."""
    source = f"a{control}b `c{control}d`\n\n    e{control}f\n\n[g](https://h{control}.example/)"

    html = render_markdown(source)

    assert control not in html
    assert "ab" in html and "cd" in html and "ef" in html


def test_bidi_marks_are_kept():
    """LRM and RLM only place neutral characters; right-to-left writers use them."""
    assert render_markdown("\u05e9\u05dc\u05d5\u05dd\u200f!\u200e") == (
        "<p>\u05e9\u05dc\u05d5\u05dd\u200f!\u200e</p>\n"
    )
