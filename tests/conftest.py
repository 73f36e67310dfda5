import os
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache, caches
from django.core.signals import request_finished, request_started
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from forum import actions
from tests.data import testing_settings
from tests.factories import CategoryFactory, GlobalModeratorFactory, UserFactory


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A test marked `postgresql` skips on another database, but fails when the
    run requires PostgreSQL (REQUIRE_DATABASE_VENDOR=postgresql, CI's second run):
    a PostgreSQL run that skips them has not tested them."""
    if item.get_closest_marker("postgresql") and connection.vendor != "postgresql":
        message = f"needs PostgreSQL, the database is {connection.vendor}"
        if os.environ.get("REQUIRE_DATABASE_VENDOR") == "postgresql":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def _worker_cache(worker_id):
    """xdist workers share REDIS_URL's database: each keeps its keys under its own
    prefix and clears only those (tests/cache.py)."""
    default = django_settings.CACHES["default"]
    if worker_id == "master" or not default["BACKEND"].endswith("RedisCache"):
        yield
        return
    worker = {
        **default,
        "BACKEND": "tests.cache.WorkerRedisCache",
        "KEY_PREFIX": f"{default.get('KEY_PREFIX', '')}-{worker_id}",
    }
    with override_settings(
        CACHES={"default": worker, "pages": worker, "page_state": worker}
    ):
        yield


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """The test settings (tests/data.py) and an empty cache for every test."""
    for name, value in testing_settings().items():
        setattr(settings, name, value)
    cache.clear()
    caches["pages"].clear()
    caches["page_state"].clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a write's on-commit callbacks, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def mailoutbox(mailoutbox, django_capture_on_commit_callbacks):
    """pytest-django's outbox, filled as in production: after the commit.

    Mail is sent by a task enqueued on commit (accounts/mail.py), and a test's
    transaction never commits; so each test-client request's on-commit callbacks
    run when the request ends, as the commit of its transaction would run them.
    """
    capture = []

    def started(**kwargs):
        capture.append(django_capture_on_commit_callbacks(execute=True))
        capture[-1].__enter__()

    def finished(**kwargs):
        if capture:
            capture.pop().__exit__(None, None, None)

    request_started.connect(started)
    request_finished.connect(finished)
    yield mailoutbox
    request_started.disconnect(started)
    request_finished.disconnect(finished)


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def category(db):
    return CategoryFactory()


@pytest.fixture
def thread(category, user):
    """A thread with just its opening post, made through the actions."""
    return actions.create_thread(
        category=category, author=user, title="A thread", body="Opening post."
    )


@pytest.fixture
def make_thread(category, user):
    """Build a thread of `posts` posts through the actions."""

    def make(posts=1, **kwargs):
        kwargs.setdefault("category", category)
        kwargs.setdefault("author", user)
        kwargs.setdefault("title", "A longer thread")
        thread = actions.create_thread(body="Post 1", **kwargs)
        for number in range(2, posts + 1):
            actions.create_reply(thread=thread, author=user, body=f"Post {number}")
        return thread

    return make


@pytest.fixture
def moderator(category):
    """A moderator of `category` only."""
    member = UserFactory(username="catmod")
    category.moderators.add(member)
    return member


@pytest.fixture
def global_moderator(db):
    """A member of the "Global moderators" group."""
    return GlobalModeratorFactory(username="globalmod")


@pytest.fixture
def suspended(global_moderator):
    """A member suspended for a week, with a reason."""
    member = UserFactory(username="hothead")
    actions.suspend_user(
        member=member,
        actor=global_moderator,
        until=timezone.now() + timedelta(days=7),
        reason="Insulting people",
    )
    member.refresh_from_db()
    return member
