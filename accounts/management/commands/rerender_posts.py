"""
Render every post's and bio's Markdown again, after the rendering or cleaning
rules changed.

Posts and bios are rendered once, when written, and the clean HTML is stored;
this command brings the stored HTML in line with the current `forum.markup`
rules. Only rows whose HTML changes are written, a batch at a time, each batch
in one transaction with what depends on it: the search index of its posts
(which indexes the HTML) and the cached pages that show them (every page once
posts changed, `forum.cache.site_changed`; the member's pages for a bio,
`member_changed`). `--dry-run` counts them and writes nothing. A post or bio
written before forum.markup's bounds, that they now refuse, keeps its stored
HTML; the command names it, for a moderator to shorten.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.actions import render_bio
from forum import cache, search
from forum.markup import MarkupTooLarge, render_markdown
from forum.models import Post

BATCH_SIZE = 1000


def stale_batches(queryset, source: str, html_field: str, render):
    """(rows checked, rows whose `html_field` `render(source)` changes, ids of
    rows the markup bounds refuse), a batch at a time; the stale rows carry
    their new HTML."""
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
        stale, refused = [], []
        for row in batch:
            try:
                html = render(getattr(row, source))
            except MarkupTooLarge:
                refused.append(row.pk)
                continue
            if html != getattr(row, html_field):
                setattr(row, html_field, html)
                stale.append(row)
        yield len(batch), stale, refused


class Command(BaseCommand):
    help = "Re-render the stored HTML of all posts and bios from their Markdown."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count changes; write nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        verb = "would change" if dry_run else "changed"
        for name, model, source, html, render, written in [
            ("posts", Post, "body_source", "body_html", render_markdown, posts_written),
            ("bios", get_user_model(), "bio", "bio_html", render_bio, bios_written),
        ]:
            checked = changed = 0
            refused = []
            for count, stale, kept in stale_batches(
                model.objects.all(), source, html, render
            ):
                checked, changed = checked + count, changed + len(stale)
                refused += kept
                if stale and not dry_run:
                    with transaction.atomic():
                        model.objects.bulk_update(stale, [html])
                        written(stale)
            self.stdout.write(f"Checked {checked} {name}; {verb} {changed}.")
            if refused:
                self.stdout.write(
                    f"Kept the stored HTML of {len(refused)} {name} past the markup "
                    f"bounds: {', '.join(map(str, refused))}."
                )


def posts_written(posts) -> None:
    """Re-rendered posts: their search index, and every cached page."""
    search.index_posts([post.pk for post in posts])
    cache.site_changed()


def bios_written(members) -> None:
    """Re-rendered bios: the cached pages showing those members."""
    for member in members:
        cache.member_changed(member.pk)
