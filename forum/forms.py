"""Forms validate input only; the actions in `forum.actions` write."""

import re

from django import forms

from .models import Category

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


class PostBodyField(TextField):
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


class TitleField(TextField):
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
