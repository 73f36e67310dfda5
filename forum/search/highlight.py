"""Highlighting: the database marks matches with private-use characters in
escaped text; they become <mark> tags here."""

import html
import re

from django.utils.safestring import SafeString, mark_safe

# Private-use characters mark highlights inside the database's output; the text
# is escaped first, then they become <mark> tags. Stripped from indexed text.
MARK_START, MARK_STOP = "\ue000", "\ue001"
MARKS = MARK_START + MARK_STOP
_NO_MARKS = dict.fromkeys(map(ord, MARKS))
_MARKED = re.compile(f"{MARK_START}([^{MARKS}]*){MARK_STOP}")
_TAG = re.compile(r"<[^>]*>")

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
