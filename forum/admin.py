"""The Django admin, for administrators.

Moderation flags and counters are read-only here: they change only through the
admin actions below, which call the same `forum.actions` functions as the
pages, so the moderation log and the counters stay right.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError

from . import actions, cache
from .forms import validate_markup
from .models import Category, ModerationLogEntry, Post, Report, Thread


class ModerationActionForm(ActionForm):
    """The admin's action bar, with a reason for the log."""

    reason = forms.CharField(required=False, max_length=500, label="Reason")


class ThreadActionForm(ModerationActionForm):
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(),
        required=False,
        label="Move to",
        empty_label="(category for “move”)",
    )


def run_each(modeladmin, request, queryset, call, done):
    """Apply an action to each selected object; report successes and refusals."""
    reason = request.POST.get("reason", "")
    changed = 0
    for obj in queryset:
        try:
            call(obj, request.user, reason)
        except (PermissionDenied, ValidationError) as error:
            message = getattr(error, "message", None) or "; ".join(error.messages)
            modeladmin.message_user(request, f"{obj}: {message}", messages.ERROR)
        else:
            changed += 1
    if changed:
        modeladmin.message_user(request, f"{changed} {done}.", messages.SUCCESS)


class StalesGuestPagesMixin:
    """Admin edits make every cached guest page stale (`forum.cache.site_changed`).

    Edits here are rare and can touch anything a page shows (names, flags,
    order, deletions in bulk), so one site-wide bump is both simple and exact
    enough. It covers the add, change and delete views, `list_editable` and the
    "delete selected" action.
    """

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        cache.site_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        cache.site_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        cache.site_changed()


