from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.utils import timezone


def site(request):
    """Site-wide names for the header and footer, and where sign-in returns to."""
    try:
        origin = f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        # Rendering the 400 page for this very request: no absolute URLs then.
        origin = ""
    # On the sign-in and sign-up pages, keep the page the person came from
    # rather than nesting one `next` inside another.
    next_url = request.GET.get("next") or request.get_full_path()
    return {
        "site_origin": origin,
        "next_query": urlencode({"next": next_url}),
        "site_name": settings.SITE_NAME,
        "current_year": timezone.now().year,
    }
