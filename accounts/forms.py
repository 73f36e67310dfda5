"""Forms validate input only; `accounts.actions` writes."""

import re

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError

from forum.forms import validate_markup

from . import names
from .avatars import AvatarRefused, make_avatar

DISPLAY_NAME_MAX_LENGTH = 50
BIO_MAX_LENGTH = 2000

# C0 and C1 control characters and DEL, plus the bidirectional embeddings,
# overrides and isolates, which can reverse the text around a bio on a page;
# a bio keeps its tabs and line breaks: they are Markdown. (Names: accounts.names.)
BIO_CONTROL_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)


class ProfileSettingsForm(forms.Form):
    """Display name, bio and avatar, as on the profile settings page."""

    display_name = forms.CharField(
        max_length=DISPLAY_NAME_MAX_LENGTH,
        required=False,
        help_text="Shown instead of your username. Leave empty to use the username.",
    )
    bio = forms.CharField(
        label="About you",
        max_length=BIO_MAX_LENGTH,
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=(
            "Markdown: *emphasis*, **bold**, links, lists. Up to 2000 characters."
        ),
    )
    avatar = forms.FileField(
        required=False,
        widget=forms.FileInput(
            attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}
        ),
        help_text=(
            "PNG, JPEG, WebP or GIF, up to 2 MB and 4096x4096 pixels. "
            "Cropped to a square."
        ),
    )
    remove_avatar = forms.BooleanField(label="Remove avatar", required=False)

    def __init__(self, *args, has_avatar: bool, member_pk: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.member_pk = member_pk
        if not has_avatar:
            del self.fields["remove_avatar"]

    def clean_display_name(self) -> str:
        """NFKC, visible, and not confusable with another member's names."""
        return names.clean_display_name(
            self.cleaned_data["display_name"], member_pk=self.member_pk
        )

    def clean_avatar(self) -> bytes | None:
        """The upload made into the avatar's WebP bytes (None: no upload).

        The image is decoded here, once (`accounts.avatars.make_avatar`), so a
        damaged file is a form error; the action stores these bytes as they are.
        """
        upload = self.cleaned_data["avatar"]
        if not upload:
            return None
        try:
            return make_avatar(upload)
        except AvatarRefused as refusal:
            raise ValidationError(refusal.message, code=refusal.code) from refusal

    def clean_bio(self) -> str:
        bio = BIO_CONTROL_CHARACTERS.sub("", self.cleaned_data["bio"]).strip()
        if bio:
            validate_markup(bio)  # rendered to bio_html by the action
        return bio

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("avatar") and cleaned_data.get("remove_avatar"):
            raise ValidationError(
                "Choose a new avatar or remove the current one, not both.",
                code="avatar_conflict",
            )
        return cleaned_data


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form (ACCOUNT_FORMS), doing the same work whether the
    address is new or already a member's."""

    def try_save(self, request):
        """Save the new member, or (address taken) mail its owner instead.

        With ACCOUNT_PREVENT_ENUMERATION both answers look alike, but allauth
        skips the new account's password hash for a taken address, and that
        hash is most of the time a sign-up takes (12 ms against 160 ms): the
        delay told which addresses have an account. The password is hashed
        here on that path too, and the hash thrown away.
        """
        if self.account_already_exists and self.cleaned_data.get("password1"):
            make_password(self.cleaned_data["password1"])
        return super().try_save(request)
