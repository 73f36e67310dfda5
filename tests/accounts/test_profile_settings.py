import io
import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageFile

from tests.accounts.pages import active_content, assert_site_page

URL = "/settings/profile/"


def image_file(
    name="avatar.png", image_format="PNG", size=(300, 200), mode="RGB", **save_options
):
    """An upload made with Pillow: left third red, middle green, right blue."""
    image = Image.new(mode, size, "red")
    if mode == "RGB":
        width, height = size
        image.paste((0, 255, 0), (width // 3, 0, 2 * width // 3, height))
        image.paste((0, 0, 255), (2 * width // 3, 0, width, height))
    output = io.BytesIO()
    image.save(output, format=image_format, **save_options)
    return SimpleUploadedFile(name, output.getvalue())


def exif_with_secrets():
    exif = Image.Exif()
    exif[0x010E] = "Holiday at home"  # ImageDescription
    exif[0x013B] = "Jane Doe"  # Artist
    return exif


def stored_avatars(media_root):
    folder = media_root / "avatars"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def post(client, **data):
    data.setdefault("display_name", "Ann Example")
    data.setdefault("bio", "")
    return client.post(URL, data)


@pytest.fixture
def member_client(client, user):
    client.force_login(user)
    return client


def test_guest_is_sent_to_sign_in(client, db):
    """The settings page needs a signed-in member."""
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={URL}"
    response = client.post(URL, {"display_name": "Guest"})
    assert response.status_code == 302


def test_settings_page_is_linked_from_the_user_menu(member_client):
    """The header's user menu leads to the account settings."""
    content = member_client.get("/").content.decode()
    assert f'<a href="{URL}">Account settings</a>' in content


def test_change_display_name_and_bio(member_client, user):
    """Saving redirects back with a message; the bio is stored as rendered HTML."""
    response = post(
        member_client, display_name="  Ann Example  ", bio="I like *Markdown*."
    )
    assert response.status_code == 302
    assert response["Location"] == URL
    page = member_client.get(URL)
    assert "Your profile has been saved." in page.content.decode()

    user.refresh_from_db()
    assert user.display_name == "Ann Example"
    assert user.bio == "I like *Markdown*."
    assert user.bio_html == "<p>I like <em>Markdown</em>.</p>\n"
    profile = member_client.get(user.get_absolute_url()).content.decode()
    assert "<p>I like <em>Markdown</em>.</p>" in profile


def test_display_name_with_control_characters_is_refused(member_client, user):
    """Control and bidirectional-override characters are refused with a form
    error (removing them silently kept what a reader would misread)."""
    response = post(member_client, display_name="\u202eAnn\x07 \x1bExample")
    assert response.status_code == 200
    assert "invisible or text-direction characters" in response.content.decode()
    user.refresh_from_db()
    assert "Ann" not in user.display_name


def test_display_name_with_nul_is_refused(member_client, user):
    """A NUL byte is refused with a form error, not a server error."""
    response = post(member_client, display_name="Ann\x00")
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    user.refresh_from_db()
    assert user.display_name != "Ann"


def test_display_name_and_bio_lengths_are_limited(member_client, user):
    """A name over 50 or a bio over 2000 characters is refused, keeping the input."""
    response = post(member_client, display_name="x" * 51, bio="y" * 2001)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="id_display_name_error"' in content
    assert 'id="id_bio_error"' in content
    assert "y" * 2001 in content
    user.refresh_from_db()
    assert user.bio == ""


@pytest.mark.parametrize(
    "bio",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        "[x](JaVaScRiPt:alert(1))",
        "![x](javascript:alert(1))",
        "<a href='javascript:alert(1)'>x</a>",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_bio_cannot_carry_scripts(member_client, user, bio):
    """Script in a bio survives neither in bio_html nor on the profile page."""
    post(member_client, bio=bio)
    user.refresh_from_db()
    assert user.bio == bio
    assert active_content(user.bio_html) == []
    profile = member_client.get(user.get_absolute_url()).content.decode()
    assert active_content(profile) == []


def test_display_name_is_escaped_on_the_profile(member_client, user):
    """Markup in a display name is shown as text."""
    post(member_client, display_name="<script>alert(1)</script>")
    content = member_client.get(user.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)" in content


def test_upload_avatar_is_stored_as_a_small_webp_without_exif(
    member_client, user, media_root
):
    """A PNG with EXIF becomes a 128x128 center crop in WebP, with no metadata."""
    upload = image_file(exif=exif_with_secrets())
    assert Image.open(io.BytesIO(upload.read())).getexif()  # the test input has EXIF
    upload.seek(0)
    response = post(member_client, avatar=upload)
    assert response.status_code == 302

    user.refresh_from_db()
    assert re.fullmatch(rf"avatars/{user.pk}-[A-Za-z0-9_-]+\.webp", user.avatar.name)
    data = (media_root / user.avatar.name).read_bytes()
    assert b"Holiday" not in data
    assert b"Jane Doe" not in data
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == "WEBP"
        assert stored.size == (128, 128)
        assert not stored.getexif()
        assert "exif" not in stored.info
        # The middle 200x200 of the 300x200 upload: x=40 of 128 falls at x=112 of
        # the upload, in its green middle third (squeezed whole, it would be red).
        red, green, blue = stored.convert("RGB").getpixel((40, 64))
        assert green > 200 and red < 60 and blue < 60


def test_avatar_is_served_with_long_caching(member_client, user, media_root):
    """The avatar URL answers the WebP, cacheable for a year; the pages show it."""
    post(member_client, avatar=image_file())
    user.refresh_from_db()
    response = member_client.get(user.avatar_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content) == user.avatar.read()

    profile = member_client.get(user.get_absolute_url()).content.decode()
    assert (
        f'<img src="{user.avatar_url}" alt="" width="48" height="48" class="avatar">'
        in profile
    )


@pytest.mark.parametrize(
    "path",
    [
        "/avatars/1-missing.webp",
        "/avatars/../secret.webp",
        "/avatars/..%2Fsecret.webp",
        "/avatars/1-abc.png",
        "/avatars/abc.webp",
    ],
)
def test_unknown_avatar_names_are_not_found(client, db, media_root, path):
    """Only existing avatars/<id>-<random>.webp files are served."""
    (media_root / "secret.webp").write_bytes(b"secret")
    response = client.get(path)
    assert response.status_code == 404


def test_member_without_avatar_shows_initials(client, user):
    """Without an avatar, the generated initials stand in."""
    content = client.get(user.get_absolute_url()).content.decode()
    assert f'<span class="avatar" aria-hidden="true">{user.initials}</span>' in content
    assert '<img src="/avatars/' not in content


def test_replacing_the_avatar_deletes_the_old_file(
    member_client, user, media_root, django_capture_on_commit_callbacks
):
    """A new avatar gets a new name; the old file goes once the change commits."""
    with django_capture_on_commit_callbacks(execute=True):
        post(member_client, avatar=image_file())
    user.refresh_from_db()
    first = user.avatar.name

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post(member_client, avatar=image_file("new.jpg", "JPEG"))
    user.refresh_from_db()
    assert user.avatar.name != first
    # The old file's deletion, forum.cache making pages with the avatar stale,
    # and the member's card (forum.signals, on the saved row).
    assert len(callbacks) == 3
    assert stored_avatars(media_root) == [user.avatar.name.split("/")[1]]


def test_remove_avatar(
    member_client, user, media_root, django_capture_on_commit_callbacks
):
    """Ticking "Remove avatar" clears it and deletes the file."""
    post(member_client, avatar=image_file())
    page = member_client.get(URL).content.decode()
    assert 'name="remove_avatar"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = post(member_client, remove_avatar="on")
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.avatar
    assert stored_avatars(media_root) == []
    assert 'name="remove_avatar"' not in member_client.get(URL).content.decode()


@pytest.mark.parametrize(
    ("name", "image_format", "mode", "options"),
    [
        ("a.gif", "GIF", "P", {"transparency": 0}),
        ("a.webp", "WEBP", "RGB", {}),
        ("a.jpg", "JPEG", "CMYK", {}),
        ("a.png", "PNG", "RGBA", {}),
        ("a.png", "PNG", "I;16", {}),
    ],
)
def test_avatar_formats_accepted(
    member_client, user, media_root, name, image_format, mode, options
):
    """PNG, JPEG, WebP and GIF, in their various modes, are stored as WebP."""
    upload = image_file(name, image_format, mode=mode, **options)
    response = post(member_client, avatar=upload)
    assert response.status_code == 302
    user.refresh_from_db()
    with Image.open(media_root / user.avatar.name) as stored:
        assert (stored.format, stored.size) == ("WEBP", (128, 128))


def _truncated_png():
    data = image_file(size=(400, 400)).read()
    return SimpleUploadedFile("cut.png", data[: len(data) // 2])


def _noise_png(size):
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    output = io.BytesIO()
    image.save(output, format="PNG", compress_level=0)
    return SimpleUploadedFile("big.png", output.getvalue())


def _text_named_png():
    return SimpleUploadedFile("notes.png", b"just some text\n" * 100, "image/png")


NOT_AN_IMAGE = "not a PNG, JPEG, WebP or GIF image"


@pytest.mark.parametrize(
    ("make_upload", "message"),
    [
        pytest.param(_text_named_png, NOT_AN_IMAGE, id="text-named-png"),
        pytest.param(
            lambda: _noise_png((1000, 1000)), "larger than 2 MB", id="3-megabytes"
        ),
        pytest.param(_truncated_png, "the file is damaged", id="truncated"),
        pytest.param(
            lambda: image_file(size=(10_000, 10_000), mode="1"),
            "over 4096x4096 pixels",
            id="10000x10000",
        ),
        pytest.param(
            lambda: image_file(size=(4096, 4097), mode="1"),
            "over 4096x4096 pixels",
            id="over-16-megapixels",
        ),
        pytest.param(lambda: image_file("a.bmp", "BMP"), NOT_AN_IMAGE, id="bmp"),
        pytest.param(
            lambda: image_file(exif=b"garbage!!"),
            "the file is damaged",
            id="broken-exif",
        ),
    ],
)
def test_invalid_avatar_is_refused_with_a_form_error(
    member_client, user, media_root, make_upload, message
):
    """A bad upload re-shows the form with an error and changes nothing."""
    response = post(member_client, display_name="Changed", avatar=make_upload())
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert 'id="id_avatar_error"' in content
    user.refresh_from_db()
    assert user.display_name != "Changed"
    assert not user.avatar
    assert stored_avatars(media_root) == []


def test_avatar_and_remove_together_is_refused(member_client, user, media_root):
    """Uploading and removing at once is ambiguous and refused."""
    post(member_client, avatar=image_file())
    user.refresh_from_db()
    first = user.avatar.name
    response = post(member_client, avatar=image_file(), remove_avatar="on")
    assert response.status_code == 200
    assert "not both" in response.content.decode()
    user.refresh_from_db()
    assert user.avatar.name == first


def test_profile_settings_page_markup(member_client):
    """One h1, the site template, labels for every field, and the multipart form."""
    response = member_client.get(URL)
    assert_site_page(response)
    assert 'enctype="multipart/form-data"' in response.content.decode()


@pytest.fixture
def decodes(monkeypatch):
    """The sizes of the frames Pillow decodes (a `load()` with pixels to read)."""
    sizes = []
    original_load = ImageFile.ImageFile.load

    def counting_load(image):
        if image.tile:
            sizes.append(image.size)
        return original_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting_load)
    return sizes


def test_too_many_pixels_are_refused_from_the_header(member_client, user, decodes):
    """A 57 KB PNG of 20 megapixels is refused before any pixel is decoded."""
    upload = image_file(size=(5000, 4000))
    assert upload.size < 100_000
    response = post(member_client, display_name="Changed", avatar=upload)
    assert response.status_code == 200
    assert "over 4096x4096 pixels" in response.content.decode()
    assert decodes == []
    user.refresh_from_db()
    assert user.display_name != "Changed"


def test_an_upload_is_decoded_once(member_client, user, media_root, decodes):
    """The form's check and the stored avatar share one decode of the upload."""
    response = post(member_client, avatar=image_file(size=(4096, 4096)))
    assert response.status_code == 302
    assert decodes == [(4096, 4096)]
    user.refresh_from_db()
    assert user.avatar


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(
    member_client, user, media_root, decodes
):
    """A JPEG is decoded at the smallest DCT scale keeping 3x the avatar's side."""
    response = post(member_client, avatar=image_file("a.jpg", "JPEG", (4000, 3000)))
    assert response.status_code == 302
    assert decodes == [(1000, 750)]  # a quarter: 750 >= 3 x 128 > 375


@pytest.mark.parametrize("image_format", ["GIF", "WEBP"])
def test_animated_image_keeps_its_first_frame_only(
    member_client, user, media_root, decodes, image_format
):
    """Of an animated GIF or WebP only the first frame is decoded and stored."""
    frames = [Image.new("RGB", (200, 200), color) for color in ("red", "blue")]
    output = io.BytesIO()
    frames[0].save(output, format=image_format, save_all=True, append_images=frames[1:])
    upload = SimpleUploadedFile("a." + image_format.lower(), output.getvalue())
    response = post(member_client, avatar=upload)
    assert response.status_code == 302
    assert len(decodes) == 1
    user.refresh_from_db()
    with Image.open(media_root / user.avatar.name) as stored:
        red, green, blue = stored.convert("RGB").getpixel((64, 64))
    assert red > 200 and green < 60 and blue < 60


def test_avatar_uploads_are_rate_limited(
    settings, member_client, user, media_root, decodes
):
    """Past AVATAR_RATE_LIMIT the whole save is refused (429), nothing decoded;
    saves without a new image are not counted and still go through."""
    settings.AVATAR_RATE_LIMIT = "2/3600"
    codes = [post(member_client, avatar=image_file()).status_code for _ in range(2)]
    assert codes == [302, 302]
    user.refresh_from_db()
    second = user.avatar.name
    del decodes[:]

    response = post(member_client, display_name="Changed", avatar=image_file())
    assert response.status_code == 429
    content = response.content.decode()
    assert "too many avatars" in content
    assert 'id="id_avatar_error"' in content
    assert 'value="Changed"' in content  # the typed text is kept
    assert decodes == []
    user.refresh_from_db()
    assert (user.display_name, user.avatar.name) == ("Ann Example", second)

    assert post(member_client, display_name="Changed").status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Changed"
