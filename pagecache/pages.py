"""Stored pages: guests' pages, kept whole with ETag and 304s.

A view decorated with `guest_page` runs on a miss and declares what its page
shows (`depends_on`); the page is stored with the versions of those names and
served by `pagecache.middleware` while they hold. See docs/caching.md.
"""

import functools
import hashlib
import re
import threading
import time
from collections import OrderedDict
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from .versions import SITE, clock, is_current, versions_as_of

# The entry format is part of the key: a deploy that changes it starts afresh.
PAGE_PREFIX = "guest-page:p2:"
# Pages are stored in this cache (settings.CACHES), versions in the default one.
PAGES = "pages"
# Pages kept in each process too, most recently used first, when the cache is
# shared (Redis): a hit on a hot page then costs one round trip (its versions),
# not two, and no unpickling. 128 thread pages are about 8 MB.
LOCAL_PAGES = 128


def stored_query(request) -> str | None:
    """The query string a stored page is keyed by: the parameters its view
    reads (`guest_page(query=...)`), each once and in its canonical form; None
    when the request carries anything else. Such a request is rendered, neither
    looked up nor stored, so nobody can fill the cache by varying URLs."""
    query = getattr(request, "_page_query", None) or {}
    parts = []
    for name in request.GET:
        values = request.GET.getlist(name)
        pattern = query.get(name)
        if pattern is None or len(values) != 1 or not re.fullmatch(pattern, values[0]):
            return None
        parts.append((name, values[0]))
    return urlencode(sorted(parts))


def depends_on(request, *names: str) -> None:
    """Record names the page being rendered shows, so their bumps make it stale.

    A no-op outside a `guest_page` or `member_page` view, or when the page is
    not being stored.
    """
    shown = getattr(request, "_guest_page_shows", None)
    if shown is not None:
        shown.update(names)


def is_guest_request(request) -> bool:
    """GET or HEAD without a session or messages cookie: the same page for all."""
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.COOKIES.get("messages")
    )


def guest_page(view=None, *, query: dict[str, str] | None = None):
    """Render and store the view's page for guests, with ETag and 304s.

    `CachedPagesMiddleware` serves the stored page (`stored_response`); the
    view runs on a miss, and calls `depends_on` for everything the page shows.
    `query`: the query parameters the view reads, each with the pattern of its
    canonical values (`{"page": "[1-9][0-9]*"}`); a request with any other
    query is rendered and not stored (`stored_query`).
    """
    if view is None:
        return functools.partial(guest_page, query=query)
    query = dict(query or {})

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request._page_query = query
        seconds = settings.GUEST_PAGE_CACHE_SECONDS
        if not seconds or not is_guest_request(request):
            return view(request, *args, **kwargs)
        key = page_key(PAGE_PREFIX, request)
        if key is None:
            return view(request, *args, **kwargs)
        started = clock()
        if started is None:  # the cache is down: render, store nothing
            return view(request, *args, **kwargs)
        request._guest_page_shows = {SITE}
        response = view(request, *args, **kwargs)
        if not storable(request, response):
            return response
        response.content = compact(response.content)
        entry = store(
            key,
            request._guest_page_shows,
            started,
            seconds,
            content=response.content,
            content_type=response["Content-Type"],
            etag=f'"{hashlib.blake2b(response.content, digest_size=16).hexdigest()}"',
        )
        if entry is None:
            return response
        return conditional(request, response, entry)

    wrapped.stores_pages = True
    wrapped.page_query = query
    return wrapped


_INDENTATION = re.compile(rb"(<(pre|textarea)\b.*?</\2>)|\n\s+", re.DOTALL | re.I)


def compact(content: bytes) -> bytes:
    """A page without the indentation of its templates, a sixth of its bytes:
    whitespace that starts a line goes, but for the line break, except inside
    <pre> and <textarea>, where whitespace is content. Pages are stored this
    way, so what every hit sends is compacted once, when rendered."""
    return _INDENTATION.sub(lambda match: match[1] or b"\n", content)


def page_key(prefix: str, request, variant: str = "") -> str | None:
    """The key of the request's stored page; None when it is not to be stored.

    Pages show absolute URLs (share links, canonical) made from SITE_URL, so the
    key holds no Host header: a visitor's choice of host or port makes no entry.
    """
    query = stored_query(request)
    if query is None:
        return None
    origin = settings.SITE_URL or f"{request.scheme}://{request.get_host()}"
    address = f"{origin}{request.path}?{query}"
    digest = hashlib.blake2b(address.encode(), digest_size=20).hexdigest()
    return f"{prefix}{digest}{variant}"


def current_entry(key: str, also: dict | None = None) -> dict | None:
    """The stored page under `key` if every version it was rendered with holds
    (and the versions `also`, checked in the same round trip)."""
    also = also or {}
    entry = local_pages.get(key)
    if entry is None or not is_current(entry["versions"] | also):
        entry = caches[PAGES].get(key)
        if entry is not None and is_current(entry["versions"] | also):
            local_pages.put(key, entry)
        else:
            entry = None
    return entry


def storable(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # The page used a CSRF token: it belongs to this visitor alone.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def store(key, names, started, seconds, **fields) -> dict | None:
    """Store a rendered page with the versions of what it shows; None if a
    write committed while it rendered (the page may show the old rows)."""
    versions = versions_as_of(names, started)
    if versions is None:
        return None
    now = time.time()
    entry = {
        **fields,
        "last_modified": int(now),
        "expires": now + seconds,
        "versions": versions,
    }
    caches[PAGES].set(key, entry, timeout=seconds)
    local_pages.put(key, entry)
    return entry


class _LocalPages:
    """A small LRU of page entries in this process, in front of a shared cache.

    Entries are only ever served after their versions are checked in the shared
    cache, so they are as fresh as the shared copy; they expire with it too.
    """

    def __init__(self, size: int):
        self.size = size
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        # With the local-memory cache the shared copy is local already.
        return not isinstance(caches[PAGES], LocMemCache)

    def get(self, key):
        if not self.enabled:
            return None
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry.get("expires", 0) <= time.time():
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        if not self.enabled:
            return
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


local_pages = _LocalPages(LOCAL_PAGES)


def response_from(entry) -> HttpResponse:
    return HttpResponse(entry["content"], content_type=entry["content_type"])


def conditional(request, response, entry):
    response["ETag"] = entry["etag"]
    response["Last-Modified"] = http_date(entry["last_modified"])
    # Browsers and proxies may keep the page but must ask before reusing it,
    # and never for a request with other cookies (a signed-in member).
    response["Cache-Control"] = "no-cache"
    patch_vary_headers(response, ["Cookie"])
    return get_conditional_response(
        request,
        etag=entry["etag"],
        last_modified=entry["last_modified"],
        response=response,
    )
