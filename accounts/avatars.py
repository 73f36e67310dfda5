"""Uploaded images turned into avatars: checked from the header, decoded once.

`make_avatar` is the only place that decodes an upload; the settings form calls
it while validating, and `accounts.actions.update_profile` stores what it gives.
"""

import io
import warnings

from PIL import Image, ImageOps

AVATAR_MAX_BYTES = 2 * 1024 * 1024
# 4096x4096. An avatar is stored at 128x128 and shown at 48 px, so nothing a
# member sees needs more; a 12-megapixel phone photo (4032x3024) still fits.
# The bound is what one upload may cost: a black 20-megapixel PNG is 57 KB to
# send, and took 0.5 s of CPU to decode and scale (bench/avatar_bench.py) and
# 80 MB of memory per copy of its pixels.
AVATAR_MAX_PIXELS = 4096 * 4096
AVATAR_SIZE = (128, 128)
AVATAR_QUALITY = 85
# Pillow format names; only these decoders are tried on an upload.
AVATAR_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")

# Pillow decodes images only for avatars in this process, so its own guard
# (checked when a file is opened, and inside the GIF reader) takes the same bound.
Image.MAX_IMAGE_PIXELS = AVATAR_MAX_PIXELS

TOO_MANY_PIXELS = "The image is too large (over 4096x4096 pixels, 16 megapixels)."


class AvatarRefused(ValueError):
    """The upload cannot become an avatar; `message` says why, for the member."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def make_avatar(file) -> bytes:
    """Check an uploaded image and return it as a 128x128 WebP, without metadata.

    Accepts a PNG, JPEG, WebP or GIF of at most AVATAR_MAX_BYTES and
    AVATAR_MAX_PIXELS, whatever its name or content type says. The pixel count
    is read from the header, before any pixel is decoded; then the first frame
    (of an animated image: the others are never read) is decoded once, turned
    by its EXIF orientation, center-cropped and scaled. Raises AvatarRefused for
    anything else: a renamed text file, a truncated image, a decompression bomb.
    """
    if file.size > AVATAR_MAX_BYTES:
        raise AvatarRefused(
            "The image is larger than 2 MB; please choose a smaller one.",
            "file_too_large",
        )
    file.seek(0)
    try:
        # Pillow warns, rather than refuses, between MAX_IMAGE_PIXELS and twice
        # that: a refusal here too.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file, formats=AVATAR_FORMATS) as source:
                return _encode(source)
    except AvatarRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise AvatarRefused(TOO_MANY_PIXELS, "too_many_pixels") from error
    except Exception as error:
        # Pillow reports broken files with many exception types (OSError,
        # SyntaxError, ValueError...), like django.forms.ImageField catches.
        raise AvatarRefused(
            "This is not a PNG, JPEG, WebP or GIF image, or the file is damaged.",
            "invalid_image",
        ) from error
    finally:
        file.seek(0)


def _encode(source: Image.Image) -> bytes:
    """The opened (not yet decoded) `source` as the avatar's WebP bytes."""
    width, height = source.size  # from the header (a GIF's first frame included)
    if width * height > AVATAR_MAX_PIXELS:
        raise AvatarRefused(TOO_MANY_PIXELS, "too_many_pixels")
    side = min(width, height)
    # A JPEG can be decoded at 1/2, 1/4 or 1/8 scale for the price of fewer
    # pixels; keep three times the avatar's side for the final resampling.
    source.draft(
        None, (width * 3 * AVATAR_SIZE[0] // side, height * 3 * AVATAR_SIZE[1] // side)
    )
    has_alpha = source.mode in {"RGBA", "LA", "PA"} or (
        source.mode == "P" and "transparency" in source.info
    )
    ImageOps.exif_transpose(source, in_place=True)  # reads the EXIF: broken fails
    mode = "RGBA" if has_alpha else "RGB"
    image = source if source.mode == mode else source.convert(mode)
    width, height = image.size  # turned, and perhaps drafted smaller
    side = min(width, height)
    left, top = (width - side) / 2, (height - side) / 2
    # reducing_gap: a cheap box reduction first, then Lanczos over the last 3x,
    # indistinguishable from Lanczos over the whole (Pillow's documentation).
    avatar = image.resize(
        AVATAR_SIZE,
        Image.Resampling.LANCZOS,
        box=(left, top, left + side, top + side),
        reducing_gap=3.0,
    )
    # Pillow's WebP encoder writes only the metadata given to save(), here none:
    # the EXIF (camera, GPS position), XMP and ICC profile of the upload are dropped.
    output = io.BytesIO()
    avatar.save(output, format="WEBP", quality=AVATAR_QUALITY)
    return output.getvalue()
