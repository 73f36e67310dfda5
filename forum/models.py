from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse

from .querysets import CategoryQuerySet, PostQuerySet, ThreadQuerySet


class Category(models.Model):
    """A board section. Counters and `last_post` are kept by `forum.actions`."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, max_length=1000)
    position = models.PositiveIntegerField(default=0)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        limit_choices_to={"parent": None},
    )
    thread_count = models.PositiveIntegerField(default=0, editable=False)
    post_count = models.PositiveIntegerField(default=0, editable=False)
    last_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("forum:category_detail", kwargs={"slug": self.slug})


class Thread(models.Model):
    """A topic: a title and its posts, numbered 1..N by `Post.position`."""

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="threads"
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, allow_unicode=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="threads"
    )
    created_at = models.DateTimeField()
    last_post_at = models.DateTimeField()
    last_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post_count = models.PositiveIntegerField(default=0, editable=False)
    # The highest position handed out; positions are never reused, so pages
    # are counted from this, not from post_count.
    last_position = models.PositiveIntegerField(default=0, editable=False)
    is_pinned = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        indexes = [
            # The category page: pinned first, then by last activity.
            models.Index(
                "category",
                models.F("is_pinned").desc(),
                models.F("last_post_at").desc(),
                name="thread_category_listing",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse(
            "forum:thread_detail", kwargs={"pk": self.pk, "slug": self.slug or "-"}
        )

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)

    @property
    def page_count(self) -> int:
        return max(1, -(-self.last_position // settings.POSTS_PER_PAGE))


class Post(models.Model):
    """One message in a thread; `body_html` is rendered once, when written."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    position = models.PositiveIntegerField()
    body_source = models.TextField()
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_reason = models.CharField(max_length=500, blank=True)
    is_recommended = models.BooleanField(default=False)
    # PostgreSQL's full-text index (see forum.search); stays NULL on SQLite, which
    # keeps its index in the FTS5 table forum_post_fts instead.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["thread", "position"], name="post_unique_thread_position"
            ),
        ]
        indexes = [
            # The profile page: a member's latest posts.
            models.Index(
                "author", models.F("created_at").desc(), name="post_author_latest"
            ),
            # The thread page's "Recommended Posts".
            models.Index(
                fields=["thread", "position"],
                condition=models.Q(is_recommended=True),
                name="post_recommended",
            ),
        ]

    def __str__(self):
        return f"#{self.position} in {self.thread_id}"

    def get_absolute_url(self):
        return reverse("forum:post_permalink", kwargs={"pk": self.pk})

    @property
    def page_number(self) -> int:
        """The thread page that shows this post."""
        return (self.position - 1) // settings.POSTS_PER_PAGE + 1


class PostRevision(models.Model):
    """The text a post had before an edit, with who edited it and when."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body_source = models.TextField()
    body_html = models.TextField()
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["post", "-created_at"], name="revision_post")]

    def __str__(self):
        return f"Revision of post {self.post_id} at {self.created_at:%Y-%m-%d %H:%M}"
