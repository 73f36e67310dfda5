from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import DisallowedHost
from django.utils import timezone
from django.utils.functional import cached_property

from . import permissions
from .models import Report


def site(request):
    """Site-wide names for the header and footer, and where sign-in returns to."""
    # Absolute URLs (canonical, share links) on SITE_URL, never on the Host
    # header: stored pages then do not depend on it (pagecache.pages.page_key).
    origin = settings.SITE_URL
    if not origin:
        try:
            origin = f"{request.scheme}://{request.get_host()}"
        except DisallowedHost:
            # Rendering the 400 page for this very request: no absolute URLs.
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


class ModerationContext:
    """What the header and banner show about moderation, computed on first use.

    Guests and members who moderate nothing cost no query here beyond the
    moderator scope (kept on the user object, shared with the view); a
    moderator's header costs one COUNT of open reports on a partial index.
    """

    def __init__(self, user):
        self.user = user

    @cached_property
    def is_moderator(self) -> bool:
        return permissions.can_moderate_any(self.user)

    @cached_property
    def open_report_count(self) -> int:
        if not self.is_moderator:
            return 0
        reports = Report.objects.filter(status=Report.Status.OPEN)
        scope = permissions.moderator_scope(self.user)
        if scope is not permissions.EVERY_CATEGORY:
            reports = reports.filter(post__thread__category_id__in=scope)
        return reports.count()

    @cached_property
    def suspension_message(self) -> str:
        if self.user.is_authenticated and self.user.is_suspended:
            return permissions.suspension_message(self.user)
        return ""


def moderation(request):
    """`moderation`: the header's report count and a suspended member's notice."""
    # Error pages (a bad Host header) render before the auth middleware ran.
    user = getattr(request, "user", None) or AnonymousUser()
    return {"moderation": ModerationContext(user)}
