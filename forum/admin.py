from django.contrib import admin

from . import search
from .markup import render_markdown
from .models import Category, Post, Thread


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "position", "thread_count", "post_count"]
    list_editable = ["position"]
    list_select_related = ["parent"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["last_post"]
    readonly_fields = ["thread_count", "post_count"]


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    """Threads are started on the site (counters move there); here they are tended."""

    list_display = [
        "title",
        "category",
        "author",
        "post_count",
        "last_post_at",
        "is_pinned",
        "is_locked",
        "is_hidden",
    ]
    list_filter = ["is_pinned", "is_locked", "is_hidden", "category"]
    list_select_related = ["category", "author"]
    search_fields = ["title"]
    raw_id_fields = ["author", "last_post"]
    readonly_fields = [
        "category",
        "created_at",
        "last_post_at",
        "post_count",
        "last_position",
    ]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "title" in form.changed_data:
            search.index_thread(obj)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    """Posts are written on the site; here the text can be corrected."""

    list_display = ["__str__", "thread", "author", "created_at", "is_hidden"]
    list_filter = ["is_hidden", "is_recommended"]
    list_select_related = ["thread", "author"]
    search_fields = ["=id", "author__username"]
    raw_id_fields = ["thread", "author", "hidden_by"]
    readonly_fields = ["thread", "author", "position", "created_at", "edited_at"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        if "body_source" in form.changed_data:
            obj.body_html = render_markdown(obj.body_source)
        super().save_model(request, obj, form, change)
        search.index_posts([obj.pk])
