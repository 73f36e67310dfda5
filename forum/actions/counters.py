"""Row locks in the stated order, recounts of the counters, renumbering."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from ..models import (
    Category,
    Post,
    Thread,
)

User = get_user_model()


def _lock_threads(ids: Iterable[int]) -> None:
    """Lock thread rows by ascending id (the first step of the lock order)."""
    list(
        Thread.objects.select_for_update()
        .filter(pk__in=set(ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _lock_categories(ids: Iterable[int]) -> None:
    """Lock category rows by ascending id, after the threads."""
    list(
        Category.objects.select_for_update()
        .filter(pk__in=set(ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _lock_users(ids: Iterable[int]) -> None:
    """Lock member rows by ascending id, last."""
    list(
        User.objects.select_for_update()
        .filter(pk__in=set(ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def recount_thread(thread_id: int) -> None:
    """Recompute a thread's post count and last post from its visible posts.

    `last_position` is left alone: it is the highest position handed out.
    With no visible post left, the thread's last activity is its creation.
    """
    visible = Post.objects.filter(thread_id=thread_id).visible()
    last = visible.order_by("-position").only("pk", "created_at").first()
    Thread.objects.filter(pk=thread_id).update(
        post_count=visible.count(),
        last_post=last,
        last_post_at=last.created_at if last else F("created_at"),
    )


def recount_category(category_id: int) -> None:
    """Recompute a category's counters and last post from its visible threads.

    The last post is the last post of the most recently active visible thread,
    so no scan over the category's posts is needed.
    """
    threads = Thread.objects.filter(
        category_id=category_id, is_hidden=False, is_approved=True
    )
    totals = threads.aggregate(
        threads=Count("pk"), posts=Coalesce(Sum("post_count"), 0)
    )
    last_post_id = (
        threads.filter(last_post__isnull=False)
        .order_by("-last_post_at", "-pk")
        .values_list("last_post_id", flat=True)
        .first()
    )
    Category.objects.filter(pk=category_id).update(
        thread_count=totals["threads"],
        post_count=totals["posts"],
        last_post_id=last_post_id,
    )


def recount_users(user_ids: Iterable[int]) -> None:
    """Recompute members' post counts: their posts a guest can read (approved,
    unhidden posts in approved, unhidden threads)."""
    counts = (
        Post.objects.filter(
            author=OuterRef("pk"),
            is_hidden=False,
            is_approved=True,
            thread__is_hidden=False,
            thread__is_approved=True,
        )
        .order_by()
        .values("author")
        .annotate(total=Count("pk"))
        .values("total")
    )
    User.objects.filter(pk__in=set(user_ids)).update(
        post_count=Coalesce(Subquery(counts), 0)
    )


def _renumber_thread(thread_id: int) -> None:
    """Number a thread's posts 1..N by (created_at, pk); set `last_position` to N.

    The unique (thread, position) constraint is checked row by row, so the
    posts are first shifted above every current position, then given their
    final numbers, which are all below the shifted ones.
    """
    posts = list(
        Post.objects.filter(thread_id=thread_id)
        .order_by("created_at", "pk")
        .only("pk", "position")
    )
    if not posts:
        return
    top = max(post.position for post in posts)
    Post.objects.filter(thread_id=thread_id).update(position=F("position") + top)
    for number, post in enumerate(posts, start=1):
        post.position = number
    Post.objects.bulk_update(posts, ["position"], batch_size=500)
    Thread.objects.filter(pk=thread_id).update(
        last_position=len(posts), created_at=posts[0].created_at
    )
