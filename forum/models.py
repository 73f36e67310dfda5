from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

from .markup import MarkupTooLarge, render_markdown
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
    # Category moderators moderate this category only (not its subcategories);
    # global moderators (the "Global moderators" group) and staff moderate all.
    moderators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="moderated_categories"
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
    # False while the opening post waits in the approval queue.
    is_approved = models.BooleanField(default=True)

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

    @property
    def is_public(self) -> bool:
        """Shown to everyone: neither hidden nor awaiting approval."""
        return self.is_approved and not self.is_hidden


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
    # False while the post waits in the approval queue: seen by its author and
    # moderators only, and left out of every counter.
    is_approved = models.BooleanField(default=True)
    # The address the post was sent from, for moderators (REMOTE_ADDR).
    ip_address = models.GenericIPAddressField(null=True, blank=True, editable=False)
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
            # The approval queue: only the few posts waiting are indexed.
            models.Index(
                fields=["created_at"],
                condition=models.Q(is_approved=False),
                name="post_awaiting_approval",
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

    @property
    def is_public(self) -> bool:
        """Shown to everyone: neither hidden nor awaiting approval."""
        return self.is_approved and not self.is_hidden


class PostRevision(models.Model):
    """The text a post had before an edit, with who edited it and when.

    Only the Markdown source is stored (an edit of a long post once stored
    megabytes of HTML); `body_html` renders it when the history is shown.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body_source = models.TextField()
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["post", "-created_at"], name="revision_post")]

    def __str__(self):
        return f"Revision of post {self.post_id} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def body_html(self) -> str:
        """This version's clean HTML, rendered from its source (a bounded
        render: see forum.markup). A source written before the bounds, that
        they now refuse, is shown as escaped text."""
        try:
            return render_markdown(self.body_source)
        except MarkupTooLarge:
            return format_html("<pre>{}</pre>", self.body_source)


class Report(models.Model):
    """A member's report of a post to the moderators.

    One open report per member and post; moderators close it as resolved (the
    post was dealt with) or dismissed (nothing to do), with a note.
    """

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        ABUSE = "abuse", "Abusive or harassing"
        OFF_TOPIC = "off_topic", "Off topic"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(max_length=20, choices=Reason)
    text = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=models.Q(status="open"),
                name="report_one_open_per_member_and_post",
            ),
        ]
        indexes = [
            # The queue and the header count: open reports, oldest first.
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="open"),
                name="report_open",
            ),
        ]

    def __str__(self):
        return f"Report {self.pk} on post {self.post_id}"


class ModerationLogEntry(models.Model):
    """One moderation action: who did what to which target, why, and when.

    Written by `forum.actions` in the same transaction as the change. The
    target is kept as links (which may be emptied when the target is deleted)
    and as `target_repr`, a description frozen at the time of the action.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=40)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    target_repr = models.CharField(max_length=300)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "moderation log entries"
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="modlog_latest"),
            models.Index(fields=["action", "-created_at"], name="modlog_action"),
            models.Index(fields=["actor", "-created_at"], name="modlog_actor"),
            models.Index(
                fields=["target_user", "-created_at"], name="modlog_target_user"
            ),
        ]

    def __str__(self):
        return f"{self.action} {self.target_repr}"
