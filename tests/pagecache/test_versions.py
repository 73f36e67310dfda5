"""pagecache.versions: bumps, and what happens with the cache unavailable."""

from django.http import HttpResponse
from django.test import RequestFactory

from pagecache import pages, versions


def unavailable(*args, **kwargs):
    raise ValueError("The cache is unavailable.")  # as config/cache.py answers


def test_a_bump_gives_each_name_a_newer_version():
    versions.bump("thread:1")
    first = versions.state().get(versions.VERSION_PREFIX + "thread:1")
    versions.bump("thread:1", "site")

    assert versions.state().get(versions.VERSION_PREFIX + "thread:1") > first
    assert versions.state().get(versions.VERSION_PREFIX + "site") > first


def test_without_a_clock_a_bump_deletes_the_versions(monkeypatch):
    """No clock to tick (the cache down): the versions go, so no stored page
    that showed the names validates, and no error reaches the writer."""
    versions.bump("thread:1")
    monkeypatch.setattr(versions.state(), "incr", unavailable)

    versions.bump("thread:1")

    assert versions.state().get(versions.VERSION_PREFIX + "thread:1") is None


def test_without_a_clock_a_guest_page_is_rendered_and_not_stored(settings, monkeypatch):
    settings.GUEST_PAGE_CACHE_SECONDS = 300
    monkeypatch.setattr(versions, "clock", lambda: None)
    monkeypatch.setattr(pages, "clock", lambda: None)
    rendered = []

    @pages.guest_page
    def view(request):
        rendered.append(request)
        return HttpResponse("page")

    request = RequestFactory().get("/")
    response = view(request)

    assert response.content == b"page" and rendered
    assert not hasattr(request, "_guest_page_shows")
