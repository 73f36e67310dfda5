"""Two app servers sharing one PostgreSQL and one Redis, as in production.

Two gunicorn processes serve the test database on two loopback ports, with
the test run's REDIS_URL and key prefix. A reply through one shows at once to
a guest and to a member of the other (the page cache, members' shared pages and
their cards are shared and invalidated), a session made on one is valid on the
other, and the posting rate limit counts across both.

Runs on PostgreSQL with REDIS_URL set; CI's PostgreSQL run (REQUIRE_DATABASE_VENDOR
=postgresql) sets both, and there a missing REDIS_URL fails instead of skipping.
"""

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from accounts.models import User
from forum import actions
from tests.factories import CategoryFactory

PASSWORD = "two servers, one forum"
CSRF_TOKEN = secrets.token_hex(16)


@pytest.fixture
def shared_services(transactional_db):
    """Skip unless on PostgreSQL with Redis; in CI's PostgreSQL run, fail."""
    in_ci = os.environ.get("REQUIRE_DATABASE_VENDOR") == "postgresql"
    problems = []
    if connection.vendor != "postgresql":
        problems.append("the database is not PostgreSQL")
    if not os.environ.get("REDIS_URL"):
        problems.append("REDIS_URL is not set")
    if problems:
        message = "two app servers need " + " and ".join(problems)
        if in_ci:
            pytest.fail(message)
        pytest.skip(message)


def free_ports(count):
    """Loopback ports nobody listens on, the kernel's picks: a fixed range could
    be another run's, whose server would then answer for ours."""
    ports = set()
    while len(ports) < count:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.add(probe.getsockname()[1])
    return sorted(ports)


def server_environment(tmp_path):
    database = settings.DATABASES["default"]
    credentials = database["USER"] + (
        f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    )
    return {
        **{k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"},
        "DATABASE_URL": (
            f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "REDIS_URL": os.environ["REDIS_URL"],
        "CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
        "DEBUG": "0",
        "SECRET_KEY": "the same key on both servers " * 3,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "GUEST_PAGE_CACHE_SECONDS": "300",
        "POST_RATE_LIMIT": "3/60",
        "NEW_ACCOUNT_POST_RATE_LIMIT": "3/60",
        "VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "1",
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def two_servers(shared_services, tmp_path):
    """Two gunicorn processes on two ports; stopped (process groups) afterwards."""
    environment = server_environment(tmp_path)
    subprocess.run(  # noqa: S603 - our interpreter, our manage.py
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=environment,
        check=True,
        timeout=120,
    )
    processes = []
    try:
        for port in free_ports(2):
            processes.append(
                subprocess.Popen(  # noqa: S603 - our gunicorn and config
                    [sys.executable, "-m", "gunicorn", "config.wsgi"]
                    + ["-c", "config/gunicorn.py"],
                    cwd=settings.BASE_DIR,
                    env={**environment, "BIND": f"127.0.0.1:{port}"},
                    start_new_session=True,
                )
            )
            wait_until_serving(port)
            processes[-1].port = port
        yield [Server(process.port) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def wait_until_serving(port):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            Server(port).get("/terms/")
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server on port {port} did not answer within 30 s")


class Server:
    """A minimal HTTP client for one server, following no redirect."""

    def __init__(self, port):
        self.port = port

    def request(self, method, path, *, cookies=None, form=None):
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = {}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        body = None
        if form is not None:
            body = urlencode({"csrfmiddlewaretoken": CSRF_TOKEN, **form})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            client.request(method, path, body=body, headers=headers)
            response = client.getresponse()
            content = response.read()
            return response.status, response.headers, content
        finally:
            client.close()

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, form, *, cookies=None):
        cookies = {**(cookies or {}), "csrftoken": CSRF_TOKEN}
        return self.request("POST", path, cookies=cookies, form=form)


def session_cookie(headers):
    for header in headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        if name == settings.SESSION_COOKIE_NAME:
            return rest.partition(";")[0]
    return None


def test_two_servers_share_cache_sessions_and_rate_limits(two_servers):
    """Reply on A, read on B at once; sign in on A, use B; the limit counts both."""
    first, second = two_servers
    member = User.objects.create(
        username="traveller", display_name="Traveller", email="t@example.com"
    )
    # A hash the servers' settings accept (the suite's own is MD5, for speed).
    hasher = PBKDF2PasswordHasher()
    member.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    member.save()
    EmailAddress.objects.create(
        user=member, email=member.email, verified=True, primary=True
    )
    thread = actions.create_thread(
        category=CategoryFactory(), author=member, title="Shared", body="Opening"
    )
    url = thread.get_absolute_url()

    # A guest on B: the page is cached there (a second read answers 304).
    status, headers, page = second.get(url)
    assert status == 200
    assert b"Opening" in page
    etag = headers["ETag"]
    assert second.request("GET", url)[1]["ETag"] == etag

    # Sign in on A; the session works on B.
    status, headers, _ = first.post(
        "/accounts/login/", {"login": "traveller", "password": PASSWORD}
    )
    assert status == 302, status
    cookies = {settings.SESSION_COOKIE_NAME: session_cookie(headers)}
    assert cookies[settings.SESSION_COOKIE_NAME]
    assert second.get("/settings/profile/", cookies=cookies)[0] == 200
    assert second.get("/settings/profile/")[0] == 302  # without it: sign in

    # The member reads on B twice: the second read is the shared page, stored.
    for _ in range(2):
        status, _, page = second.get(url, cookies=cookies)
        assert status == 200
        assert b"<summary>Traveller</summary>" in page

    # A reply through A shows at once to the guest and to the member on B.
    reply = f"/reply/{thread.pk}/"
    status, _, _ = first.post(reply, {"body": "Hello from A"}, cookies=cookies)
    assert status == 302
    status, headers, page = second.get(url)
    assert b"Hello from A" in page
    assert headers["ETag"] != etag
    assert b"Hello from A" in second.get(url, cookies=cookies)[2]

    # A new display name, saved through A, is in the member's header on B.
    status, _, _ = first.post(
        "/settings/profile/", {"display_name": "Wanderer", "bio": ""}, cookies=cookies
    )
    assert status == 302, status
    assert b"<summary>Wanderer</summary>" in second.get(url, cookies=cookies)[2]

    # The limit is 3 posts a minute: 1 on A so far, then B, A, and B again.
    assert second.post(reply, {"body": "Two"}, cookies=cookies)[0] == 302
    assert first.post(reply, {"body": "Three"}, cookies=cookies)[0] == 302
    assert second.post(reply, {"body": "Four"}, cookies=cookies)[0] == 429
    assert thread.posts.count() == 4
