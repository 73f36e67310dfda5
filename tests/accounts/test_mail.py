"""Account mail leaves the request: stored on commit, sent by the task worker
(accounts/mail.py), retried with back-off, never lost, sent once after a kill."""

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from accounts.mail import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    STALE_AFTER,
    queue_mail,
    recover_stale_mail,
    send_queued_mail,
)
from accounts.models import OutgoingMail
from tests.accounts.test_auth import signup_data

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
FAILING = {"default": {"BACKEND": "tests.accounts.mail_backends.FailingBackend"}}


def a_message(to="someone@example.com"):
    message = EmailMultiAlternatives("Hello", "Plain body", "forum@localhost", [to])
    message.attach_alternative("<p>HTML body</p>", "text/html")
    return message


@pytest.fixture(autouse=True)
def _keep_the_test_transaction(monkeypatch):
    """The worker loop closes connections that are not in autocommit, which the
    test's own transaction never is (Django's test client skips it likewise)."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def run_worker():
    """The real db_worker loop, in this process, until no task is ready."""
    db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def test_signup_mail_is_stored_and_sent_after_commit(client, db, mailoutbox):
    """The confirmation goes through a row: sent, marked, its body emptied."""
    client.post(reverse("account_signup"), signup_data())

    (message,) = mailoutbox
    row = OutgoingMail.objects.get()
    assert row.to == ["newcomer@example.com"] == message.to
    assert row.status == OutgoingMail.Status.SENT
    assert row.attempts == 1 and row.sent_at is not None
    assert row.body == "" and row.html_body == ""
    assert message.extra_headers["Message-ID"] == row.key
    assert "/accounts/confirm-email/" in message.body


def test_signup_mail_is_not_sent_in_the_request(client, db, mailoutbox, settings):
    """With the database backend the request only enqueues; the worker sends."""
    settings.TASKS = DATABASE_BACKEND
    client.post(reverse("account_signup"), signup_data())

    assert mailoutbox == []
    row = OutgoingMail.objects.get()
    assert row.status == OutgoingMail.Status.PENDING
    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "accounts.mail.send_queued_mail"
    assert task.args_kwargs == {"args": [row.pk], "kwargs": {}}

    run_worker()

    assert [message.to for message in mailoutbox] == [["newcomer@example.com"]]
    assert "/accounts/confirm-email/" in mailoutbox[0].body
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.SENT


def test_a_rolled_back_write_sends_nothing(db, committed, mailoutbox):
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        queue_mail(a_message())
        raise RuntimeError("the sign-up failed")

    assert OutgoingMail.objects.count() == 0
    assert mailoutbox == []


def test_the_message_is_sent_as_rendered(db, committed, mailoutbox):
    with committed():
        queue_mail(a_message())

    (message,) = mailoutbox
    assert (message.subject, message.body, message.from_email) == (
        "Hello",
        "Plain body",
        "forum@localhost",
    )
    assert message.alternatives[0].content == "<p>HTML body</p>"


def test_the_same_key_queues_one_mail(db, committed, mailoutbox):
    with committed():
        first = queue_mail(a_message(), key="reply:1:2")
        second = queue_mail(a_message(), key="reply:1:2")

    assert first.pk == second.pk
    assert len(mailoutbox) == 1


def test_a_sent_mail_is_not_sent_again(db, committed, mailoutbox):
    with committed():
        row = queue_mail(a_message())

    assert send_queued_mail.call(row.pk) == "skipped"
    assert recover_stale_mail(timedelta(0)) == 0
    assert len(mailoutbox) == 1


def test_a_failed_send_is_retried_with_back_off(db, committed, mailoutbox, settings):
    """The SMTP server hangs up: the row waits, the task is deferred, then sent."""
    settings.TASKS = DATABASE_BACKEND
    settings.MAILERS = FAILING
    with committed():
        row = queue_mail(a_message())
    before = timezone.now()
    with committed():  # the worker runs outside a transaction
        run_worker()

    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutgoingMail.Status.PENDING, 1)
    assert "SMTPServerDisconnected" in row.last_error
    assert row.due_at >= before + RETRY_DELAYS[0]
    assert not DBTaskResult.objects.ready().exists()  # deferred: not ready yet
    (deferred,) = DBTaskResult.objects.filter(status="READY")
    assert deferred.run_after == row.due_at

    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    }
    DBTaskResult.objects.filter(pk=deferred.pk).update(run_after=timezone.now())
    run_worker()

    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutgoingMail.Status.SENT, 2)
    assert len(mailoutbox) == 1


def test_after_the_last_attempt_the_mail_stays_failed_and_is_logged(
    db, committed, mailoutbox, settings, caplog
):
    """Never lost silently: the row keeps its body and error; ERROR in the log."""
    settings.MAILERS = FAILING
    with committed():
        row = queue_mail(a_message())
    for _ in range(MAX_ATTEMPTS - 1):  # the immediate backend cannot defer
        OutgoingMail.objects.update(due_at=timezone.now() - timedelta(seconds=1))
        assert recover_stale_mail(timedelta(0)) == 1

    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutgoingMail.Status.FAILED, MAX_ATTEMPTS)
    assert row.body == "Plain body"
    assert "SMTPServerDisconnected" in row.last_error
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert f"after {MAX_ATTEMPTS} attempts" in errors[0].getMessage()
    assert recover_stale_mail(timedelta(0)) == 0


def test_a_failure_after_the_claim_was_taken_over_leaves_the_row(
    db, committed, mailoutbox, settings
):
    """A send that outlived its claim does not reopen a mail sent meanwhile."""
    settings.MAILERS = {
        "default": {"BACKEND": "tests.accounts.mail_backends.TakenOverBackend"}
    }
    with committed():
        row = queue_mail(a_message())

    row.refresh_from_db()
    assert (row.status, row.last_error) == (OutgoingMail.Status.SENT, "")


def test_a_live_workers_claim_is_left_alone_and_a_dead_ones_taken_back(
    db, committed, mailoutbox, settings
):
    settings.TASKS = DATABASE_BACKEND
    with committed():
        row = queue_mail(a_message())
    OutgoingMail.objects.filter(pk=row.pk).update(
        status=OutgoingMail.Status.SENDING, claimed_at=timezone.now(), attempts=1
    )
    DBTaskResult.objects.all().delete()

    assert recover_stale_mail() == 0
    assert send_queued_mail.call(row.pk) == "skipped"

    OutgoingMail.objects.filter(pk=row.pk).update(
        claimed_at=timezone.now() - STALE_AFTER
    )
    call_command("send_pending_mail", verbosity=0)
    run_worker()

    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutgoingMail.Status.SENT, 2)
    assert len(mailoutbox) == 1


def test_a_mail_whose_worker_always_dies_ends_failed(db, committed, settings, caplog):
    settings.TASKS = DATABASE_BACKEND
    with committed():
        row = queue_mail(a_message())
    OutgoingMail.objects.filter(pk=row.pk).update(
        status=OutgoingMail.Status.SENDING,
        claimed_at=timezone.now() - STALE_AFTER,
        attempts=MAX_ATTEMPTS,
    )
    call_command("send_pending_mail", verbosity=0)
    run_worker()

    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.FAILED
    assert "stopped during all" in row.last_error
    assert any(r.levelno == logging.ERROR for r in caplog.records)


# A real db_worker process against the test database (PostgreSQL: the SQLite test
# database lives in this process's memory). CI's PostgreSQL run executes these.


@pytest.fixture
def worker_environment(transactional_db, settings, tmp_path):
    """The environment of a worker process on the test database, mail to files."""
    if connection.vendor != "postgresql":
        message = "a worker process needs the test database on PostgreSQL"
        if os.environ.get("REQUIRE_DATABASE_VENDOR") == "postgresql":
            pytest.fail(message)
        pytest.skip(message)
    settings.TASKS = DATABASE_BACKEND
    database = django_settings.DATABASES["default"]
    credentials = database["USER"] + (
        f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    )
    return {
        **{k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"},
        "DATABASE_URL": (
            f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "DEBUG": "0",
        "SECRET_KEY": "a worker of the test run " * 3,
        "VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "WARNING",
    }


def worker(environment, *options, settings_module="config.settings"):
    """Start `manage.py db_worker` (its own process group)."""
    return subprocess.Popen(  # noqa: S603 - our interpreter, our manage.py
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
        + ["--interval", "0.2", *options],
        cwd=django_settings.BASE_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": settings_module},
        start_new_session=True,
    )


def run_batch_worker(environment):
    process = worker(environment, "--batch", "-v0")
    assert process.wait(timeout=60) == 0


def mails_in(directory: Path):
    """Every message the file backend wrote (one file may hold several)."""
    separator = b"\n" + b"-" * 79 + b"\n"
    return [
        message_from_bytes(chunk, policy=policy.default)
        for path in sorted(directory.glob("*.log"))
        for chunk in path.read_bytes().split(separator)
        if chunk.strip()
    ]


def test_a_worker_process_sends_the_signup_mail(client, worker_environment):
    client.post(reverse("account_signup"), signup_data())
    assert OutgoingMail.objects.get().status == OutgoingMail.Status.PENDING

    run_batch_worker(worker_environment)

    (sent,) = mails_in(Path(worker_environment["VAR_DIR"], "mail"))
    assert sent["To"] == "newcomer@example.com"
    assert "/accounts/confirm-email/" in sent.get_body(("plain",)).get_content()
    assert OutgoingMail.objects.get().status == OutgoingMail.Status.SENT


@pytest.mark.parametrize(
    ("stall", "copies"),
    [
        ("before", 1),  # killed before the server accepted the mail
        ("after", 2),  # the documented window: accepted, not yet marked sent
    ],
)
def test_a_worker_killed_mid_send_loses_nothing(worker_environment, stall, copies):
    """SIGKILL while sending; the recovery and a new worker send it, and once
    more only if the server had already accepted it (same Message-ID)."""
    mail_dir = Path(worker_environment["VAR_DIR"], "mail")
    row = queue_mail(a_message())  # autocommit: enqueued at once
    stalling = worker(
        {**worker_environment, "STALL_MAIL": stall},
        settings_module="tests.accounts.stalling_worker_settings",
    )
    try:
        deadline = time.monotonic() + 60
        while not (mail_dir / "stalled").exists():
            assert stalling.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, "the worker never sent"
            time.sleep(0.1)
        os.killpg(stalling.pid, signal.SIGKILL)
        stalling.wait(timeout=10)
    finally:
        if stalling.poll() is None:
            os.killpg(stalling.pid, signal.SIGKILL)
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.SENDING

    # After a restart: the claim is stale (no live worker has it), recovered.
    call_command("send_pending_mail", "--stale-after=0", verbosity=0)
    run_batch_worker(worker_environment)
    # Running both again changes nothing.
    call_command("send_pending_mail", "--stale-after=0", verbosity=0)
    run_batch_worker(worker_environment)

    sent = mails_in(mail_dir)
    assert len(sent) == copies
    assert {message["Message-ID"] for message in sent} == {row.key}
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutgoingMail.Status.SENT, 2)
