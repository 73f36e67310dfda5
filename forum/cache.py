"""The guest page cache, and the invalidation that every write must trigger.

Guests (GET/HEAD, no session cookie, no messages cookie) get the board index,
category pages, thread pages and profiles from a full-page cache: local memory
by default, Redis when `REDIS_URL` is set. `GUEST_PAGE_CACHE_SECONDS` is the
lifetime of a page (0 turns the cache off). Signed-in members get their own
render of every page, except thread pages, which members who moderate nothing
share (`member_page`, at the end of this module).

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

import functools
import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from functools import wraps

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.html import escape
from django.utils.http import http_date
from django.utils.safestring import mark_safe

from . import permissions

CLOCK_KEY = "guest-page:clock"
VERSION_PREFIX = "guest-page:v:"
# The entry format is part of the key: a deploy that changes it starts afresh.
PAGE_PREFIX = "guest-page:p2:"
SITE = "site"
# Pages are stored in this cache (settings.CACHES), versions in the default one.
PAGES = "pages"
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
    """A member's name, avatar or status changed: every page that shows them,
    and their card (`viewer_changed`)."""
    _bump_on_commit(f"member:{user_id}", f"posts-by:{user_id}", f"viewer:{user_id}")


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
        and not request.COOKIES.get("messages")
    )


def guest_page(view):
    """Render and store the view's page for guests, with ETag and 304s.

    `CachedPagesMiddleware` serves the stored page (`stored_response`); the
    view runs on a miss, and calls `page_shows` for everything the page shows.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.GUEST_PAGE_CACHE_SECONDS
        if not seconds or not is_guest_request(request):
            return view(request, *args, **kwargs)
        started = _clock()
        request._guest_page_shows = {SITE}
        response = view(request, *args, **kwargs)
        if not _storable(request, response):
            return response
        response.content = compact(response.content)
        entry = _store(
            _page_key(PAGE_PREFIX, request),
            request._guest_page_shows,
            started,
            seconds,
            content=response.content,
            content_type=response["Content-Type"],
            etag=f'"{hashlib.blake2b(response.content, digest_size=16).hexdigest()}"',
        )
        if entry is None:
            return response
        return _conditional(request, response, entry)

    wrapped.stores_pages = True
    return wrapped


_INDENTATION = re.compile(rb"(<(pre|textarea)\b.*?</\2>)|\n\s+", re.DOTALL | re.I)


def compact(content: bytes) -> bytes:
    """A page without the indentation of its templates, a sixth of its bytes:
    whitespace that starts a line goes, but for the line break, except inside
    <pre> and <textarea>, where whitespace is content. Pages are stored this
    way, so what every hit sends is compacted once, when rendered."""
    return _INDENTATION.sub(lambda match: match[1] or b"\n", content)


def _serves_stored_pages(request) -> bool:
    """Whether the request's view stores pages: other pages cost no lookup."""
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return False
    return getattr(view, "stores_pages", False)


def stored_response(request) -> HttpResponse | None:
    """The stored page for this request, if a current one is stored: a guest
    page, or the shared page of the member's kind, filled in for them.

    Asked by `forum.middleware.CachedPagesMiddleware` for every request, before
    authentication, messages and the view: a hit needs none of them.
    """
    if not settings.GUEST_PAGE_CACHE_SECONDS or not _serves_stored_pages(request):
        return None
    if is_guest_request(request):
        entry = _current_entry(_page_key(PAGE_PREFIX, request))
        if entry is None:
            return None
        return _conditional(request, _response_from(entry), entry)
    if not _may_share(request):
        return None
    card = request._member_card = _current_card(request)
    if card is None or card["kind"] is None:
        return None
    key = _page_key(MEMBER_PAGE_PREFIX, request, card["kind"])
    entry = _current_entry(key, card["versions"])
    if entry is None or card["id"] in entry["private_authors"]:
        return None
    return _member_response(request, entry, card)


def _page_key(prefix: str, request, variant: str = "") -> str:
    # The page shows absolute URLs (share links, canonical), hence scheme and host.
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.blake2b(address.encode(), digest_size=20).hexdigest()
    return f"{prefix}{digest}{variant}"


def _current_entry(key: str, also: dict | None = None) -> dict | None:
    """The stored page under `key` if every version it was rendered with holds
    (and the versions `also`, checked in the same round trip)."""
    also = also or {}
    entry = _local.get(key)
    if entry is None or not _is_current(entry["versions"] | also):
        entry = caches[PAGES].get(key)
        if entry is not None and _is_current(entry["versions"] | also):
            _local.put(key, entry)
        else:
            entry = None
    return entry


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


