"""The thread page's weight budget: 20 typical posts, HTML + CSS, gzipped."""

import gzip
import re

from django.contrib.staticfiles import finders

from forum import actions

BUDGET_BYTES = 60 * 1024
TYPICAL_POST = (
    "I have been thinking about this for a while, and I mostly agree with the "
    "opening post. **Two things** stand out:\n\n"
    "1. The *first* point is about timing: it was too late to change course.\n"
    "2. The second is about [organizing](https://example.org/organizing), which "
    "takes years rather than months.\n\n"
    "> People were transformed by the conversations.\n\n"
    "That matches what I saw where I live. Curious what others think."
)


def test_thread_page_with_20_posts_fits_the_budget(client, category, user):
    """HTML plus the stylesheet, gzipped, stay under 60 KB, and need no script."""
    thread = actions.create_thread(
        category=category, author=user, title="A typical thread", body=TYPICAL_POST
    )
    for number in range(2, 21):
        actions.create_reply(
            thread=thread, author=user, body=f"{TYPICAL_POST}\n\nReply {number}."
        )
    html = client.get(thread.get_absolute_url()).content
    assert html.count(b"<article") == 20
    stylesheets = re.findall(rb'<link rel="stylesheet" href="/static/([^"]+)"', html)
    assert stylesheets
    css = b"".join(
        open(finders.find(name.decode()), "rb").read() for name in stylesheets
    )
    weight = len(gzip.compress(html)) + len(gzip.compress(css))
    assert weight <= BUDGET_BYTES, f"{weight} bytes gzipped"
    assert b"<script" not in html