@admin.register(Category)
class CategoryAdmin(StalesGuestPagesMixin, admin.ModelAdmin):
    list_display = ["name", "parent", "position", "thread_count", "post_count"]
    list_editable = ["position"]
    list_select_related = ["parent"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["last_post"]
    autocomplete_fields = ["moderators"]
    readonly_fields = ["thread_count", "post_count"]


def verb_actions(target: str, *, name: str) -> list:
    """The admin actions of the registry's verbs on `target` that the admin
    offers (`Verb.admin`), each calling the verb's tool (`actions.TOOLS`).

    `name` makes each action's name from the verb's operation ("{verb}").
    """
    return [
        _verb_action(action, target, name.format(verb=action.operation))
        for action in ModerationLogEntry.Action.tools(target)
        if action.verb.admin
    ]


def _verb_action(action, target, name):
    call = actions.TOOLS[action]

    def admin_action(modeladmin, request, queryset):
        run_each(
            modeladmin,
            request,
            queryset,
            lambda obj, user, reason: call(**{target: obj}, actor=user, reason=reason),
            f"{target}(s) {action.verb.past}",
        )

    admin_action.__name__ = name
    admin_action.short_description = (
        f"{action.operation.replace('_', ' ').capitalize()} selected {target}s"
    )
    return admin_action


@admin.register(Thread)
class ThreadAdmin(StalesGuestPagesMixin, admin.ModelAdmin):
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
    list_filter = ["is_pinned", "is_locked", "is_hidden", "is_approved", "category"]
    list_select_related = ["category", "author"]
    search_fields = ["title"]
    raw_id_fields = ["author", "last_post"]
    readonly_fields = [
        "category",
        "created_at",
        "last_post_at",
        "post_count",
        "last_position",
        "is_pinned",
        "is_locked",
        "is_hidden",
        "is_approved",
    ]
    date_hierarchy = "created_at"
    show_full_result_count = False
    action_form = ThreadActionForm
    actions = [
        *verb_actions("thread", name="thread_{verb}"),
        "move_threads",
    ]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        if "title" in form.changed_data:
            # Through the action, so the slug follows and the log has it.
            title = form.cleaned_data["title"]
            obj.title = Thread.objects.values_list("title", flat=True).get(pk=obj.pk)
            super().save_model(request, obj, form, change)
            actions.rename_thread(thread=obj, actor=request.user, title=title)
            return
        super().save_model(request, obj, form, change)

    @admin.action(description="Move selected threads to the chosen category")
    def move_threads(self, request, queryset):
        category = None
        category_id = request.POST.get("category")
        if category_id and category_id.isdigit():
            category = Category.objects.filter(pk=category_id).first()
        if category is None:
            self.message_user(
                request, "Choose the category to move to.", messages.ERROR
            )
            return
        run_each(
            self,
            request,
            queryset,
            lambda thread, user, reason: actions.move_thread(
                thread=thread, actor=user, category=category, reason=reason
            ),
            "thread(s) moved",
        )


class PostAdminForm(forms.ModelForm):
    """The admin's post form: the body within forum.markup's bounds."""

    def clean_body_source(self):
        body = self.cleaned_data["body_source"]
        validate_markup(body)
        return body


@admin.register(Post)
class PostAdmin(StalesGuestPagesMixin, admin.ModelAdmin):
    """Posts are written on the site; here the text can be corrected."""

    form = PostAdminForm

    list_display = ["__str__", "thread", "author", "created_at", "is_hidden"]
    list_filter = ["is_hidden", "is_recommended", "is_approved"]
    list_select_related = ["thread", "author"]
    search_fields = ["=id", "author__username"]
    raw_id_fields = ["thread", "author", "hidden_by"]
    readonly_fields = [
        "thread",
        "author",
        "position",
        "created_at",
        "edited_at",
        "is_hidden",
        "hidden_by",
        "hidden_reason",
        "is_recommended",
        "is_approved",
        "ip_address",
    ]
    show_full_result_count = False
    action_form = ModerationActionForm
    actions = verb_actions("post", name="{verb}_posts")

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        if "body_source" in form.changed_data:
            # Through the action: a revision, `edited_at`, the log, the index.
            body = form.cleaned_data["body_source"]
            obj.body_source = Post.objects.values_list("body_source", flat=True).get(
                pk=obj.pk
            )
            super().save_model(request, obj, form, change)
            actions.edit_post(post=obj, editor=request.user, body=body)
            return
        super().save_model(request, obj, form, change)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Reports are closed through the actions, so the log records who did it."""

    list_display = ["__str__", "reason", "reporter", "status", "created_at"]
    list_filter = ["status", "reason"]
    list_select_related = ["reporter", "post"]
    search_fields = ["=post__id", "reporter__username"]
    raw_id_fields = ["post", "reporter", "closed_by"]
    readonly_fields = [
        "post",
        "reporter",
        "reason",
        "text",
        "created_at",
        "status",
        "closed_by",
        "closed_at",
        "note",
    ]
    show_full_result_count = False
    action_form = ModerationActionForm
    actions = ["resolve_reports", "dismiss_reports"]

    def has_add_permission(self, request):
        return False

    def _close(self, request, queryset, call, done):
        run_each(
            self,
            request,
            queryset.filter(status=Report.Status.OPEN),
            lambda report, user, reason: call(report=report, actor=user, note=reason),
            done,
        )

    @admin.action(description="Resolve selected reports")
    def resolve_reports(self, request, queryset):
        self._close(request, queryset, actions.resolve_report, "report(s) resolved")

    @admin.action(description="Dismiss selected reports")
    def dismiss_reports(self, request, queryset):
        self._close(request, queryset, actions.dismiss_report, "report(s) dismissed")


@admin.register(ModerationLogEntry)
class ModerationLogEntryAdmin(admin.ModelAdmin):
    """The log is written by the actions only: read-only here."""

    list_display = ["created_at", "actor", "action", "target_repr", "reason"]
    list_filter = ["action"]
    list_select_related = ["actor"]
    search_fields = ["actor__username", "target_user__username", "target_repr"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
