"""Guests reading and members posting through app servers, in threads, with
every request recorded by the phase of the fault it started in."""

import http.client
import itertools
import threading
import time
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from accounts.models import User
from tests.test_two_servers import CSRF_TOKEN, Server, session_cookie

PASSWORD = "faults survived, posts kept"


def make_member(username: str) -> User:
    """A confirmed member with a password the app servers' hashers accept."""
    member = User.objects.create(
        username=username, display_name=username.title(), email=f"{username}@x.test"
    )
    hasher = PBKDF2PasswordHasher()
    member.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    member.save()
    EmailAddress.objects.create(
        user=member, email=member.email, verified=True, primary=True
    )
    return member


def sign_in(server: Server, member: User) -> dict:
    """The cookies of a session made on `server`."""
    status, headers, _ = server.post(
        "/accounts/login/", {"login": member.username, "password": PASSWORD}
    )
    assert status == 302, status
    return {"sessionid": session_cookie(headers)}


@dataclass
class Record:
    who: str  # "guest" or "member"
    what: str  # "read" or "reply"
    phase: str
    status: int  # 0: no answer (connection refused, reset, timed out)
    seconds: float
    body: str = ""  # a reply's text
    retry_after: str | None = None
    page: bytes = b""  # of an error
    ended: str = ""  # the phase when the answer came

    @property
    def ok(self) -> bool:
        return self.status == (302 if self.what == "reply" else 200)


@dataclass
class Load:
    """Actors in threads until `stop()`; `phase` names what is being done to
    the services now, and each request is recorded with the phase it began in."""

    phase: str = "before"
    records: list = field(default_factory=list)
    pause: float = 0.05
    _stopping: threading.Event = field(default_factory=threading.Event)
    _threads: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _numbers: itertools.count = field(default_factory=itertools.count)

    def _request(self, server, who, what, method, path, **kwargs):
        phase, started = self.phase, time.monotonic()
        try:
            status, headers, page = server.request(method, path, **kwargs)
            retry_after = headers.get("Retry-After")
        except (OSError, http.client.HTTPException):
            status, retry_after, page = 0, None, b""
        record = Record(
            who, what, phase, status, time.monotonic() - started, "", retry_after
        )
        record.page = page if status >= 500 else b""
        record.ended = self.phase
        with self._lock:
            self.records.append(record)
        return record

    def guest(self, server, paths):
        """Read `paths` in turn, as a guest."""

        def run():
            for path in itertools.cycle(paths):
                if self._stopping.is_set():
                    return
                self._request(server, "guest", "read", "GET", path)
                time.sleep(self.pause)

        self._start(run)

    def member(self, server, cookies, thread, reads):
        """Reply to `thread` and read `reads` in turn, as a member."""

        def run():
            for path in itertools.cycle(reads):
                if self._stopping.is_set():
                    return
                self.reply(server, cookies, thread)
                time.sleep(self.pause)
                self._request(server, "member", "read", "GET", path, cookies=cookies)
                time.sleep(self.pause)

        self._start(run)

    def reply(self, server, cookies, thread, text=None) -> Record:
        """Post one reply (a text of its own) and record it."""
        text = text or f"Reply number {next(self._numbers)} in phase {self.phase}"
        cookies = {**cookies, "csrftoken": CSRF_TOKEN}
        record = self._request(
            server,
            "member",
            "reply",
            "POST",
            f"/reply/{thread.pk}/",
            cookies=cookies,
            form={"body": text},
        )
        record.body = text
        return record

    def _start(self, run):
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self):
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def select(self, *, phases=None, who=None, what=None, within=False):
        """The records begun in `phases` (or ended in them; begun and ended in
        them if `within`), of `who` and `what`."""

        def in_phases(record):
            if phases is None:
                return True
            if within:
                return record.phase in phases and record.ended in phases
            return record.phase in phases or record.ended in phases

        return [
            record
            for record in self.records
            if in_phases(record)
            and (who is None or record.who == who)
            and (what is None or record.what == what)
        ]


def success_rate(records) -> float:
    return sum(record.ok for record in records) / max(1, len(records))


def summary(load: Load, phases, within=False) -> str:
    """Requests and successes per kind of request in `phases`, for the report."""
    lines = []
    for who, what in (("guest", "read"), ("member", "read"), ("member", "reply")):
        records = load.select(phases=phases, who=who, what=what, within=within)
        if records:
            slowest = max(record.seconds for record in records)
            statuses = sorted({record.status for record in records})
            lines.append(
                f"{who} {what}: {sum(r.ok for r in records)}/{len(records)} ok, "
                f"slowest {slowest:.2f} s, statuses {statuses}"
            )
    return "; ".join(lines)
