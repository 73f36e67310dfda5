from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from forum.admin import StalesGuestPagesMixin
from forum.markup import render_markdown

from .models import User


@admin.register(User)
class UserAdmin(StalesGuestPagesMixin, DjangoUserAdmin):
    list_display = [
        "username",
        "email",
        "display_name",
        "post_count",
        "date_joined",
        "is_staff",
        "is_active",
    ]
    search_fields = ["username", "email", "display_name"]
    readonly_fields = ["post_count", "last_login", "date_joined"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Forum profile", {"fields": ["display_name", "bio", "post_count"]}),
    ]

    def save_model(self, request, obj, form, change):
        if "bio" in form.changed_data:
            obj.bio_html = render_markdown(obj.bio) if obj.bio else ""
        super().save_model(request, obj, form, change)
