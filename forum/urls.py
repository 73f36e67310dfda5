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
    path("p/<id:pk>/", views.post_permalink, name="post_permalink"),
]
