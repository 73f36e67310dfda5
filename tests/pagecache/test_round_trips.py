"""Cache round trips of a hit, pinned beside its query count (none): a guest's
stored page costs its versions, a member's shared page the session, the card
and the versions; with a shared cache (Redis) a hot page comes from the
process's own copy, otherwise one more trip fetches it. A new lookup on the
hot path makes these fail."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pagecache.pages import local_pages

pytestmark = pytest.mark.django_db

ALIASES = ("default", "pages", "page_state")
CALLS = ("get", "get_many", "set", "set_many", "add", "incr", "delete", "has_key")


@pytest.fixture(autouse=True)
def cache_on(settings):
    settings.GUEST_PAGE_CACHE_SECONDS = 300
    settings.SESSION_ENGINE = "accounts.cached_sessions"


@pytest.fixture
def round_trips(monkeypatch):
    """Count every call to the caches, by alias and method: the calls a
    caller makes (a round trip each with Redis), not those a local backend
    makes of itself (LocMemCache's get_many calls get)."""
    calls, depth = [], [0]
    for alias in ALIASES:
        backend = caches[alias]
        for name in CALLS:
            real = getattr(backend, name)

            def counted(*args, _real=real, _call=f"{alias}.{name}", **kwargs):
                if not depth[0]:
                    calls.append(_call)
                depth[0] += 1
                try:
                    return _real(*args, **kwargs)
                finally:
                    depth[0] -= 1

            monkeypatch.setattr(backend, name, counted)
    return calls


def page_fetch() -> list[str]:
    """The trip for the page itself: none when the process keeps a copy."""
    return [] if local_pages.enabled else ["pages.get"]


def hit(client, url, round_trips):
    client.get(url)  # renders and stores
    round_trips.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), sorted(round_trips)


def test_a_guest_hit_costs_its_versions_and_no_query(thread, round_trips):
    queries, calls = hit(Client(), thread.get_absolute_url(), round_trips)

    assert queries == 0
    # The stored page, then the versions it was rendered with.
    assert calls == ["page_state.get_many", *page_fetch()]


def test_a_member_hit_costs_session_card_and_versions_and_no_query(
    thread, user, round_trips, committed
):
    client = Client()
    client.force_login(user)
    with committed():
        client.get(thread.get_absolute_url())  # the member's card

    queries, calls = hit(client, thread.get_absolute_url(), round_trips)

    assert queries == 0
    # The session, the member's card, the shared page, its versions (and the
    # card's, in the same round trip).
    assert calls == [
        "default.get",
        "page_state.get",
        "page_state.get_many",
        *page_fetch(),
    ]
