"""Page numbers from the query string, paginated querysets, page links."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404

# A page number beyond this is nonsense for any thread; refuse before any math.
MAX_PAGE_NUMBER = 1_000_000
PAGE_WINDOW = 2
# The query a stored page is keyed by (pagecache.pages.guest_page): `page`, as
# page links write it; `?page=02` or any other parameter is rendered, not stored.
PAGE_QUERY = {"page": "[1-9][0-9]{0,6}"}


def requested_page(request) -> int | None:
    """The `?page=` number, None when absent; Http404 when it is not 1..MAX."""
    value = request.GET.get("page")
    if value is None:
        return None
    # isdigit() alone accepts "²", which int() refuses: ASCII digits only.
    if not (value.isascii() and value.isdigit()) or len(value) > 7:
        raise Http404("No such page.")
    if not 1 <= int(value) <= MAX_PAGE_NUMBER:
        raise Http404("No such page.")
    return int(value)


def paginate(request, queryset, per_page):
    """The requested page of a list and its paginator; Http404 past the end."""
    page_number = requested_page(request) or 1
    paginator = Paginator(queryset, per_page)
    if page_number > paginator.num_pages:
        raise Http404("No such page.")
    return paginator.page(page_number), paginator


def page_links(*, current: int, last: int, base_url: str, query: str = "") -> dict:
    """Numbered page links around `current`, with first/previous/next/last.

    `query`, an encoded query string without `page`, is kept on every link.
    Gaps in the numbers are None, shown as an ellipsis.
    """

    def url(number):
        parts = [query] if query else []
        if number > 1:
            parts.append(urlencode({"page": number}))
        return f"{base_url}?{'&'.join(parts)}" if parts else base_url

    shown = {1, last, *range(current - PAGE_WINDOW, current + PAGE_WINDOW + 1)}
    pages, previous = [], 0
    for number in sorted(n for n in shown if 1 <= n <= last):
        if number > previous + 1:
            pages.append(None)
        pages.append(
            {"number": number, "url": url(number), "current": number == current}
        )
        previous = number
    return {
        "current": current,
        "last": last,
        "pages": pages,
        "first_url": url(1) if current > 1 else None,
        "previous_url": url(current - 1) if current > 1 else None,
        "next_url": url(current + 1) if current < last else None,
        "last_url": url(last) if current < last else None,
    }
