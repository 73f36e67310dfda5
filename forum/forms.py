"""Forms validate input only; the actions in `forum.actions` write."""

import re

from django import forms

from .models import Category

# C0 control characters except tab, line feed and carriage return, DEL, and the
# C1 range: invisible, and NUL breaks PostgreSQL text columns.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

TITLE_MIN_LENGTH, TITLE_MAX_LENGTH = 3, 200
BODY_MAX_LENGTH = 50_000


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


class PostEditForm(forms.Form):
    """Edit a post; the opening post's form also carries the thread title."""

    title = TitleField()
    body = PostBodyField()

    def __init__(self, *args, with_title: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_title:
            del self.fields["title"]
