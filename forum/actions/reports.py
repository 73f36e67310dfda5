"""Reports: members flag posts, moderators close them."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import permissions
from ..models import (
    Post,
    Report,
)
from .log import _log_post, _require_moderator

User = get_user_model()


@transaction.atomic
def create_report(*, post: Post, reporter: User, reason: str, text: str = "") -> Report:
    """Report a post to its moderators; one open report per member and post.

    Raises PermissionDenied when the member may not report (unverified,
    suspended, own post) and ValidationError for a second open report.
    """
    if refusal := permissions.why_not_report(reporter, post):
        raise PermissionDenied(refusal)
    already = ValidationError("You have already reported this post.")
    if Report.objects.filter(
        post=post, reporter=reporter, status=Report.Status.OPEN
    ).exists():
        raise already
    try:
        # A savepoint: a concurrent double submit trips the unique constraint.
        with transaction.atomic():
            return Report.objects.create(
                post=post,
                reporter=reporter,
                reason=reason,
                text=text,
                created_at=timezone.now(),
            )
    except IntegrityError:
        raise already from None


@transaction.atomic
def close_reports(*, report: Report, actor: User, status: str, note: str = "") -> int:
    """Close the open reports of a report's post as resolved or dismissed.

    All open reports of the same post are closed together: the decision is
    about the post. Logs "report.resolve" or "report.dismiss" once; returns how
    many reports were closed. Raises PermissionDenied unless the actor
    moderates the post's category, ValidationError when the report is closed.
    """
    post = Post.objects.select_related("thread").get(pk=report.post_id)
    _require_moderator(actor, post.thread.category_id)
    if status not in {Report.Status.RESOLVED, Report.Status.DISMISSED}:
        raise ValueError(status)
    open_reports = Report.objects.select_for_update().filter(
        post=post, status=Report.Status.OPEN
    )
    if not open_reports.filter(pk=report.pk).exists():
        raise ValidationError("This report is already closed.")
    closed = open_reports.update(
        status=status, closed_by=actor, closed_at=timezone.now(), note=note
    )
    action = "report.resolve" if status == Report.Status.RESOLVED else "report.dismiss"
    _log_post(actor, action, post, note)
    return closed


def resolve_report(*, report: Report, actor: User, note: str = "") -> int:
    """The post was dealt with ("report.resolve")."""
    return close_reports(
        report=report, actor=actor, status=Report.Status.RESOLVED, note=note
    )


def dismiss_report(*, report: Report, actor: User, note: str = "") -> int:
    """Nothing to do ("report.dismiss")."""
    return close_reports(
        report=report, actor=actor, status=Report.Status.DISMISSED, note=note
    )
