"""Forms validate input only; the actions in `forum.actions` write."""

import re
from datetime import datetime, time

from django import forms
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.utils import timezone

from .markup import MarkupTooLarge, render_markdown, strip_bidi_controls
from .models import Category, Report

# C0 control characters except tab, line feed and carriage return, DEL, and the
# C1 range: invisible, and NUL breaks PostgreSQL text columns.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

TITLE_MIN_LENGTH, TITLE_MAX_LENGTH = 3, 200
BODY_MAX_LENGTH = 50_000
SEARCH_FIRST_YEAR, SEARCH_LAST_YEAR = 1900, 2999


def clean_text(value: str) -> str:
    """Drop control characters and surrounding whitespace."""
    return CONTROL_CHARACTERS.sub("", value).strip()


class TextField(forms.CharField):
    """A CharField that removes control characters before checking lengths."""

    def to_python(self, value):
        value = super().to_python(value)
        return clean_text(value) if value else value


def validate_markup(source: str) -> None:
    """Refuse Markdown that forum.markup would not render (too costly or too
    large once rendered), with its message as the form error. The render is
    kept for a moment, so the action that stores the body does not repeat it."""
    try:
        render_markdown(source)
    except MarkupTooLarge as error:
        raise forms.ValidationError(str(error), code="markup_too_large") from error


class PostBodyField(TextField):
    """A post's Markdown: validated by rendering it (forum.markup's bounds),
    once its length is known to be right."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Message")
        kwargs.setdefault("max_length", BODY_MAX_LENGTH)
        kwargs.setdefault(
            "help_text", "Markdown: *emphasis*, **bold**, > quotes, lists, `code`."
        )
        kwargs.setdefault(
            "widget", forms.Textarea(attrs={"rows": 8, "maxlength": BODY_MAX_LENGTH})
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value:
            validate_markup(value)
        return value


class TitleField(TextField):
    """A thread title, without bidirectional controls: a title is shown among
    other text (lists, breadcrumbs, the page's title) and must not reverse it."""

    def to_python(self, value):
        value = super().to_python(value)
        return strip_bidi_controls(value).strip() if value else value

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Title")
        kwargs.setdefault("min_length", TITLE_MIN_LENGTH)
        kwargs.setdefault("max_length", TITLE_MAX_LENGTH)
        super().__init__(**kwargs)


class ReplyForm(forms.Form):
    body = PostBodyField(label="Your reply")


class ThreadForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("position", "name"),
        empty_label="Choose a category",
    )
    title = TitleField()
    body = PostBodyField()


