"""
Time forum.search on the large demo data set, on whichever database
DATABASE_URL names (SQLite under VAR_DIR when it is unset).

    .venv/bin/python manage.py seed_demo --threads 2000 --posts 100000 --hot 5000
    DATABASE_URL=postgres://localhost/searchbench .venv/bin/python bench/search_bench.py

Each query runs as a guest through `search_posts` (all of its queries: ids and
ranks with the count, then the page's rows and excerpts), a few times to warm
up, then `--runs` times; the table gives the median and 95th percentile in ms.
The words come from seed_demo's WORDS list, so every query matches.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "search-benchmark")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.db import connection  # noqa: E402

from forum.models import Post  # noqa: E402
from forum.search import search_posts  # noqa: E402

# (label, search_posts options): typical two-word searches, then the variants.
CASES = [
    ("coffee garden", {"query": "coffee garden"}),
    ("river mountain", {"query": "river mountain"}),
    ("election budget", {"query": "election budget"}),
    ("bread cheese", {"query": "bread cheese"}),
    ("winter bicycle", {"query": "winter bicycle"}),
    ("coffee garden, any", {"query": "coffee garden", "match": "any"}),
    ('"coffee garden" phrase', {"query": '"coffee garden"'}),
    ("coffee -garden", {"query": "coffee -garden"}),
    ("coffee garden, by date", {"query": "coffee garden", "order": "date"}),
    ("coffee garden, page 5", {"query": "coffee garden", "page": 5}),
    ("coffee garden, titles", {"query": "coffee garden", "titles_only": True}),
    ("zeppelin (no match)", {"query": "zeppelin"}),
]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    guest = AnonymousUser()
    posts = Post.objects.count()
    print(f"{connection.vendor}, {posts:,} posts, {args.runs} runs per query\n")
    print("| query | results | median ms | p95 ms |")
    print("| --- | ---: | ---: | ---: |")
    medians = []
    for label, options in CASES:
        timings = []
        for run in range(args.warmup + args.runs):
            started = time.perf_counter()
            page = search_posts(user=guest, **options)
            elapsed = (time.perf_counter() - started) * 1000
            if run >= args.warmup:
                timings.append(elapsed)
        median = statistics.median(timings)
        medians.append(median)
        total = f"{page.total:,}{'+' if page.is_capped else ''}"
        print(f"| {label} | {total} | {median:.1f} | {percentile(timings, 0.95):.1f} |")
    print(f"\nmedian of medians: {statistics.median(medians):.1f} ms")


if __name__ == "__main__":
    main()
