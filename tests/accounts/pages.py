"""Reading the HTML of a response, for the accounts tests."""

from html.parser import HTMLParser


class PageParser(HTMLParser):
    """Collect what the tests check in a page: headings, labels, fields, links."""

    def __init__(self):
        super().__init__()
        self.h1_count = 0
        self.label_for = set()
        self.fields = []
        self.ids = set()
        self.links = {}
        self._link = None
        self.style_attributes = 0
        self.inline_scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if "style" in attrs:
            self.style_attributes += 1
        if tag == "script" and "src" not in attrs:
            self.inline_scripts += 1
        if tag == "h1":
            self.h1_count += 1
        elif tag == "label" and attrs.get("for"):
            self.label_for.add(attrs["for"])
        elif tag in {"input", "textarea", "select"}:
            if attrs.get("type") not in {"hidden", "submit"}:
                self.fields.append(attrs)
        elif tag == "a":
            self._link = [attrs.get("href", ""), ""]

    def handle_data(self, data):
        if self._link is not None:
            self._link[1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            href, text = self._link
            self.links[" ".join(text.split())] = href
            self._link = None


def parse(response) -> PageParser:
    parser = PageParser()
    parser.feed(response.content.decode())
    return parser


def assert_site_page(response):
    """The page is drawn in the site's base template, with one h1.

    No inline style or script (the CSP forbids them), and in the main part every
    field has a <label for> and names only descriptions that exist.
    """
    content = response.content.decode()
    page = parse(response)
    assert 'class="site-name"' in content
    assert "Terms of Use" in content
    assert page.h1_count == 1
    assert page.style_attributes == 0
    assert page.inline_scripts == 0
    main = PageParser()
    main.feed(content[content.index("<main") : content.index("</main>")])
    for field in main.fields:
        assert field.get("id") in main.label_for, f"no <label for> for {field}"
        for described_by in field.get("aria-describedby", "").split():
            assert described_by in main.ids, f"{described_by} missing for {field}"


class _ActiveContent(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "iframe", "object", "embed", "style"}:
            self.found.append(tag)
        for name, value in attrs:
            url = "".join((value or "").split()).lower()
            if name.startswith("on") or url.startswith(("javascript:", "data:")):
                self.found.append(f"{tag} {name}={value}")


def active_content(html: str) -> list[str]:
    """Elements and attributes in `html` that could run script."""
    parser = _ActiveContent()
    parser.feed(html)
    return parser.found