def _versions_as_of(names, started: int) -> dict | None:
    """The versions of `names` (keyed as stored), giving `started` to those
    without one; None if any is newer than `started`: a write committed since,
    so what was read after `started` may be the old rows."""
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
        return None
    return versions


def _store(key, names, started, seconds, **fields) -> dict | None:
    """Store a rendered page with the versions of what it shows; None if a
    write committed while it rendered (the page may show the old rows)."""
    versions = _versions_as_of(names, started)
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


# Members' thread pages: one rendering shared by every member of a kind.
#
# A thread page differs between members (who moderate nothing) only in a few
# places: their name and profile link in the header, the CSRF token of its
# forms, and the links they have on their own posts (Edit, History) and on
# other members' (Report). So the page is rendered once per kind of member
# (may post; may not post yet) with markers in those places, stored like a
# guest page (same versions, same invalidation), and each member gets it with
# the markers filled in.
#
# Filled in from the member's card, not from their row: a few facts kept in
# the cache ("member-card:<id>": id, name, profile link, kind, the session
# hash), checked against the session and against the version of
# "viewer:<id>", which every change to the member, their e-mail addresses or
# their roles bumps (`viewer_changed`, from forum.signals and
# `member_changed`). A hit thus costs three cache round trips (session, card,
# versions) and no query. The card only ever chooses which public page to
# show: every write still checks the member's row.
#
# Who gets it: members who moderate nothing and are not suspended, with no
# message waiting, on public threads, on pages where they have no post that
# others cannot see (hidden, awaiting approval). Everyone else gets a normal
# render, as does every miss.

MEMBER_PAGE_PREFIX = "member-page:p1:"
CARD_PREFIX = "member-card:c1:"


class PageMarkers:
    """The markers of a shared member page, and how to fill them in.

    The markers carry a token derived from SECRET_KEY: nobody who writes a post
    or a title can forge one, and every one is replaced before a page is sent.
    A page is split at its markers once, when rendered (`split`); filling it in
    for a member (`fill`) is then a join, with no search through the page.
    """

    def __init__(self, secret: str):
        digest = salted_hmac(
            "forum.cache.PageMarkers", "", secret=secret, algorithm="sha256"
        ).hexdigest()
        token = f"m{digest[:24]}"
        self.token = token
        self.name = f"{token}name"
        self.profile = f"{token}profile"
        self.csrf = f"{token}csrf"
        self.end = mark_safe(f"<!--{token} end-->")  # noqa: S308 - our constant
        self._pattern = re.compile(
            rf"<!--{token} (own|other) (\d+)-->(.*?)<!--{token} end-->"
            rf"|{token}(name|profile|csrf)".encode(),
            re.DOTALL,
        )

    def own(self, author_id: int) -> str:
        """Opens what the post's author sees on it, closed by `end`."""
        return mark_safe(f"<!--{self.token} own {int(author_id)}-->")  # noqa: S308

    def other(self, author_id: int) -> str:
        """Opens what every other member sees on the post, closed by `end`."""
        return mark_safe(f"<!--{self.token} other {int(author_id)}-->")  # noqa: S308

    def split(self, content: bytes) -> list:
        """The page as parts: bytes as they are, a slot's name (str), or a
        section (True for the author's, the author's id, its bytes)."""
        parts, start = [], 0
        for match in self._pattern.finditer(content):
            parts.append(content[start : match.start()])
            kind, author_id, body, slot = match.groups()
            if slot:
                parts.append(slot.decode())
            else:
                parts.append((kind == b"own", int(author_id), body))
            start = match.end()
        parts.append(content[start:])
        return parts

    @staticmethod
    def fill(parts: list, card: dict, csrf_token: str) -> bytes:
        """The page for the member of `card`: their sections kept, their
        values in."""
        values = {
            "name": card["name"],
            "profile": card["profile"],
            "csrf": csrf_token.encode(),  # letters and digits only
        }
        member_id = card["id"]
        page = []
        for part in parts:
            if type(part) is bytes:
                page.append(part)
            elif type(part) is str:
                page.append(values[part])
            elif part[0] == (part[1] == member_id):
                page.append(part[2])
        return b"".join(page)


def _markers() -> PageMarkers:
    return _markers_for(settings.SECRET_KEY)


@functools.cache
def _markers_for(secret: str) -> PageMarkers:
    return PageMarkers(secret)


