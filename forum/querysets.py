"""Named reads. Each page is one chain of these, so its query count is fixed."""

from django.db import models

from . import permissions
from .permissions import EVERY_CATEGORY


class CategoryQuerySet(models.QuerySet):
    def with_last_post(self):
        """Join the last post, its thread and author for the board index."""
        return self.select_related("parent", "last_post__thread", "last_post__author")


class ThreadQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Threads the user may read (`permissions.thread_visibility`)."""
        rule = permissions.thread_visibility(user)
        return self if rule is None else self.filter(permissions.visibility_q(rule))

    def for_category(self, category):
        return self.filter(category=category)

    def in_listing_order(self):
        """Pinned first, then by last activity (the category page's index)."""
        return self.order_by("-is_pinned", "-last_post_at", "-pk")

    def with_list_data(self):
        """Join what a thread list row shows: author and last post's author."""
        return self.select_related("author", "last_post__author")


class PostQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Posts the user may read (`permissions.post_visibility`). Other
        members never see a hidden post, not even a placeholder."""
        rule = permissions.post_visibility(user)
        return self if rule is None else self.filter(permissions.visibility_q(rule))

    def visible_in_thread(self, thread, user):
        """Posts of `thread`, a thread the user may see, that the user may read.

        The same rules as `visible_to`, on the post's own columns only
        (`permissions.post_in_thread_visibility`): the caller has checked the
        thread (`ThreadQuerySet.visible_to`), so a thread page stays a range
        scan on (thread, position) for every reader, with no join and no OR
        across tables for the planner to get wrong.
        """
        posts = self.filter(thread=thread)
        rule = permissions.post_in_thread_visibility(user, thread)
        return posts if rule is None else posts.filter(permissions.visibility_q(rule))

    def visible(self):
        """Posts that count: approved and not hidden (whatever their thread)."""
        return self.filter(is_hidden=False, is_approved=True)

    def on_page(self, thread, page: int, per_page: int):
        """Posts of one thread page, picked by position range on the unique index.

        Page 500 costs what page 1 costs: no OFFSET.
        """
        first = (page - 1) * per_page + 1
        return self.filter(
            thread=thread, position__range=(first, first + per_page - 1)
        ).order_by("position")

    def recommended_in(self, thread):
        return self.filter(
            thread=thread, is_recommended=True, is_hidden=False, is_approved=True
        ).order_by("position")

    def by_author(self, author):
        return self.filter(author=author).order_by("-created_at")

    def awaiting_approval(self):
        """Posts in the approval queue, oldest first."""
        return self.filter(is_approved=False).order_by("created_at", "pk")

    def in_categories(self, scope):
        """Posts of the given category ids (or EVERY_CATEGORY)."""
        if scope is EVERY_CATEGORY:
            return self
        return self.filter(thread__category_id__in=scope)

    def with_author(self):
        return self.select_related("author")

    def with_thread(self):
        return self.select_related("thread", "thread__category")
