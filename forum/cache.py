"""The guest page cache, and the invalidation that every write must trigger.

Guests (GET/HEAD, no session cookie, no messages cookie) get the board index,
category pages, thread pages and profiles from a full-page cache: local memory
by default, Redis when `REDIS_URL` is set. `GUEST_PAGE_CACHE_SECONDS` is the
lifetime of a page (0 turns the cache off). Signed-in members always get a fresh
render.

Invalidation by versions, not by deleting keys. A page depends on named things:
"thread:<id>", "category:<id>", "member:<id>", "posts-by:<id>", "categories"
(the list of categories) and "site". Each name has a version in the cache. A
stored page keeps the versions it was rendered with; it is served only while
every one of them is unchanged. A write bumps the versions of what it changed,
so one bump makes every page that showed the thing stale at once, without
knowing which pages (or URLs, or pages of a thread) there are.

Versions are values of one clock, a counter in the cache that every bump
increments. A reader notes the clock before its first query; if a version it
depends on is newer than that when it comes to store the page, a write
committed while it rendered, and the page is served but not stored. Bumps run
in `transaction.on_commit`: a rolled-back write invalidates nothing, and a
reader that sees the new version also sees the committed rows.

What is precise and what lags:

- A new post, an edit, a rename, hiding, moving, locking, pinning: the thread's
  pages, its category's page, the board index, and the profiles listing posts
  in the thread, at once (`thread_changed`, which bumps the category and the
  category list too, since they show the thread's title and last post).
- A category's name, description, order, parent: `category_changed`.
- A member's name, avatar or active flag: every page showing the member, at
  once (`member_changed`).
- A member's new post: their profile page at once (`member_posted`). The post
  count printed next to their posts on *other* thread pages may lag by up to
  `GUEST_PAGE_CACHE_SECONDS`: bumping every page an active member appears on
  for each of their posts would re-render the first page of a busy thread on
  nearly every reply, for a number nobody reads closely.
- Anything else (settings, flat pages, admin edits): `site_changed` bumps all.

Every write action must call the functions below for what it changed, inside
its transaction (they defer themselves to commit): `forum.actions`,
`accounts.actions`, the admin and `seed_demo` do. A new action (hide, move,
merge, split, delete, lock, pin, rename, suspend...) must too; a move calls
`thread_changed` with the new category and `category_changed` with the old.

Without Redis the cache, and so the versions, belong to one process: `make
serve` runs a single (threaded) worker then. Several processes or servers need
`REDIS_URL` (see docs/deploy.md).
"""

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

CLOCK_KEY = "guest-page:clock"
VERSION_PREFIX = "guest-page:v:"
# The entry format is part of the key: a deploy that changes it starts afresh.
PAGE_PREFIX = "guest-page:p2:"
SITE = "site"
CATEGORY_LIST = "categories"
# Pages kept in each process too, most recently used first, when the cache is
# shared (Redis): a hit on a hot page then costs one round trip (its versions),
# not two, and no unpickling. 128 thread pages are about 8 MB.
LOCAL_PAGES = 128


# Invalidation: called by write actions.


def thread_changed(thread_id: int, category_id: int) -> None:
    """A thread's posts, title or flags changed: its pages, category, board index."""
    _bump_on_commit(f"thread:{thread_id}", f"category:{category_id}", CATEGORY_LIST)


def category_changed(*category_ids: int | None) -> None:
    """Categories changed (name, order, parent, counters): their pages and the index."""
    _bump_on_commit(
        *(f"category:{pk}" for pk in category_ids if pk is not None), CATEGORY_LIST
    )


def member_changed(user_id: int) -> None:
    """A member's name, avatar or status changed: every page that shows them."""
    _bump_on_commit(f"member:{user_id}", f"posts-by:{user_id}")


def member_posted(user_id: int) -> None:
    """A member wrote a post: their profile (post count, latest posts).

    Other pages showing their post count are left to expire (see the module
    docstring).
    """
    _bump_on_commit(f"posts-by:{user_id}")


def site_changed() -> None:
    """Something every page may show changed: every cached page is stale."""
    _bump_on_commit(SITE)


def _bump_on_commit(*names: str) -> None:
    # robust: the write has committed; a cache outage must not turn it into a 500
    # (pages then expire after GUEST_PAGE_CACHE_SECONDS).
    transaction.on_commit(lambda: bump(*names), robust=True)


