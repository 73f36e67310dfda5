"""Mail backends that fail or stall, for tests/accounts/test_mail.py."""

import os
import smtplib
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FailingBackend(LocmemBackend):
    """An SMTP server that hangs up on every message."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class TakenOverBackend(LocmemBackend):
    """A send so slow that its claim went stale and another worker sent the mail,
    then it fails."""

    def send_messages(self, messages):
        from accounts.models import OutgoingMail

        OutgoingMail.objects.update(status=OutgoingMail.Status.SENT)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class StallingBackend(FileBackend):
    """Writes `stalled` beside the mail files and waits there forever: before
    writing the message, or after it (the server has accepted it) when
    STALL_MAIL=after. The test kills the worker while it waits."""

    def send_messages(self, messages):
        if os.environ.get("STALL_MAIL") == "after":
            super().send_messages(messages)
        Path(self.file_path, "stalled").touch()
        while True:
            time.sleep(1)
