"""The search page."""

from allauth.account.adapter import get_adapter
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .. import throttle
from ..forms import SearchForm
from ..search import MATCH_ALL, ORDER_RELEVANCE, SearchError, search_posts
from .pagination import page_links, requested_page

User = get_user_model()

SEARCH_RATE_LIMIT_MESSAGE = (
    "You are searching too quickly. Wait a minute, then search again "
    "(or sign in: members may search more often)."
)
MEMBER_SEARCH_RATE_LIMIT_MESSAGE = (
    "You are searching too quickly. Wait a minute, then search again."
)


@require_safe
def search(request):
    """Full-text search with every option of the header's "More options...".

    A GET form, so guests get no cookie. Guests are rate-limited per client
    address (SEARCH_RATE_LIMIT), members per account, more generously
    (MEMBER_SEARCH_RATE_LIMIT). Messages, not errors, answer a query that
    cannot be searched; the page's query count does not depend on the results.
    """
    form = SearchForm(request.GET or None)
    context = {"form": form, "results": None, "message": None}
    if not form.is_bound:
        return render(request, "forum/search.html", context)
    if request.user.is_authenticated:
        if not throttle.allow_member_search(request.user):
            context["message"] = MEMBER_SEARCH_RATE_LIMIT_MESSAGE
            return render(request, "forum/search.html", context, status=429)
    elif not throttle.allow_search(client_address(request)):
        context["message"] = SEARCH_RATE_LIMIT_MESSAGE
        return render(request, "forum/search.html", context, status=429)
    page_number = requested_page(request) or 1
    if not form.is_valid():
        context["message"] = "Check the search options below."
        return render(request, "forum/search.html", context)
    options = form.cleaned_data
    author = None
    if options["author"]:
        author = User.objects.filter(username__iexact=options["author"]).first()
        if author is None:
            context["message"] = f"No member is called “{options['author']}”."
            return render(request, "forum/search.html", context)
    try:
        found = search_posts(
            query=options["q"],
            user=request.user,
            match=options["match"] or MATCH_ALL,
            titles_only=options["in"] == "titles",
            author=author,
            category=options["category"],
            date_from=options["date_from"],
            date_to=options["date_to"],
            order=options["order"] or ORDER_RELEVANCE,
            page=page_number,
        )
    except SearchError as error:
        context["message"] = str(error)
        return render(request, "forum/search.html", context)
    if not found.results:
        if page_number > 1:
            raise Http404("No such page.")
        context["message"] = (
            "No results. Try fewer or other words, or “Any of my words”."
        )
    query = request.GET.copy()
    query.pop("page", None)
    context["results"] = found
    context["page_links"] = page_links(
        current=page_number,
        last=max(found.last_page, page_number),
        base_url=request.path,
        query=query.urlencode(),
    )
    return render(request, "forum/search.html", context)


def client_address(request) -> str:
    """The client's IP address as allauth's rate limits see it (proxy-aware)."""
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return "unknown"
