"""Stored pages are keyed by what their view reads: no visitor can fill the
cache (or evict the rate-limit counters) by varying the URL or the Host header."""

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cache_on(settings):
    """The page cache on, in the local caches whose entries can be counted."""
    settings.GUEST_PAGE_CACHE_SECONDS = 300
    settings.CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"keys-{alias}",
        }
        for alias in ("default", "pages", "page_state")
    }
    for alias in ("default", "pages", "page_state"):
        caches[alias].clear()


def queries_for(client, url, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(queries)


def stored_pages() -> int:
    return len(caches["pages"]._cache)


def test_a_query_the_view_does_not_read_is_rendered_and_not_stored(client, thread):
    url = thread.get_absolute_url()
    for _ in range(2):
        assert queries_for(client, f"{url}?utm_source=x") > 0
    assert stored_pages() == 0
    queries_for(client, url)
    assert queries_for(client, url) == 0  # the page itself is stored as usual
    assert stored_pages() == 1


def test_only_canonical_page_numbers_are_stored(client, make_thread, settings):
    settings.POSTS_PER_PAGE = 2
    url = make_thread(posts=3).get_absolute_url()
    queries_for(client, f"{url}?page=2")
    assert queries_for(client, f"{url}?page=2") == 0
    for variant in ("?page=02", "?page=2&page=2", "?page=2&x=1"):
        client.get(url + variant)
    assert stored_pages() == 1


def test_the_host_header_makes_no_entry_of_its_own(client, thread, settings):
    """Pages link to SITE_URL, whatever Host the request names; one entry."""
    url = thread.get_absolute_url()
    queries_for(client, url)
    page = client.get(url, HTTP_HOST="testserver:9999").content.decode()

    assert queries_for(client, url, HTTP_HOST="testserver:8765") == 0
    assert stored_pages() == 1
    assert f'href="{settings.SITE_URL}{url}"' in page  # canonical link
    assert "9999" not in page


def test_a_flood_of_url_variants_leaves_the_default_cache_alone(client, thread):
    """Rate-limit counters live in the default cache; pages, versions, cards
    and fragments never do, so no flood of requests can evict a counter."""
    cache.set("allauth:rl:login_failed:someone", [1, 2, 3])
    url = thread.get_absolute_url()
    for number in range(300):
        client.get(f"{url}?n={number}")
        client.get(url, HTTP_HOST=f"testserver:{10000 + number}")

    assert cache.get("allauth:rl:login_failed:someone") == [1, 2, 3]
    assert len(cache._cache) <= 2  # the counter, and a lock or session at most
    assert stored_pages() == 1
