"""
Render every post's and bio's Markdown again, after the rendering or cleaning
rules changed.

Posts and bios are rendered once, when written, and the clean HTML is stored;
this command brings the stored HTML in line with the current `forum.markup`
rules. Only rows whose HTML changes are written, a batch at a time, each batch
in one transaction with what depends on it: the search index of its posts
(which indexes the HTML) and the cached pages that show them (every page once
posts changed, `forum.cache.site_changed`; the member's pages for a bio,
`member_changed`). `--dry-run` counts them and writes nothing.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.actions import render_bio
from accounts.models import User
from forum import cache, search
from forum.markup import render_markdown
from forum.models import Post

BATCH_SIZE = 1000


def stale_batches(queryset, source: str, html_field: str, render):
    """(rows checked, rows whose `html_field` `render(source)` changes), a
    batch at a time; the stale rows carry their new HTML."""
    last_pk = 0
    while True:
        # Keyset pagination: each batch costs the same, however deep.
        batch = list(
            queryset.filter(pk__gt=last_pk)
            .order_by("pk")
            .only("pk", source, html_field)[:BATCH_SIZE]
        )
        if not batch:
            return
        last_pk = batch[-1].pk
        stale = []
        for row in batch:
            html = render(getattr(row, source))
            if html != getattr(row, html_field):
                setattr(row, html_field, html)
                stale.append(row)
        yield len(batch), stale


class Command(BaseCommand):
    help = "Re-render the stored HTML of all posts and bios from their Markdown."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count changes; write nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        verb = "would change" if dry_run else "changed"
        checked = changed = 0
        for count, stale in stale_batches(
            Post.objects.all(), "body_source", "body_html", render_markdown
        ):
            checked, changed = checked + count, changed + len(stale)
            if stale and not dry_run:
                with transaction.atomic():
                    Post.objects.bulk_update(stale, ["body_html"])
                    search.index_posts([post.pk for post in stale])
                    cache.site_changed()
        self.stdout.write(f"Checked {checked} posts; {verb} {changed}.")
        checked = changed = 0
        for count, stale in stale_batches(
            User.objects.all(), "bio", "bio_html", render_bio
        ):
            checked, changed = checked + count, changed + len(stale)
            if stale and not dry_run:
                with transaction.atomic():
                    User.objects.bulk_update(stale, ["bio_html"])
                    for member in stale:
                        cache.member_changed(member.pk)
        self.stdout.write(f"Checked {checked} bios; {verb} {changed}.")
