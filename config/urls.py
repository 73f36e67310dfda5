"""Top-level URLs: the forum, accounts (allauth), the admin and the flat pages."""

from django.contrib import admin
from django.contrib.flatpages import views as flatpage_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("terms/", flatpage_views.flatpage, {"url": "/terms/"}, name="terms"),
    path("privacy/", flatpage_views.flatpage, {"url": "/privacy/"}, name="privacy"),
    path("cookies/", flatpage_views.flatpage, {"url": "/cookies/"}, name="cookies"),
    path("", include("forum.urls")),
]
