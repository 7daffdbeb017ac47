"""Small real pictures for tests (uploads are decoded and drawn again, so a few magic bytes are not enough)."""

from __future__ import annotations

import io

from PIL import Image


def picture(fmt: str = "PNG", size: tuple[int, int] = (8, 6), exif: Image.Exif | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    if fmt == "PNG":
        options["optimize"] = True  # as the app stores it: a stored copy equals what was sent
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A phone photo: a JPEG whose EXIF names the camera and where it was (Shanghai)."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    gps = {1: "N", 2: (31.0, 13.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    exif[0x8825] = gps  # GPSInfo
    return picture("JPEG", (16, 12), exif)


PNG = picture()