def bump(*names: str) -> None:
    """Give each name a new version now (tests and commands; actions use the above)."""
    now = _tick()
    cache.set_many({VERSION_PREFIX + name: now for name in names}, timeout=None)


def _clock() -> int:
    value = cache.get(CLOCK_KEY)
    if value is None:
        # Start (or restart, after an eviction) above every value handed out
        # before: microseconds since the epoch outrun any number of increments.
        cache.add(CLOCK_KEY, time.time_ns() // 1000, timeout=None)
        value = cache.get(CLOCK_KEY)
    return value


def _tick() -> int:
    _clock()
    try:
        return cache.incr(CLOCK_KEY)
    except ValueError:  # evicted between the two calls
        _clock()
        return cache.incr(CLOCK_KEY)


# Reading: views declare what their page shows; the decorator caches it.


def page_shows(
    request,
    *,
    threads: Iterable[int] = (),
    categories: Iterable[int | None] = (),
    members: Iterable[int] = (),
    posts_by: Iterable[int] = (),
    category_list: bool = False,
) -> None:
    """Record what the page being rendered shows, so its writes invalidate it.

    A no-op outside a `guest_page` view or when the page is not being cached.
    """
    names = getattr(request, "_guest_page_shows", None)
    if names is None:
        return
    names.update(f"thread:{pk}" for pk in threads)
    names.update(f"category:{pk}" for pk in categories if pk is not None)
    names.update(f"member:{pk}" for pk in members if pk is not None)
    names.update(f"posts-by:{pk}" for pk in posts_by)
    if category_list:
        names.add(CATEGORY_LIST)


def is_guest_request(request) -> bool:
    """GET or HEAD without a session or messages cookie: the same page for all."""
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def guest_page(view):
    """Serve the view's page to guests from the cache, with ETag and 304s.

    The view calls `page_shows` for everything the page shows.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.GUEST_PAGE_CACHE_SECONDS
        if not seconds or not is_guest_request(request):
            return view(request, *args, **kwargs)
        key = _page_key(request)
        entry = _local.get(key)
        if entry is None or not _is_current(entry["versions"]):
            entry = cache.get(key)
            if entry is not None and _is_current(entry["versions"]):
                _local.put(key, entry)
            else:
                entry = None
        if entry is not None:
            return _conditional(request, _response_from(entry), entry)

        started = _clock()
        request._guest_page_shows = {SITE}
        response = view(request, *args, **kwargs)
        if not _storable(request, response):
            return response
        entry = _store(key, request._guest_page_shows, started, response, seconds)
        if entry is None:
            return response
        return _conditional(request, response, entry)

    return wrapped


def _page_key(request) -> str:
    # The page shows absolute URLs (share links, canonical), hence scheme and host.
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return PAGE_PREFIX + hashlib.blake2b(address.encode(), digest_size=20).hexdigest()


def _is_current(versions: dict) -> bool:
    current = cache.get_many(list(versions))
    # A missing version (never written, or evicted) never matches: the page is
    # rendered again, and the version is written anew.
    return all(current.get(key) == value for key, value in versions.items())


def _storable(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # The page used a CSRF token: it belongs to this visitor alone.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def _store(key, names, started, response, seconds) -> dict | None:
    version_keys = [VERSION_PREFIX + name for name in names]
    versions = cache.get_many(version_keys)
    missing = [k for k in version_keys if k not in versions]
    for version_key in missing:
        cache.add(version_key, started, timeout=None)
    if missing:
        versions.update(cache.get_many(missing))
    if len(versions) < len(version_keys) or any(
        value > started for value in versions.values()
    ):
        # A write committed while this page rendered: it may show the old rows.
        return None
    now = time.time()
    entry = {
        "content": response.content,
        "content_type": response["Content-Type"],
        "etag": f'"{hashlib.blake2b(response.content, digest_size=16).hexdigest()}"',
        "last_modified": int(now),
        "expires": now + seconds,
        "versions": versions,
    }
    cache.set(key, entry, timeout=seconds)
    _local.put(key, entry)
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
        return not isinstance(caches["default"], LocMemCache)

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


_local = _LocalPages(LOCAL_PAGES)


def _response_from(entry) -> HttpResponse:
    return HttpResponse(entry["content"], content_type=entry["content_type"])


def _conditional(request, response, entry):
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
