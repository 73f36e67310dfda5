"""Named reads. Each page is one chain of these, so its query count is fixed."""

from django.db import models

from .permissions import can_see_hidden


class CategoryQuerySet(models.QuerySet):
    def with_last_post(self):
        """Join the last post, its thread and author for the board index."""
        return self.select_related("parent", "last_post__thread", "last_post__author")


class ThreadQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Threads the user may read: hidden ones only for staff."""
        if can_see_hidden(user):
            return self
        return self.filter(is_hidden=False)

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
        """Posts the user may read: hidden posts and threads only for staff."""
        if can_see_hidden(user):
            return self
        return self.filter(is_hidden=False, thread__is_hidden=False)

    def on_page(self, thread, page: int, per_page: int):
        """Posts of one thread page, picked by position range on the unique index.

        Page 500 costs what page 1 costs: no OFFSET.
        """
        first = (page - 1) * per_page + 1
        return self.filter(
            thread=thread, position__range=(first, first + per_page - 1)
        ).order_by("position")

    def recommended_in(self, thread):
        return self.filter(thread=thread, is_recommended=True).order_by("position")

    def by_author(self, author):
        return self.filter(author=author).order_by("-created_at")

    def with_author(self):
        return self.select_related("author")

    def with_thread(self):
        return self.select_related("thread", "thread__category")
