from django.urls import path, register_converter

from .converters import IdConverter
from .views import moderation, posting, queues, reading, search

register_converter(IdConverter, "id")

app_name = "forum"

urlpatterns = [
    path("", reading.board_index, name="board_index"),
    path("c/<slug:slug>/", reading.category_detail, name="category_detail"),
    path("t/<id:pk>/", reading.thread_detail, name="thread_detail_short"),
    path("t/<id:pk>/<str:slug>/", reading.thread_detail, name="thread_detail"),
    path("reply/<id:pk>/", posting.thread_reply, name="thread_reply"),
    path("new/", posting.thread_create, name="thread_create"),
    path("p/<id:pk>/", reading.post_permalink, name="post_permalink"),
    path("p/<id:pk>/edit/", posting.post_edit, name="post_edit"),
    path("p/<id:pk>/history/", posting.post_history, name="post_history"),
    path("p/<id:pk>/report/", moderation.post_report, name="post_report"),
    # Moderation.
    path("mod/t/<id:pk>/rename/", moderation.thread_rename, name="thread_rename"),
    path("mod/t/<id:pk>/move/", moderation.thread_move, name="thread_move"),
    path("mod/t/<id:pk>/merge/", moderation.thread_merge, name="thread_merge"),
    path("mod/t/<id:pk>/split/", moderation.thread_split, name="thread_split"),
    path(
        "mod/t/<id:pk>/<slug:operation>/",
        moderation.thread_moderate,
        name="thread_moderate",
    ),
    path(
        "mod/p/<id:pk>/<slug:operation>/",
        moderation.post_moderate,
        name="post_moderate",
    ),
    path("mod/reports/", queues.report_queue, name="report_queue"),
    path(
        "mod/reports/<id:pk>/<slug:operation>/",
        queues.report_close,
        name="report_close",
    ),
    path("mod/approval/", queues.approval_queue, name="approval_queue"),
    path("mod/log/", queues.moderation_log, name="moderation_log"),
    path("mod/u/<id:pk>/suspend/", moderation.user_suspend, name="user_suspend"),
    path("mod/u/<id:pk>/lift/", moderation.user_unsuspend, name="user_unsuspend"),
    path(
        "mod/u/<id:pk>/hide-posts/",
        moderation.user_hide_posts,
        name="user_hide_posts",
    ),
    path(
        "mod/u/<id:pk>/clear-profile/",
        moderation.user_clear_profile,
        name="user_clear_profile",
    ),
    path("search/", search.search, name="search"),
]
