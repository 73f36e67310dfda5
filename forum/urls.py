from django.urls import path, register_converter

from . import moderation_views, views
from .converters import IdConverter

register_converter(IdConverter, "id")

app_name = "forum"

urlpatterns = [
    path("", views.board_index, name="board_index"),
    path("c/<slug:slug>/", views.category_detail, name="category_detail"),
    path("t/<id:pk>/", views.thread_detail, name="thread_detail_short"),
    path("t/<id:pk>/<str:slug>/", views.thread_detail, name="thread_detail"),
    path("reply/<id:pk>/", views.thread_reply, name="thread_reply"),
    path("new/", views.thread_create, name="thread_create"),
    path("p/<id:pk>/", views.post_permalink, name="post_permalink"),
    path("p/<id:pk>/edit/", views.post_edit, name="post_edit"),
    path("p/<id:pk>/history/", views.post_history, name="post_history"),
    path("p/<id:pk>/report/", moderation_views.post_report, name="post_report"),
    # Moderation.
    path("mod/t/<id:pk>/rename/", moderation_views.thread_rename, name="thread_rename"),
    path("mod/t/<id:pk>/move/", moderation_views.thread_move, name="thread_move"),
    path("mod/t/<id:pk>/merge/", moderation_views.thread_merge, name="thread_merge"),
    path("mod/t/<id:pk>/split/", moderation_views.thread_split, name="thread_split"),
    path(
        "mod/t/<id:pk>/<slug:operation>/",
        moderation_views.thread_moderate,
        name="thread_moderate",
    ),
    path(
        "mod/p/<id:pk>/<slug:operation>/",
        moderation_views.post_moderate,
        name="post_moderate",
    ),
    path("mod/reports/", moderation_views.report_queue, name="report_queue"),
    path(
        "mod/reports/<id:pk>/<slug:operation>/",
        moderation_views.report_close,
        name="report_close",
    ),
    path("mod/approval/", moderation_views.approval_queue, name="approval_queue"),
    path("mod/log/", moderation_views.moderation_log, name="moderation_log"),
    path("mod/u/<id:pk>/suspend/", moderation_views.user_suspend, name="user_suspend"),
    path("mod/u/<id:pk>/lift/", moderation_views.user_unsuspend, name="user_unsuspend"),
    path(
        "mod/u/<id:pk>/hide-posts/",
        moderation_views.user_hide_posts,
        name="user_hide_posts",
    ),
    path("search/", views.search, name="search"),
]
