"""Top-level URLs: the forum, accounts (allauth), the admin and the flat pages."""

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.flatpages import views as flatpage_views
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_safe

# The admin's own sign-in form had no rate limit: its sign-in page sends people
# to allauth's (with `next`), whose limits count every attempt (as allauth's
# documentation sets it up).
admin.site.login = secure_admin_login(admin.site.login)

# A database that is down answers 503 with Retry-After (config/errors.py).
handler500 = "config.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("terms/", flatpage_views.flatpage, {"url": "/terms/"}, name="terms"),
    path("privacy/", flatpage_views.flatpage, {"url": "/privacy/"}, name="privacy"),
    path("cookies/", flatpage_views.flatpage, {"url": "/cookies/"}, name="cookies"),
    path("", include("forum.urls")),
]

if settings.BENCH_CEILING_VIEW:
    # The benchmark's yardstick: the cheapest Django page of a thread page's size,
    # through the same middleware. Off unless BENCH_CEILING_VIEW=1.
    _CEILING_PAGE = (
        b"<!doctype html><title>ceiling</title>" + b"<p>" + b"x" * 30_000 + b"</p>"
    )

    @require_safe
    def bench_ceiling(request):
        """A constant 30 KB page."""
        return HttpResponse(_CEILING_PAGE)

    urlpatterns.insert(0, path("bench/ceiling/", bench_ceiling))

# Django's error pages, safe for a request whose query or form cannot be read.
handler400 = "forum.views.errors.bad_request"
handler403 = "forum.views.errors.permission_denied"
handler404 = "forum.views.errors.page_not_found"
