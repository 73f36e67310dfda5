import pytest
from django.core.cache import cache, caches
from django.core.signals import request_finished, request_started

from forum import actions
from tests.factories import CategoryFactory, GlobalModeratorFactory, UserFactory


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Fast hashing, static files without the collectstatic manifest, an empty
    cache, no guest page cache (tests/forum/test_cache.py turns it on),
    database sessions whatever REDIS_URL says, so query counts are the same, and
    tasks run at once in the process (tests/accounts/test_mail.py runs a worker)."""
    settings.GUEST_PAGE_CACHE_SECONDS = 0
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    cache.clear()
    caches["pages"].clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


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
