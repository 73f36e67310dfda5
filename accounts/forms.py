"""Forms validate input only; `accounts.actions` writes."""

import re

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from PIL import Image

from forum.forms import validate_markup

from . import names

DISPLAY_NAME_MAX_LENGTH = 50
BIO_MAX_LENGTH = 2000
AVATAR_MAX_BYTES = 2 * 1024 * 1024
AVATAR_MAX_PIXELS = 20_000_000
# Pillow format names; only these decoders are tried on an upload.
AVATAR_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")

# C0 and C1 control characters and DEL, plus the bidirectional embeddings,
# overrides and isolates, which can reverse the text around a bio on a page;
# a bio keeps its tabs and line breaks: they are Markdown. (Names: accounts.names.)
BIO_CONTROL_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)


def validate_avatar(file) -> None:
    """Accept a PNG, JPEG, WebP or GIF of at most 2 MB and 20 megapixels.

    The file is decoded with Pillow, whatever its name or content type says, so
    a renamed text file, a truncated image or a decompression bomb is refused
    here with a ValidationError instead of failing later. Leaves `file` rewound.
    """
    if file.size > AVATAR_MAX_BYTES:
        raise ValidationError(
            "The image is larger than 2 MB; please choose a smaller one.",
            code="file_too_large",
        )
    file.seek(0)
    try:
        # Opening reads only the header, so the size is checked before a single
        # pixel is decoded: a decompression bomb is refused here (or by Pillow's
        # own, higher limit, as DecompressionBombError).
        with Image.open(file, formats=AVATAR_FORMATS) as image:
            if image.width * image.height > AVATAR_MAX_PIXELS:
                raise ValidationError(
                    "The image is too large (over 20 megapixels).",
                    code="too_many_pixels",
                )
            image.load()  # decodes the (first) frame: finds truncated files
            image.getexif()  # read for its orientation when re-encoded
    except ValidationError:
        raise
    except Image.DecompressionBombError as error:
        raise ValidationError(
            "The image is too large (over 20 megapixels).", code="too_many_pixels"
        ) from error
    except Exception as error:
        # Pillow reports broken files with many exception types (OSError,
        # SyntaxError, ValueError...), like django.forms.ImageField catches.
        raise ValidationError(
            "This is not a PNG, JPEG, WebP or GIF image, or the file is damaged.",
            code="invalid_image",
        ) from error
    finally:
        file.seek(0)


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
        validators=[validate_avatar],
        widget=forms.FileInput(
            attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}
        ),
        help_text="PNG, JPEG, WebP or GIF, up to 2 MB. Cropped to a square.",
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
