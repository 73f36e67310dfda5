"""The site's own address (settings.SITE_URL) for links that leave the request:
e-mails. A request's Host header (any port included) is the client's to choose.
"""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.sites.models import Site


def on_site(url: str) -> str:
    """`url` (absolute or a path) moved to SITE_URL: same path, query and anchor."""
    parts = urlsplit(url)
    return settings.SITE_URL + urlunsplit(
        ("", "", parts.path or "/", parts.query, parts.fragment)
    )


def sync_site(using: str = "default", **kwargs) -> None:
    """Keep the Sites row in step with SITE_URL and SITE_NAME (a post_migrate
    handler): allauth's mails name `current_site.domain`, and its rate limits
    key failed sign-ins by it."""
    if not settings.SITE_URL:
        return
    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID,
        defaults={
            "domain": urlsplit(settings.SITE_URL).netloc,
            "name": settings.SITE_NAME,
        },
    )
    Site.objects.clear_cache()
