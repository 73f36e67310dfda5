"""
Rebuild the full-text search index of every post, on either database.

PostgreSQL: recomputes `forum_post.search_vector` (thread title weighted A on
opening posts, body weighted B) in batches of post ids. SQLite: empties the FTS5
table `forum_post_fts` and fills it again, then merges its segments.

The actions keep the index right on every write; run this after loading data
with bulk inserts, after restoring a backup made without it, or when in doubt.
It runs in one transaction: searches see the old index until it commits.
`--batch-size` sets how many post ids each step covers (progress is printed
after each).
"""

import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from forum import search


class Command(BaseCommand):
    help = "Rebuild the full-text search index of all posts."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, **options):
        started = time.monotonic()

        def progress(done, last):
            elapsed = time.monotonic() - started
            self.stdout.write(f"  up to post {done:,} of {last:,} ({elapsed:.1f} s)")

        self.stdout.write(f"Rebuilding the search index on {connection.vendor}...")
        with transaction.atomic():
            search.rebuild_index(batch_size=options["batch_size"], progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Search index rebuilt in {time.monotonic() - started:.1f} s."
            )
        )
