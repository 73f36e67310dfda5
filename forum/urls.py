from django.urls import path, register_converter

from . import views
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
    path("search/", views.search, name="search"),
]
