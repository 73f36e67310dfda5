"""Members' shared pages, and the one per-member layer on them.

A thread page differs between members who moderate nothing only in a few
places: their name and profile link in the header, the CSRF token of its
forms, and the links they have on their own posts (Edit, History) and on
other members' (Report). So the page is rendered once per kind of member
(the forum says which kinds there are: `settings.PAGECACHE_MEMBER_KIND`) with
markers in those places, stored like a guest page (same versions, same
invalidation), and each member gets it with the markers filled in.

The per-member layer is these markers and nothing else. While a shared page
renders, `request.user` is a `SharedViewer`: a stand-in for the kind, whose
declared facts are those every member of the kind shares; reading anything
else of it (an id, a username, a count) raises `SharedPageLeak`, so a view,
template or context processor that would put one member's value on a page
others get fails loudly instead of leaking. A new per-member value on shared
pages is a new marker here (filled in from the member's card), never a read
of `request.user`. See docs/caching.md.

Filled in from the member's card, not from their row: a few facts kept in the
cache (id, escaped name, profile link, kind, the session hash), checked
against the session and against the version of `card_name(id)`, which every
change to the member, their e-mail addresses or their roles bumps
(`viewer_changed`). A hit thus costs three cache round trips (session, card,
versions) and no query. The card only chooses which public page to show:
every write still checks the member's row.
"""

import functools
import re
from collections.abc import Iterable
from functools import wraps

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.html import escape
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe

from .pages import compact, page_key, storable, store
from .versions import (
    SITE,
    bump_on_commit,
    clock,
    is_current,
    state,
    versions_as_of,
)

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


def markers() -> PageMarkers:
    """The markers for this deployment's SECRET_KEY."""
    return _markers_for(settings.SECRET_KEY)


@functools.cache
def _markers_for(secret: str) -> PageMarkers:
    return PageMarkers(secret)


class SharedPageLeak(RuntimeError):
    """Something read a member's own value while a shared page rendered."""


class SharedViewer:
    """`request.user` while a shared page renders: the kind, not the member.

    It answers what every member of the kind shares (`facts`, from the forum's
    kind function) and the markers of the header (`name`, the profile link);
    anything else raises `SharedPageLeak`. Not an AttributeError on purpose:
    `hasattr` and templates must not swallow it.
    """

    is_authenticated = True
    is_anonymous = False

    def __init__(self, markers: PageMarkers, facts: dict):
        self.__dict__.update(facts)
        self.name = markers.name
        self._profile = markers.profile

    def get_absolute_url(self) -> str:
        return self._profile

    def __getattr__(self, name: str):
        raise SharedPageLeak(
            f"{name!r} of the member was read while rendering a page that members "
            "share; per-member values go through pagecache.members' markers"
        )


def member_kind(user) -> tuple[str, dict] | None:
    """The member's kind and its shared facts, as the forum decides; None when
    the member's pages are their own (`settings.PAGECACHE_MEMBER_KIND`)."""
    return import_string(settings.PAGECACHE_MEMBER_KIND)(user)


def member_page(view):
    """Render and store the view's page for members to share (see above).

    `pagecache.middleware` serves the stored page. The view renders a shared
    page only when it calls `share_page` (after `wants_shared_page`); guests go
    on to `guest_page`, applied outside.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.GUEST_PAGE_CACHE_SECONDS
        if not seconds or not may_share(request):
            return view(request, *args, **kwargs)
        card = getattr(request, "_member_card", None)  # from the middleware
        if card is not None and card["kind"] is None:  # a moderator, say
            return view(request, *args, **kwargs)
        # A miss (or a stale card): the member's row, a card made from it, and,
        # when the member may share pages, a rendering to share.
        started = clock()
        member = request.user
        if started is None or not member.is_authenticated:
            return view(request, *args, **kwargs)
        kind = member_kind(member)
        card = store_card(member, kind, started, seconds)
        if kind is None:
            return view(request, *args, **kwargs)
        request._guest_page_shows = {SITE}
        request._member_page = {"private_authors": None, "facts": kind[1]}
        try:
            response = view(request, *args, **kwargs)
        finally:
            request.user = member
        private_authors = request._member_page["private_authors"]
        if private_authors is None:  # rendered for this member alone
            return response
        entry = {
            "parts": markers().split(compact(response.content)),
            "content_type": response["Content-Type"],
            "private_authors": private_authors,
        }
        key = page_key(MEMBER_PAGE_PREFIX, request, card["kind"])
        if key is not None and storable(request, response):
            store(key, request._guest_page_shows, started, seconds, **entry)
        return member_response(request, entry, card)

    wrapped.stores_pages = True
    return wrapped


def card_name(user_id: int) -> str:
    """The name whose version a member's card depends on."""
    return f"viewer:{user_id}"


def viewer_changed(user_id: int) -> None:
    """A member's row, e-mail addresses or roles changed: their card is stale."""
    bump_on_commit(card_name(user_id))


def may_share(request) -> bool:
    """A read with a session and no message waiting (checked without a query)."""
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME in request.COOKIES
        and not request.COOKIES.get("messages")
        and "_messages" not in request.session
    )


def current_card(request) -> dict | None:
    """The card of the session's member, if stored, theirs and current."""
    session = request.session
    try:
        user_id = int(session[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None
    card = state().get(f"{CARD_PREFIX}{user_id}")
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
    if card["kind"] is None and not is_current(card["versions"]):
        return None  # page cards are checked with the page's versions
    return card


def store_card(user, kind: tuple[str, dict] | None, started: int, seconds: int):
    """The member's card, made from their row; stored unless a change to the
    member committed since `started` (the row may be the old one)."""
    versions = versions_as_of([card_name(user.pk)], started)
    card = {
        "id": user.pk,
        "name": escape(user.name).encode(),
        "profile": escape(user.get_absolute_url()).encode(),
        "kind": None if kind is None else f":{kind[0]}",
        "session_hash": user.get_session_auth_hash(),
        "versions": versions,
    }
    if versions is not None:
        state().set(f"{CARD_PREFIX}{user.pk}", card, timeout=seconds)
    return card


def member_response(request, entry, card) -> HttpResponse:
    """The shared page `entry` filled in for the member of `card`."""
    content = PageMarkers.fill(entry["parts"], card, get_token(request))
    response = HttpResponse(content, content_type=entry["content_type"])
    response["Cache-Control"] = "private, no-cache"
    return response


def wants_shared_page(request) -> bool:
    """Whether `member_page` asks this view for a shared rendering."""
    return getattr(request, "_member_page", None) is not None


def share_page(request, *, private_authors: Iterable[int]) -> PageMarkers | None:
    """Agree to render the shared page; the markers to render it with.

    From here on `request.user` is the kind's `SharedViewer` (`member_page`
    puts the member back afterwards). `private_authors`: the members with posts
    on the page that others do not see; the page is not theirs to get. None
    (render normally) when the member asking is one of them.
    """
    private_authors = frozenset(private_authors)
    if request.user.pk in private_authors:
        return None
    request._member_page["private_authors"] = private_authors
    page_markers = markers()
    request._member_page["markers"] = page_markers
    request.user = SharedViewer(page_markers, request._member_page["facts"])
    return page_markers


def shared_page_context(request) -> dict:
    """Context processor: on a shared page, the CSRF token is a marker too."""
    shared = getattr(request, "_member_page", None)
    if shared is None or "markers" not in shared:
        return {}
    return {"csrf_token": shared["markers"].csrf}
