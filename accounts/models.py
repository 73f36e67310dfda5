from allauth.core import context as allauth_context
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from .sessions import MemberSession, end_other_sessions

__all__ = ["MemberSession", "User"]


class User(AbstractUser):
    """A member of the forum. Counters are kept by `forum.actions`, never here."""

    display_name = models.CharField(
        max_length=50,
        blank=True,
        help_text="Shown instead of the username when set.",
    )
    bio = models.TextField(blank=True, max_length=2000)
    # `bio` rendered and cleaned by forum.markup when it is saved; pages show this.
    bio_html = models.TextField(blank=True, editable=False)
    # A 128x128 WebP written by accounts.actions.update_profile, served by the
    # accounts:avatar view.
    avatar = models.ImageField(upload_to="avatars/", blank=True, editable=False)
    post_count = models.PositiveIntegerField(default=0, editable=False)
    # A suspension: set by forum.actions.suspend_user, cleared by
    # lift_suspension. No end date is a permanent ban.
    suspended_at = models.DateTimeField(null=True, blank=True, editable=False)
    suspended_until = models.DateTimeField(null=True, blank=True, editable=False)
    suspension_reason = models.CharField(max_length=500, blank=True, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        """Save; a new password (`set_password`, wherever it is called: the site,
        the admin, `changepassword`, the shell) ends the member's other sessions
        once committed, so an old browser is signed out at once."""
        password_changed = self._password is not None
        super().save(*args, **kwargs)
        if password_changed:
            transaction.on_commit(self._end_other_sessions)

    def _end_other_sessions(self) -> None:
        # The request changing it, if any, keeps its session (read now: the
        # password change may have given it a new key).
        session = getattr(allauth_context.request, "session", None)
        end_other_sessions(self.pk, keep=getattr(session, "session_key", None))

    def get_absolute_url(self):
        return reverse("accounts:profile", kwargs={"username": self.username})

    @property
    def avatar_url(self) -> str:
        """Where the avatar is served (accounts:avatar), or "" without one."""
        if not self.avatar:
            return ""
        return reverse(
            "accounts:avatar", kwargs={"name": self.avatar.name.rpartition("/")[2]}
        )

    @property
    def name(self) -> str:
        """The name shown on pages: the display name, else the username."""
        return self.display_name or self.username

    @property
    def initials(self) -> str:
        """Up to two letters for the generated avatar."""
        words = [word for word in self.name.split() if word[0].isalnum()]
        if len(words) >= 2:
            return (words[0][0] + words[1][0]).upper()
        return (words[0] if words else self.username)[:2].upper()

    @property
    def is_suspended(self) -> bool:
        """Suspended now: banned for good, or until a time still to come."""
        if self.suspended_at is None:
            return False
        return self.suspended_until is None or self.suspended_until > timezone.now()

    @property
    def is_banned(self) -> bool:
        """Suspended with no end date."""
        return self.suspended_at is not None and self.suspended_until is None


class OutgoingMail(models.Model):
    """One mail to send, written in the transaction that wanted it sent.

    accounts/mail.py sends it from the task worker and says what is
    guaranteed; the row is what makes a send idempotent and never lost.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed for good"

    # Unique: queueing the same key twice queues one mail.
    key = models.CharField(max_length=200, unique=True)
    subject = models.TextField()
    # Emptied once sent: bodies carry confirmation and password-reset links.
    body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    from_email = models.TextField()
    to = models.JSONField()
    headers = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the next attempt is due (now, or after a failure's back-off).
    due_at = models.DateTimeField(default=timezone.now)
    # When a worker took it to send: a lease that a dead worker lets expire.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self):
        return f"{self.subject} to {', '.join(self.to)} ({self.status})"
