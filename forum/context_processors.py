from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone


def site(request):
    """Site-wide names for the header and footer, and where sign-in returns to."""
    return {
        "site_origin": f"{request.scheme}://{request.get_host()}",
        "next_query": urlencode({"next": request.get_full_path()}),
        "site_name": settings.SITE_NAME,
        "current_year": timezone.now().year,
    }
