"""
Fill the forum with demo content.

Without options: a small, hand-made board (a few categories and members, the
reference topic "The Bernie Sanders Campaign Should Have Gone Further", and a
thread long enough to page through), written through `forum.actions` so every
counter is right. `--if-empty` does nothing when categories already exist;
`make run` uses it so that a second run keeps the data.

With `--posts N` (and `--threads`, `--hot`, `--users`): a large generated data
set for benchmarks, written with bulk inserts in one transaction, counters and
positions computed as it goes, then the search index built for all posts.
100,000 posts take well under two minutes.
"""

import random
import time
import uuid
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from forum import actions, cache, search
from forum.markup import render_markdown
from forum.models import Category, Post, Thread

from ._demo_content import (
    CATEGORIES,
    LONG_THREAD,
    MEMBERS,
    REFERENCE_REPLY,
    REFERENCE_TITLE,
    REFERENCE_TOPIC,
    SHORT_THREADS,
    WORDS,
)

User = get_user_model()

BATCH_SIZE = 5000


class Command(BaseCommand):
    help = "Load demo content: a small board, or a large generated data set."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the forum already has categories.",
        )
        parser.add_argument(
            "--posts",
            type=int,
            default=0,
            help="Generate this many posts (large mode).",
        )
        parser.add_argument("--threads", type=int, default=2000)
        parser.add_argument(
            "--hot", type=int, default=5000, help="Posts in the one hot thread."
        )
        parser.add_argument("--users", type=int, default=500)
        parser.add_argument("--seed", type=int, default=1, help="Random seed.")

    def handle(self, *args, **options):
        if options["if_empty"] and Category.objects.exists():
            self.stdout.write("The forum has content already; nothing loaded.")
            return
        if options["posts"]:
            self.generate_large(options)
        else:
            self.load_small()
        # Bulk inserts bypass the actions: make every cached guest page stale.
        cache.site_changed()

    @transaction.atomic
    def load_small(self):
        """The hand-made demo board, written through the actions."""
        if Category.objects.filter(slug__in=[c["slug"] for c in CATEGORIES]).exists():
            raise CommandError("Demo categories exist already; use --if-empty.")
        members = {}
        for username, display_name, bio in MEMBERS:
            member = User(
                username=username,
                display_name=display_name,
                bio=bio,
                bio_html=render_markdown(bio) if bio else "",
            )
            member.email = f"{username}@example.com"
            member.set_unusable_password()
            member.save()
            EmailAddress.objects.create(
                user=member, email=member.email, verified=True, primary=True
            )
            members[username] = member
        categories = {}
        for position, spec in enumerate(CATEGORIES):
            categories[spec["slug"]] = Category.objects.create(
                name=spec["name"],
                slug=spec["slug"],
                description=spec["description"],
                position=position,
                parent=categories.get(spec.get("parent")),
            )

        for spec in SHORT_THREADS:
            thread = actions.create_thread(
                category=categories[spec["category"]],
                author=members[spec["author"]],
                title=spec["title"],
                body=spec["body"],
            )
            for author, body in spec["replies"]:
                actions.create_reply(thread=thread, author=members[author], body=body)
            if spec.get("pinned"):
                Thread.objects.filter(pk=thread.pk).update(is_pinned=True)

        reference = actions.create_thread(
            category=categories["politics"],
            author=members["organizer"],
            title=REFERENCE_TITLE,
            body=REFERENCE_TOPIC,
        )
        actions.create_reply(
            thread=reference, author=members["debatewatcher"], body=REFERENCE_REPLY
        )
        # The opening post fills the thread page's "Recommended Posts".
        Post.objects.filter(thread=reference, position=1).update(is_recommended=True)

        authors = list(members.values())
        long_thread = actions.create_thread(
            category=categories["classic-cinema"],
            author=members["filmbuff"],
            title=LONG_THREAD["title"],
            body=LONG_THREAD["body"],
        )
        for number, (year, film) in enumerate(LONG_THREAD["films"], start=1):
            actions.create_reply(
                thread=long_thread,
                author=authors[number % len(authors)],
                body=f"**{year}**: *{film}*. {LONG_THREAD['comments'][number % 7]}",
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(categories)} categories, {len(members)} members, "
                f"{Thread.objects.count()} threads, {Post.objects.count()} posts."
            )
        )

    def generate_large(self, options):
        """Bulk-generate a large board for benchmarks, with exact counters."""
        total_posts, thread_total = options["posts"], options["threads"]
        hot_posts, user_total = options["hot"], options["users"]
        if thread_total < 1 or user_total < 1 or hot_posts < 1:
            raise CommandError("--threads, --users and --hot must be at least 1.")
        if total_posts < hot_posts + thread_total - 1:
            raise CommandError(
                "--posts must cover the hot thread and one post for each other thread."
            )
        rng = random.Random(options["seed"])
        started = time.monotonic()
        with transaction.atomic():
            self._generate(
                rng, total_posts, thread_total, hot_posts, user_total, started
            )
        # Fresh planner statistics: after a bulk load they still describe nearly
        # empty tables, and PostgreSQL then plans a thread page as a loop over
        # every member (a second instead of a millisecond) until autovacuum runs.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {thread_total} threads and {total_posts} posts "
                f"in {time.monotonic() - started:.1f} s."
            )
        )

    def _generate(self, rng, total_posts, thread_total, hot_posts, user_total, started):
        # A fresh tag per run keeps names unique when the command runs again.
        run = uuid.uuid4().hex[:8]
        users = User.objects.bulk_create(
            [
                User(
                    username=f"member-{run}-{number}",
                    display_name=f"Member {number}",
                    # Unusable: demo members cannot sign in.
                    password=UNUSABLE_PASSWORD_PREFIX,
                )
                for number in range(user_total)
            ],
            batch_size=1000,
        )
        categories = Category.objects.bulk_create(
            [
                Category(
                    name=f"Large board {number + 1}",
                    slug=f"large-{run}-{number + 1}",
                    description="Generated content for benchmarks.",
                    position=100 + number,
                )
                for number in range(10)
            ]
        )
        bodies = [self._random_body(rng) for _ in range(50)]
        rendered = [(source, render_markdown(source)) for source in bodies]

        # Posts per thread: the hot thread first, the rest spread at random.
        sizes = [hot_posts] + [1] * (thread_total - 1)
        for _ in range(total_posts - sum(sizes)):
            sizes[rng.randrange(1, thread_total) if thread_total > 1 else 0] += 1

        now = timezone.now()
        start = now - timedelta(days=365)
        step = timedelta(days=365) / total_posts
        threads = Thread.objects.bulk_create(
            [
                Thread(
                    category=categories[number % len(categories)],
                    title=self._random_title(rng),
                    slug="-",
                    author=rng.choice(users),
                    created_at=start,
                    last_post_at=start,
                )
                for number in range(thread_total)
            ],
            batch_size=1000,
        )
        for thread in threads:
            thread.slug = actions.slug_for_title(thread.title)

        user_posts = dict.fromkeys((user.pk for user in users), 0)
        batch, written, moment = [], 0, start
        # Interleave threads so activity is spread over the year.
        remaining = list(sizes)
        positions = [0] * thread_total
        order = [index for index, size in enumerate(sizes) for _ in range(size)]
        rng.shuffle(order)
        for index in order:
            thread = threads[index]
            positions[index] += 1
            remaining[index] -= 1
            author = (
                thread.author
                if positions[index] == 1
                else users[rng.randrange(user_total)]
            )
            source, html = rendered[rng.randrange(len(rendered))]
            moment += step
            batch.append(
                Post(
                    thread=thread,
                    author=author,
                    position=positions[index],
                    body_source=source,
                    body_html=html,
                    created_at=moment,
                )
            )
            user_posts[author.pk] += 1
            if len(batch) == BATCH_SIZE:
                written += self._flush(batch, threads)
                self.stdout.write(
                    f"  {written:,} / {total_posts:,} posts "
                    f"({time.monotonic() - started:.1f} s)"
                )
                batch = []
        if batch:
            written += self._flush(batch, threads)

        for thread, size in zip(threads, sizes, strict=True):
            thread.post_count = size
            thread.last_position = size
            thread.created_at = thread.first_post_at
        Thread.objects.bulk_update(
            threads,
            [
                "slug",
                "post_count",
                "last_position",
                "last_post",
                "last_post_at",
                "created_at",
            ],
            batch_size=1000,
        )
        for category in categories:
            own = [thread for thread in threads if thread.category_id == category.pk]
            category.thread_count = len(own)
            category.post_count = sum(thread.post_count for thread in own)
            if own:
                category.last_post = max(own, key=lambda t: t.last_post_at).last_post
        Category.objects.bulk_update(
            categories, ["thread_count", "post_count", "last_post"]
        )
        for user in users:
            user.post_count = user_posts[user.pk]
        User.objects.bulk_update(users, ["post_count"], batch_size=1000)
        # bulk_create skips the actions, so the search index is built here.
        self.stdout.write("  building the search index...")
        search.rebuild_index()

    @staticmethod
    def _flush(batch, threads):
        """Insert a batch of posts and note each thread's first and last post."""
        Post.objects.bulk_create(batch)
        for post in batch:
            thread = post.thread
            if post.position == 1:
                thread.first_post_at = post.created_at
            thread.last_post = post
            thread.last_post_at = post.created_at
        return len(batch)

    @staticmethod
    def _random_title(rng):
        words = rng.sample(WORDS, rng.randint(3, 8))
        return " ".join(words).capitalize()

    @staticmethod
    def _random_body(rng):
        paragraphs = []
        for _ in range(rng.randint(1, 4)):
            sentences = [
                " ".join(rng.choices(WORDS, k=rng.randint(6, 18))).capitalize() + "."
                for _ in range(rng.randint(2, 5))
            ]
            paragraphs.append(" ".join(sentences))
        return "\n\n".join(paragraphs)
