"""
Cost of one avatar upload: the settings form's validation plus `update_profile`.

    .venv/bin/python bench/avatar_bench.py            # 5000x4000 PNG (20 MP)
    .venv/bin/python bench/avatar_bench.py --size 4096x4096 --runs 5

The upload is a black RGB PNG of the given size (57 KB for 20 megapixels:
cheap to send, costly to decode). For each run the script prints the CPU time
of the form's `is_valid()`, of `update_profile` (the re-encoding to a 128 px
WebP included), the number of full decodes (`ImageFile.load` calls that read
pixels) and whether the form accepted the file. Runs against an in-memory
SQLite database and a temporary MEDIA_ROOT; nothing of the project is touched.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "avatar-benchmark")
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="avatar-bench-")
os.environ.setdefault("AVATAR_RATE_LIMIT", "1000000/3600")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from PIL import Image, ImageFile  # noqa: E402

from accounts.actions import update_profile  # noqa: E402
from accounts.forms import ProfileSettingsForm  # noqa: E402
from accounts.models import User  # noqa: E402


def png(width: int, height: int) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (width, height)).save(output, format="PNG")
    return output.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="5000x4000", help="WIDTHxHEIGHT")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    width, height = (int(side) for side in args.size.split("x"))
    data = png(width, height)
    print(f"{width}x{height} PNG, {len(data) / 1024:.0f} KB")

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", "bench@example.com", "x" * 12)

    decodes = 0
    original_load = ImageFile.ImageFile.load

    def counting_load(image):
        nonlocal decodes
        if image.tile:  # pixels still to read: this call decodes the frame
            decodes += 1
        return original_load(image)

    ImageFile.ImageFile.load = counting_load
    for run in range(args.runs):
        decodes = 0
        form = ProfileSettingsForm(
            {"display_name": "", "bio": ""},
            {"avatar": SimpleUploadedFile("a.png", data)},
            has_avatar=bool(user.avatar),
            member_pk=user.pk,
        )
        started = time.process_time()
        valid = form.is_valid()
        form_ms = (time.process_time() - started) * 1000
        action_ms = 0.0
        if valid:
            started = time.process_time()
            update_profile(
                user=user,
                display_name="",
                bio="",
                avatar_webp=form.cleaned_data["avatar"],
            )
            action_ms = (time.process_time() - started) * 1000
        outcome = "accepted" if valid else f"refused: {form.errors['avatar'][0]}"
        print(
            f"run {run + 1}: form {form_ms:.1f} ms, action {action_ms:.1f} ms, "
            f"total {form_ms + action_ms:.1f} ms, {decodes} full decode(s), {outcome}"
        )


if __name__ == "__main__":
    main()
