from datetime import datetime, time

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils import timezone
from django.utils.html import format_html

from forum import actions
from forum.admin import StalesGuestPagesMixin, run_each, verb_actions
from forum.forms import validate_markup

from . import actions as profile
from . import names
from .models import User


class SuspensionActionForm(ActionForm):
    """The action bar of the member list: a reason and, to suspend, an end date."""

    reason = forms.CharField(required=False, max_length=500, label="Reason")
    until = forms.DateField(
        required=False,
        label="Suspend until",
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class MemberNamesMixin:
    """The names rules of sign-up and profile settings (accounts.names), in the
    admin's member forms too. A name left as it was is not checked again, so
    that older names do not block other changes to a member."""

    def clean_username(self):
        parent = getattr(super(), "clean_username", None)
        username = parent() if parent else self.cleaned_data["username"]
        if self.instance.pk and "username" not in self.changed_data:
            return username
        return names.clean_username(username, member_pk=self.instance.pk)

    def clean_display_name(self):
        display_name = self.cleaned_data["display_name"]
        if self.instance.pk and "display_name" not in self.changed_data:
            return display_name
        return names.clean_display_name(display_name, member_pk=self.instance.pk)


class MemberChangeForm(MemberNamesMixin, UserChangeForm):
    """The admin's member form: the names rules, the bio within forum.markup's
    bounds, and removing the avatar (`accounts.actions.remove_avatar`)."""

    remove_avatar = forms.BooleanField(
        required=False,
        label="Remove the avatar",
        help_text="Deletes the member's avatar image; their initials are shown.",
    )

    def clean_bio(self):
        bio = self.cleaned_data["bio"]
        if bio:
            validate_markup(bio)
        return bio


class MemberCreationForm(MemberNamesMixin, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(StalesGuestPagesMixin, DjangoUserAdmin):
    form = MemberChangeForm
    add_form = MemberCreationForm
    list_display = [
        "username",
        "email",
        "display_name",
        "post_count",
        "date_joined",
        "is_staff",
        "is_active",
        "suspended_until",
    ]
    search_fields = ["username", "email", "display_name"]
    readonly_fields = [
        "post_count",
        "last_login",
        "date_joined",
        "suspended_at",
        "suspended_until",
        "suspension_reason",
        "avatar_image",
    ]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (
            "Forum profile",
            {
                "fields": [
                    "display_name",
                    "bio",
                    "avatar_image",
                    "remove_avatar",
                    "post_count",
                ]
            },
        ),
        (
            "Suspension (use the actions of the member list)",
            {"fields": ["suspended_at", "suspended_until", "suspension_reason"]},
        ),
    ]
    action_form = SuspensionActionForm
    actions = [
        "suspend_members",
        "ban_members",
        "lift_suspensions",
        *verb_actions("user", name="user_{verb}"),
    ]

    @admin.display(description="Avatar")
    def avatar_image(self, obj):
        if not obj.avatar:
            return "(none)"
        return format_html(
            '<img src="{}" alt="" width="48" height="48">', obj.avatar_url
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "bio" in form.changed_data:
            # Through the action, which renders the bio as the site does.
            profile.update_bio(user=obj, bio=obj.bio)
        if form.cleaned_data.get("remove_avatar") and obj.avatar:
            profile.remove_avatar(user=obj)

    @admin.action(description="Suspend selected members until the date given")
    def suspend_members(self, request, queryset):
        form = SuspensionActionForm(request.POST)
        form.fields["action"].choices = [(request.POST.get("action"), "")]
        until = form.cleaned_data.get("until") if form.is_valid() else None
        if until is None:
            self.message_user(request, "Give the date the suspension ends.", "error")
            return
        until_at = timezone.make_aware(datetime.combine(until, time.min))
        run_each(
            self,
            request,
            queryset,
            lambda member, user, reason: actions.suspend_user(
                member=member, actor=user, until=until_at, reason=reason
            ),
            "member(s) suspended",
        )

    @admin.action(description="Ban selected members for good")
    def ban_members(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda member, user, reason: actions.suspend_user(
                member=member, actor=user, until=None, reason=reason
            ),
            "member(s) banned",
        )

    @admin.action(description="Lift the suspension of selected members")
    def lift_suspensions(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda member, user, reason: actions.lift_suspension(
                member=member, actor=user, reason=reason
            ),
            "suspension(s) lifted",
        )
