"""The middleware that answers with stored pages, before authentication,
messages and the view: a hit needs none of them."""

from django.conf import settings
from django.http import HttpResponse
from django.urls import Resolver404, resolve

from .members import (
    MEMBER_PAGE_PREFIX,
    current_card,
    may_share,
    member_response,
)
from .pages import (
    PAGE_PREFIX,
    conditional,
    current_entry,
    is_guest_request,
    page_key,
    response_from,
)


class CachedPagesMiddleware:
    """Answer with a stored page (`stored_response`) when there is a current
    one, before authentication, messages and the view.

    Placed after the session and CSRF middleware (a member's shared page needs
    the session, and gets a CSRF token) and after every middleware that adds
    headers to all responses.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = stored_response(request)
        if response is None:
            response = self.get_response(request)
        return response


def stored_response(request) -> HttpResponse | None:
    """The stored page for this request, if a current one is stored: a guest
    page, or the shared page of the member's kind, filled in for them."""
    if not settings.GUEST_PAGE_CACHE_SECONDS:
        return None
    view = view_storing_pages(request)
    if view is None:
        return None
    request._page_query = view.page_query
    if is_guest_request(request):
        key = page_key(PAGE_PREFIX, request)
        entry = None if key is None else current_entry(key)
        if entry is None:
            return None
        return conditional(request, response_from(entry), entry)
    if not may_share(request):
        return None
    card = request._member_card = current_card(request)
    if card is None or card["kind"] is None:
        return None
    key = page_key(MEMBER_PAGE_PREFIX, request, card["kind"])
    entry = None if key is None else current_entry(key, card["versions"])
    if entry is None or card["id"] in entry["private_authors"]:
        return None
    return member_response(request, entry, card)


def view_storing_pages(request):
    """The request's view if it stores pages: other pages cost no lookup."""
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return None
    return view if getattr(view, "stores_pages", False) else None
