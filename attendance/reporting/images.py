"""Photos people upload (violation evidence, sick notes) are drawn again before they are kept: what is
stored is only the picture — no EXIF (a phone's GPS position, its serial number), no trailing bytes, no
second file hidden inside — turned upright as the camera meant."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
MAX_PIXELS = 50_000_000  # a 50-megapixel photo is the most a phone makes; more is a decompression bomb


class NotAnImage(ValueError):
    """The bytes do not open as the picture their first bytes claim."""


def clean_photo(data: bytes, mime: str) -> bytes:
    """The picture in ``data`` (a JPEG, PNG or WebP by its content) re-encoded in the same format with no
    metadata. :raise NotAnImage: it does not decode, or it is larger than any phone photo."""
    if mime not in FORMATS:
        raise NotAnImage(mime)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise NotAnImage("too many pixels")
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise NotAnImage(str(exc)) from None
    if upright.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
    out = io.BytesIO()
    fmt = FORMATS[mime]
    if fmt == "JPEG":
        upright.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "WEBP":
        upright.save(out, "WEBP", quality=88)
    else:
        upright.save(out, "PNG", optimize=True)
    return out.getvalue()
