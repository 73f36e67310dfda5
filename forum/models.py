from typing import NamedTuple

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

from .markup import MarkupTooLarge, render_markdown
from .permissions import PUBLIC_POST, PUBLIC_THREAD, matches
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
        return matches(self, [PUBLIC_THREAD])


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
        return matches(self, [PUBLIC_POST])


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


class Verb(NamedTuple):
    """How a moderation verb with a one-step tool is offered on the pages and in
    the admin (see `ModerationLogEntry.Action`).

    A verb with a tool has an action `forum.actions.TOOLS[verb]` called as
    `action(thread=|post=, actor=, reason=)`. `heading`, `button` and `done`
    are its confirmation page's heading, button and success message; `then`
    where a post's page goes afterwards ("post", "thread" or "queue"). `flag`
    is the (field, value) the verb sets; with `one_click`, the pages offer it as
    a button where the flag does not have that value yet. `past` ("pinned")
    names it in the admin, which offers it when `admin` is set.
    """

    heading: str = ""
    button: str = ""
    done: str = ""
    past: str = ""
    then: str = "post"
    flag: tuple[str, bool] | None = None
    one_click: bool = False
    admin: bool = False


class ModerationAction(models.TextChoices):
    """The moderation verbs: the one registry (`ModerationLogEntry.Action`).

    The value is stored in the log and shown on its page; the label names the
    verb in the admin. The confirmation pages, the one-click tools, the admin actions
    and the log's filter are derived from this list, so a new verb is a member
    here, its action (registered with `forum.actions.tool`) and its link or
    button in a template.
    """

    def __new__(cls, value, verb=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member.verb = verb
        return member

    @property
    def target(self) -> str:
        """What the verb acts on: "thread", "post", "report" or "user"."""
        return self.value.split(".")[0]

    @property
    def operation(self) -> str:
        """The verb's name in its tool's URL ("pin" for "thread.pin")."""
        return self.value.split(".")[1]

    @classmethod
    def tools(cls, target: str) -> list["ModerationAction"]:
        """The verbs on `target` that have a one-step tool, in registry order."""
        return [a for a in cls if a.verb is not None and a.target == target]

    THREAD_PIN = (
        "thread.pin",
        Verb(
            heading="Pin this thread",
            button="Pin",
            done="The thread is pinned.",
            past="pinned",
            flag=("is_pinned", True),
            one_click=True,
            admin=True,
        ),
        "Pin thread",
    )
    THREAD_UNPIN = (
        "thread.unpin",
        Verb(
            heading="Unpin this thread",
            button="Unpin",
            done="Unpinned.",
            past="unpinned",
            flag=("is_pinned", False),
            one_click=True,
            admin=True,
        ),
        "Unpin thread",
    )
    THREAD_LOCK = (
        "thread.lock",
        Verb(
            heading="Lock this thread",
            button="Lock",
            done="The thread is locked.",
            past="locked",
            flag=("is_locked", True),
            one_click=True,
            admin=True,
        ),
        "Lock thread",
    )
    THREAD_UNLOCK = (
        "thread.unlock",
        Verb(
            heading="Unlock this thread",
            button="Unlock",
            done="Unlocked.",
            past="unlocked",
            flag=("is_locked", False),
            one_click=True,
            admin=True,
        ),
        "Unlock thread",
    )
    THREAD_HIDE = (
        "thread.hide",
        Verb(
            heading="Hide this thread",
            button="Hide the thread",
            done="The thread is hidden: only moderators see it.",
            past="hidden",
            flag=("is_hidden", True),
            admin=True,
        ),
        "Hide thread",
    )
    THREAD_UNHIDE = (
        "thread.unhide",
        Verb(
            heading="Show this thread again",
            button="Show the thread",
            done="The thread is visible again.",
            past="shown again",
            flag=("is_hidden", False),
            admin=True,
        ),
        "Show thread again",
    )
    THREAD_RENAME = "thread.rename", "Rename thread"
    THREAD_MOVE = "thread.move", "Move thread"
    THREAD_MERGE = "thread.merge", "Merge threads"
    THREAD_SPLIT = "thread.split", "Split thread"
    POST_HIDE = (
        "post.hide",
        Verb(
            heading="Hide this post",
            button="Hide",
            done="The post is hidden.",
            past="hidden",
            admin=True,
        ),
        "Hide post",
    )
    POST_RESTORE = (
        "post.restore",
        Verb(
            heading="Restore this post",
            button="Restore",
            done="Restored.",
            past="restored",
            admin=True,
        ),
        "Restore post",
    )
    POST_DELETE = (
        "post.delete",
        Verb(
            heading="Delete this post for good",
            button="Delete for good",
            done="The post is deleted.",
            then="thread",
        ),
        "Delete post",
    )
    POST_EDIT = "post.edit", "Edit post"
    POST_RECOMMEND = (
        "post.recommend",
        Verb(
            heading="Recommend this post",
            button="Recommend",
            done="The post is recommended.",
            flag=("is_recommended", True),
            one_click=True,
        ),
        "Recommend post",
    )
    POST_UNRECOMMEND = (
        "post.unrecommend",
        Verb(
            heading="Stop recommending this post",
            button="Stop recommending",
            done="The post is no longer recommended.",
            flag=("is_recommended", False),
            one_click=True,
        ),
        "Stop recommending post",
    )
    POST_APPROVE = (
        "post.approve",
        Verb(
            heading="Approve this post",
            button="Approve",
            done="Approved.",
            past="approved",
            then="queue",
            admin=True,
        ),
        "Approve post",
    )
    POST_REJECT = (
        "post.reject",
        Verb(
            heading="Reject this post",
            button="Reject and delete",
            done="The post is rejected.",
            then="queue",
        ),
        "Reject post",
    )
    REPORT_RESOLVE = "report.resolve", "Resolve report"
    REPORT_DISMISS = "report.dismiss", "Dismiss report"
    USER_SUSPEND = "user.suspend", "Suspend member"
    USER_BAN = "user.ban", "Ban member"
    USER_UNSUSPEND = "user.unsuspend", "Lift suspension"
    USER_HIDE_POSTS = "user.hide_posts", "Hide all posts of member"
    USER_CLEAR_PROFILE = (
        "user.clear_profile",
        Verb(
            heading="Clear this member's profile",
            button="Clear the profile",
            done="The profile is cleared.",
            past="with their profile cleared",
            admin=True,
        ),
        "Clear member's profile",
    )


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
    Action = ModerationAction
    action = models.CharField(max_length=40, choices=Action.choices)
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