class SearchForm(forms.Form):
    """The search page's options; field names match the header's search form."""

    q = TextField(label="Search for", required=False)
    match = forms.ChoiceField(
        label="Find results that contain...",
        choices=[("all", "All of my words"), ("any", "Any of my words")],
        initial="all",
        required=False,
        widget=forms.RadioSelect,
    )
    author = TextField(label="Author (user name)", required=False, max_length=150)
    category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("position", "name"),
        to_field_name="slug",
        empty_label="All categories",
        required=False,
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    order = forms.ChoiceField(
        label="Sort by",
        choices=[("relevance", "Relevance"), ("date", "Date, newest first")],
        initial="relevance",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "in" is a Python keyword, so this field is added here, not above.
        self.fields["in"] = forms.ChoiceField(
            label="Find results in...",
            choices=[
                ("all", "Content titles and body"),
                ("titles", "Content titles only"),
            ],
            initial="all",
            required=False,
            widget=forms.RadioSelect,
        )
        self.order_fields(
            ["q", "match", "in", "author", "category", "date_from", "date_to"]
        )

    def clean_date_from(self):
        return self._sensible_date(self.cleaned_data["date_from"])

    def clean_date_to(self):
        return self._sensible_date(self.cleaned_data["date_to"])

    @staticmethod
    def _sensible_date(value):
        # Year 1 or 9999 would overflow the day arithmetic and the time zones.
        if value and not SEARCH_FIRST_YEAR <= value.year <= SEARCH_LAST_YEAR:
            raise forms.ValidationError(
                f"Enter a date between {SEARCH_FIRST_YEAR} and {SEARCH_LAST_YEAR}."
            )
        return value

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The end date comes before the start date.")
        return cleaned


class PostEditForm(forms.Form):
    """Edit a post; the opening post's form also carries the thread title."""

    title = TitleField()
    body = PostBodyField()

    def __init__(self, *args, with_title: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_title:
            del self.fields["title"]


# Moderation forms: they validate input; `forum.actions` checks rights and writes.

REASON_MAX_LENGTH = 500


class ReasonForm(forms.Form):
    """The confirmation step of a moderation action, with an optional reason."""

    reason = TextField(
        label="Reason (optional)",
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text="Kept in the moderation log.",
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": REASON_MAX_LENGTH}),
    )


class ThreadRenameForm(ReasonForm):
    title = TitleField(label="New title")
    field_order = ["title", "reason"]


class ThreadMoveForm(ReasonForm):
    """Move to one of the categories the moderator moderates."""

    category = forms.ModelChoiceField(
        queryset=Category.objects.none(), empty_label="Choose a category"
    )
    field_order = ["category", "reason"]

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories


THREAD_NUMBER = re.compile(r"/t/([0-9]{1,18})(?:/|$)")


class ThreadMergeForm(ReasonForm):
    """Merge into another thread, named by its number or its address."""

    into = TextField(
        label="Merge into thread",
        max_length=500,
        help_text="The other thread's address, or its number (the digits after /t/).",
    )
    field_order = ["into", "reason"]

    def __init__(self, *args, thread, threads, **kwargs):
        super().__init__(*args, **kwargs)
        self.thread, self.threads = thread, threads

    def clean_into(self):
        value = self.cleaned_data["into"]
        match = THREAD_NUMBER.search(value)
        number = match.group(1) if match else value
        if not (number.isascii() and number.isdigit() and len(number) <= 18):
            raise forms.ValidationError("Give a thread number or a thread address.")
        if int(number) == self.thread.pk:
            raise forms.ValidationError("A thread cannot be merged into itself.")
        into = self.threads.filter(pk=int(number)).first()
        if into is None:
            raise forms.ValidationError("There is no such thread that you moderate.")
        return into


def out_of_range(key: models.Field, values, using: str) -> list:
    """The values that are integers outside the range of the column `key`
    (the database driver raises OverflowError for them, not a lookup error)."""
    if not isinstance(key, models.IntegerField):
        return []
    low, high = connections[using].ops.integer_field_range(key.get_internal_type())
    outside = []
    for value in values:
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue  # not an integer at all: the field's own check names it
        if not low <= number <= high:
            outside.append(value)
    return outside


class CheckedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that refuses integer keys outside the column's
    range: Django queries them, and the database driver raised OverflowError."""

    def clean(self, value):
        if isinstance(value, (list, tuple)):
            model = self.queryset.model
            key = model._meta.get_field(self.to_field_name or model._meta.pk.name)
            for item in out_of_range(key, value, self.queryset.db):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": item},
                )
        return super().clean(value)


class PostChoiceField(CheckedModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, post):
        excerpt = " ".join(post.body_source.split())[:80]
        return f"#{post.position} by {post.author.name}: {excerpt}"


class ThreadSplitForm(ReasonForm):
    """Split chosen posts (of one page of the thread) into a new thread."""

    posts = PostChoiceField(
        queryset=None,
        label="Posts to move",
        error_messages={"required": "Choose at least one post to split off."},
    )
    title = TitleField(label="Title of the new thread")
    category = forms.ModelChoiceField(queryset=Category.objects.none())
    field_order = ["posts", "title", "category", "reason"]

    def __init__(self, *args, posts, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["posts"].queryset = posts
        self.fields["category"].queryset = categories


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with this post?",
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
    )
    text = TextField(
        label="Anything the moderators should know (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
    )


class ReportCloseForm(forms.Form):
    note = TextField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        help_text="Kept with the report and in the moderation log.",
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000}),
    )


class SuspendForm(ReasonForm):
    """Suspend until a date (at midnight, site time), or ban for good."""

    kind = forms.ChoiceField(
        label="Kind",
        choices=[("suspend", "Suspend until the date below"), ("ban", "Ban for good")],
        widget=forms.RadioSelect,
        initial="suspend",
    )
    until = forms.DateField(
        label="Suspended until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    field_order = ["kind", "until", "reason"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") != "suspend":
            cleaned["until_at"] = None
            return cleaned
        until = cleaned.get("until")
        if until is None:
            self.add_error("until", "Give the date the suspension ends.")
            return cleaned
        until_at = timezone.make_aware(datetime.combine(until, time.min))
        if until_at <= timezone.now():
            self.add_error("until", "The end of a suspension must be in the future.")
        cleaned["until_at"] = until_at
        return cleaned


class ModerationLogFilterForm(forms.Form):
    """The log page's filters (a GET form)."""

    action = forms.ChoiceField(label="Action", required=False)
    moderator = TextField(label="Moderator (username)", required=False, max_length=150)
    member = TextField(label="Member (username)", required=False, max_length=150)

    def __init__(self, *args, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any"), *((a, a) for a in actions)]