class SharedViewer:
    """Stands in for the member in a shared page's template (`user`).

    What the header shows of a member is a marker; what a shared page is
    rendered for (no moderation, no suspension) is constant.
    """

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_suspended = False

    def __init__(self, markers: PageMarkers):
        self.name = markers.name
        self._profile = markers.profile

    def get_absolute_url(self) -> str:
        return self._profile


def member_page(view):
    """Render and store the view's page for members to share (see above).

    `CachedPagesMiddleware` serves the stored page (`stored_response`). The
    view renders a shared page only when it calls `share_page` (after
    `wants_shared_page`); guests go on to `guest_page`, applied outside.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.GUEST_PAGE_CACHE_SECONDS
        if not seconds or not _may_share(request):
            return view(request, *args, **kwargs)
        card = getattr(request, "_member_card", None)  # from `stored_response`
        if card is not None and card["kind"] is None:  # a moderator, say
            return view(request, *args, **kwargs)
        # A miss (or a stale card): the member's row, a card made from it, and,
        # when the member may share pages, a rendering to share.
        started = _clock()
        if not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        card = _store_card(request.user, started, seconds)
        if card["kind"] is None:
            return view(request, *args, **kwargs)
        request._guest_page_shows = {SITE}
        request._member_page = {"private_authors": None}
        response = view(request, *args, **kwargs)
        private_authors = request._member_page["private_authors"]
        if private_authors is None:  # rendered for this member alone
            return response
        entry = {
            "parts": _markers().split(compact(response.content)),
            "content_type": response["Content-Type"],
            "private_authors": private_authors,
        }
        if _storable(request, response):
            key = _page_key(MEMBER_PAGE_PREFIX, request, card["kind"])
            _store(key, request._guest_page_shows, started, seconds, **entry)
        return _member_response(request, entry, card)

    wrapped.stores_pages = True
    return wrapped


def viewer_changed(user_id: int) -> None:
    """A member's row, e-mail addresses or roles changed: their card is stale."""
    _bump_on_commit(f"viewer:{user_id}")


def _may_share(request) -> bool:
    """A read with a session and no message waiting (checked without a query)."""
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME in request.COOKIES
        and not request.COOKIES.get("messages")
        and "_messages" not in request.session
    )


def _current_card(request) -> dict | None:
    """The card of the session's member, if stored, theirs and current."""
    session = request.session
    try:
        user_id = int(session[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None
    card = cache.get(f"{CARD_PREFIX}{user_id}")
    # What django.contrib.auth.get_user checks, without the row: a backend
    # still in use, the password the session was made with.
    if (
        card is None
        or session.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS
        or not constant_time_compare(
            card["session_hash"], session.get(HASH_SESSION_KEY) or ""
        )
    ):
        return None
    if card["kind"] is None and not _is_current(card["versions"]):
        return None  # page cards are checked with the page's versions
    return card


def _store_card(user, started: int, seconds: int) -> dict:
    """The member's card, made from their row; stored unless a change to the
    member committed since `started` (the row may be the old one)."""
    if user.is_suspended or permissions.can_moderate_any(user):
        kind = None
    else:
        kind = ":member" if permissions.can_post(user) else ":member-unverified"
    versions = _versions_as_of([f"viewer:{user.pk}"], started)
    card = {
        "id": user.pk,
        "name": escape(user.name).encode(),
        "profile": escape(user.get_absolute_url()).encode(),
        "kind": kind,
        "session_hash": user.get_session_auth_hash(),
        "versions": versions,
    }
    if versions is not None:
        cache.set(f"{CARD_PREFIX}{user.pk}", card, timeout=seconds)
    return card


def _member_response(request, entry, card) -> HttpResponse:
    content = PageMarkers.fill(entry["parts"], card, get_token(request))
    response = HttpResponse(content, content_type=entry["content_type"])
    response["Cache-Control"] = "private, no-cache"
    return response


def wants_shared_page(request) -> bool:
    """Whether `member_page` asks this view for a shared rendering."""
    return getattr(request, "_member_page", None) is not None


def share_page(request, *, private_authors: Iterable[int]) -> PageMarkers | None:
    """Agree to render the shared page; the markers to render it with.

    `private_authors`: the members with posts on the page that others do not
    see; the page is not theirs to get. None (render normally) when the member
    asking is one of them.
    """
    private_authors = frozenset(private_authors)
    if request.user.pk in private_authors:
        return None
    request._member_page["private_authors"] = private_authors
    return _markers()
