"""
Render every post's Markdown again, after the rendering or cleaning rules changed.

Posts are rendered once, when written, and the clean HTML is stored; this
command brings the stored HTML in line with the current `forum.markup` rules.
Only rows whose HTML changes are written. `--dry-run` counts them and writes
nothing. A post written before forum.markup's bounds, that they now refuse,
keeps its stored HTML; the command names it, for a moderator to shorten.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from forum.markup import MarkupTooLarge, render_markdown
from forum.models import Post

BATCH_SIZE = 1000


class Command(BaseCommand):
    help = "Re-render the stored HTML of all posts from their Markdown source."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count changes; write nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        checked = changed = 0
        refused = []
        last_pk = 0
        while True:
            # Keyset pagination: each batch costs the same, however deep.
            batch = list(
                Post.objects.filter(pk__gt=last_pk)
                .order_by("pk")
                .only("pk", "body_source", "body_html")[:BATCH_SIZE]
            )
            if not batch:
                break
            last_pk = batch[-1].pk
            stale = []
            for post in batch:
                try:
                    html = render_markdown(post.body_source)
                except MarkupTooLarge:
                    refused.append(post.pk)
                    continue
                if html != post.body_html:
                    post.body_html = html
                    stale.append(post)
            checked += len(batch)
            changed += len(stale)
            if stale and not dry_run:
                with transaction.atomic():
                    Post.objects.bulk_update(stale, ["body_html"])
        verb = "would change" if dry_run else "changed"
        self.stdout.write(f"Checked {checked} posts; {verb} {changed}.")
        if refused:
            self.stdout.write(
                f"Kept the stored HTML of {len(refused)} posts past the markup "
                f"bounds: {', '.join(map(str, refused))}."
            )
