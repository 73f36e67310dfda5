from django.urls import path, re_path

from . import views

app_name = "accounts"

urlpatterns = [
    path("u/<str:username>/", views.profile, name="profile"),
    path("settings/profile/", views.profile_settings, name="profile_settings"),
    re_path(
        r"^avatars/(?P<name>[0-9]+-[A-Za-z0-9_-]+\.webp)$",
        views.avatar,
        name="avatar",
    ),
]
