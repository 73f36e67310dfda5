"""Mail leaves the request: rendered there, stored as a row, sent by a task worker.

`queue_mail(message)` writes an `OutgoingMail` row (JSON only: subject, bodies,
from, to, headers) in the caller's transaction and, once that commits, enqueues
`send_queued_mail(row id)` through django.tasks: the database worker (`manage.py
db_worker`) in production and in `make run`, the immediate backend in tests. The
task takes the id and re-reads the row.

What is guaranteed:

- Nothing is sent for a write that rolls back: the row and the enqueue are tied to
  the commit.
- Never lost. If the process dies between the commit and the enqueue, or a worker
  dies while sending, the row stays `pending` or `sending`; `recover_stale_mail`
  (the `send_pending_mail` command, run by `make run` and by a timer in production,
  docs/deploy.md) enqueues it again once it has been due, or claimed, for
  `STALE_AFTER`. A failed send is retried after each of `RETRY_DELAYS` (the task
  re-enqueued with `run_after`); after `MAX_ATTEMPTS` the row stays `failed`, with
  its error, logged at ERROR.
- Sent once, with one exception. A worker claims the row (status `sending`, the
  attempt counted, `claimed_at` set) in a transaction that locks it (`SELECT ... FOR
  UPDATE` on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers), so two
  workers, or a duplicate task, never both send it, and a sent row is skipped. The
  exception: a worker killed after the mail server accepted the message and before
  the row is marked sent leaves it `sending`, and it is sent once more when the claim
  is stale, with the same Message-ID (so mail clients can fold the two). That window
  is one UPDATE: the row is marked sent straight after the server's reply, before
  the SMTP connection is closed. A kill at any other moment sends the mail exactly
  once.
- A live worker's claim is never taken over: `STALE_AFTER` (5 minutes) is far longer
  than one send can take (each SMTP step times out after 20 s, config/settings.py).
"""

import contextlib
import logging
from datetime import timedelta
from email.utils import make_msgid
from functools import partial

from django.core.mail import EmailMessage, EmailMultiAlternatives, mailers
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from .models import OutgoingMail

logger = logging.getLogger(__name__)

# The wait before each retry; the attempt after the last one is the final one.
RETRY_DELAYS = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
STALE_AFTER = timedelta(minutes=5)
# Sent rows (their bodies already emptied) are kept this long, then deleted.
KEEP_SENT = timedelta(days=30)

Status = OutgoingMail.Status


def queue_mail(message: EmailMessage, *, key: str | None = None) -> OutgoingMail:
    """Store `message` and send it from the worker once the transaction commits.

    With a `key`, queueing the same key again queues nothing and returns the first
    row (a notification names its event and recipient); without one, each call is
    a new mail. Only what allauth renders is stored: a plain body, an HTML
    alternative, To and extra headers; anything else is refused.
    """
    if message.attachments or message.cc or message.bcc or message.reply_to:
        raise ValueError("queue_mail stores no attachments, Cc, Bcc or Reply-To")
    body, html_body = message.body, ""
    if message.content_subtype == "html":  # allauth's HTML-only mails
        body, html_body = "", message.body
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype != "text/html":
            raise ValueError(f"queue_mail stores no {mimetype} alternative")
        html_body = content
    # Fixed now, so that a resend (see the module) carries the same Message-ID.
    headers = {"Message-ID": make_msgid(domain=str(DNS_NAME)), **message.extra_headers}
    mail, created = OutgoingMail.objects.get_or_create(
        key=key or headers["Message-ID"],
        defaults={
            "subject": message.subject,
            "body": body,
            "html_body": html_body,
            "from_email": message.from_email,
            "to": list(message.to),
            "headers": headers,
        },
    )
    if created:
        # robust: a failed enqueue must not turn a committed request into an
        # error page; the row is recovered by send_pending_mail.
        transaction.on_commit(partial(_enqueue, mail.pk), robust=True)
    return mail


def _enqueue(mail_id: int, run_after=None) -> None:
    """Enqueue the task for one row, not before `run_after` when given."""
    queued = send_queued_mail
    if run_after is not None:
        queued = queued.using(run_after=run_after)
    queued.enqueue(mail_id)


