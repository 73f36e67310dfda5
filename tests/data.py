"""Settings every test runs with, and data built once for a module of tests."""

import copy

from django.conf import settings as django_settings
from django.core.cache import cache, caches
from django.db import transaction
from django.test import TestCase, override_settings


def testing_settings():
    """Fast hashing, static files without the collectstatic manifest, no guest
    page cache (tests/pagecache/test_pages.py turns it on), database sessions
    whatever REDIS_URL says, so query counts are the same, and tasks run at once
    in the process (tests/accounts/test_mail.py runs a real worker)."""
    return {
        "GUEST_PAGE_CACHE_SECONDS": 0,
        "TASKS": {
            "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
        },
        "SESSION_ENGINE": "accounts.sessions",
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "STORAGES": {
            **django_settings.STORAGES,
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
        },
    }


def built_once(django_db_blocker, build, **settings):
    """Data for a module of tests, built once: what Django's
    TestCase.setUpTestData does. The rows live in an outer transaction, each test
    runs in a savepoint inside it (pytest-django's `db`) and sees them as built,
    and the whole is rolled back after the module. Yield from a module-scoped
    fixture; tests take `copy_of()` it, since they may change the objects. Only
    for modules whose every test runs with it (`pytestmark`'s usefixtures: the
    others would see the rows anyway) and none of them transactional. `build`
    runs with the test settings and `settings` over them; the on-commit callbacks
    of its writes run, as after a real commit."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(**{**testing_settings(), **settings}),
            TestCase.captureOnCommitCallbacks(execute=True),
        ):
            data = build()
            cache.clear()
            caches["pages"].clear()
            caches["page_state"].clear()
        yield data
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def copy_of(data):
    """A test's own copy of data built once (model instances and all)."""
    return copy.deepcopy(data)