@task()
def send_queued_mail(mail_id: int) -> str:
    """Send one stored mail unless it is sent, failed or claimed by a live worker.

    Returns what happened ("sent", "skipped", "retry", "failed"): the task result
    shows it. See the module docstring for the guarantees.
    """
    mail = _claim(mail_id)
    if mail is None:
        return "skipped"
    connection = mailers.default
    try:
        message = _message(mail)
        connection.open()
        connection.send_messages([message])
    except Exception as error:
        with contextlib.suppress(Exception):  # the failure to report is `error`
            connection.close()
        return _failed(mail, error)
    # First thing after the server accepted it: a kill before this UPDATE is the
    # one way to a second copy.
    OutgoingMail.objects.filter(pk=mail.pk).update(
        status=Status.SENT, sent_at=timezone.now(), body="", html_body=""
    )
    with contextlib.suppress(Exception):  # sent and marked; QUIT may fail harmlessly
        connection.close()
    return "sent"


def _claim(mail_id: int) -> OutgoingMail | None:
    """Take the row for this worker, or None when it is not to be sent now."""
    now = timezone.now()
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().filter(pk=mail_id).first()
        if mail is None or not (
            mail.status == Status.PENDING
            or (mail.status == Status.SENDING and mail.claimed_at <= now - STALE_AFTER)
        ):
            return None
        if mail.attempts >= MAX_ATTEMPTS:
            # Every attempt died with its worker (the mail kills it?): give up.
            mail.status = Status.FAILED
            mail.last_error = f"the worker stopped during all {mail.attempts} attempts"
            mail.save(update_fields=["status", "last_error"])
            logger.error(
                "Mail %s (%s) not sent: %s", mail.pk, mail.subject, mail.last_error
            )
            return None
        mail.status = Status.SENDING
        mail.claimed_at = now
        mail.attempts += 1
        mail.save(update_fields=["status", "claimed_at", "attempts"])
    return mail


def _message(mail: OutgoingMail) -> EmailMessage:
    """The message as it was rendered in the request."""
    if not mail.body:
        message = EmailMessage(
            mail.subject, mail.html_body, mail.from_email, mail.to, headers=mail.headers
        )
        message.content_subtype = "html"
        return message
    message = EmailMultiAlternatives(
        mail.subject, mail.body, mail.from_email, mail.to, headers=mail.headers
    )
    if mail.html_body:
        message.attach_alternative(mail.html_body, "text/html")
    return message


def _failed(mail: OutgoingMail, error: Exception) -> str:
    """Schedule the next attempt with back-off, or give up after the last one."""
    last_error = f"{type(error).__name__}: {error}"[:2000]
    # Only while the claim is still ours: had this send outlived STALE_AFTER, the
    # row may since have been taken back and sent.
    claim = OutgoingMail.objects.filter(
        pk=mail.pk, status=Status.SENDING, claimed_at=mail.claimed_at
    )
    if mail.attempts >= MAX_ATTEMPTS:
        if not claim.update(status=Status.FAILED, last_error=last_error):
            return "skipped"
        logger.error(
            "Mail %s (%s) not sent after %d attempts: %s",
            mail.pk,
            mail.subject,
            mail.attempts,
            last_error,
        )
        return "failed"
    due_at = timezone.now() + RETRY_DELAYS[mail.attempts - 1]
    if not claim.update(status=Status.PENDING, due_at=due_at, last_error=last_error):
        return "skipped"
    logger.warning(
        "Mail %s (%s) failed, attempt %d of %d; next at %s: %s",
        mail.pk,
        mail.subject,
        mail.attempts,
        MAX_ATTEMPTS,
        due_at.isoformat(),
        last_error,
    )
    # A backend that cannot defer (the immediate one of the tests) leaves the
    # retry to recover_stale_mail.
    if send_queued_mail.get_backend().supports_defer:
        transaction.on_commit(partial(_enqueue, mail.pk, due_at), robust=True)
    return "retry"


def recover_stale_mail(stale_after: timedelta = STALE_AFTER) -> int:
    """Enqueue again each mail whose task seems lost; return how many.

    Lost: `pending` and due for `stale_after` (the enqueue after commit never
    happened, or its task died before claiming), or `sending` and claimed that long
    ago (its worker died). Each row is taken back with one conditional UPDATE, so
    two runs at once enqueue it once. Also deletes sent rows older than KEEP_SENT.
    """
    now = timezone.now()
    cutoff = now - stale_after
    stale = Q(status=Status.PENDING, due_at__lte=cutoff) | Q(
        status=Status.SENDING, claimed_at__lte=cutoff
    )
    recovered = 0
    for mail_id in list(
        OutgoingMail.objects.filter(stale).values_list("pk", flat=True)
    ):
        taken = OutgoingMail.objects.filter(stale, pk=mail_id).update(
            status=Status.PENDING, due_at=now
        )
        if taken:
            _enqueue(mail_id)
            recovered += 1
    OutgoingMail.objects.filter(
        status=Status.SENT, sent_at__lt=now - KEEP_SENT
    ).delete()
    return recovered
