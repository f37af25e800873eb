"""Extension: photos uploaded with a request (multipart ``media``), checked, cleaned and kept on disk.

Phones write the place a photo was taken (EXIF GPS), the device and often the owner's name into the
file; a city publishes these photos. So every upload is decoded with Pillow and written again from its
pixels alone: the EXIF orientation is applied first (the photo stays upright), then EXIF, GPS, XMP,
comments and text chunks are left behind (the colour profile and transparency are kept). What Pillow
cannot decode is refused, whatever its first bytes say.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import BadRequest

#: Accepted formats (Pillow's names) -> media type, file extension.
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "MPO": ("image/jpeg", "jpg"),  # a JPEG with more pictures behind it (phones' depth maps): kept as a JPEG
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
#: Pillow's decoders tried (its JPEG decoder also opens MPO files).
DECODERS = ["JPEG", "PNG", "GIF", "WEBP"]
#: Larger images are refused before their pixels are decoded (a 64-megapixel photo is about 250 MB decoded).
MAX_PIXELS = 64_000_000
#: What survives of an image's info when it is written again: nothing that describes where, when or who.
KEPT_INFO = ("icc_profile", "transparency", "duration", "loop", "background")
JPEG_QUALITY = 90


@dataclass
class Upload:
    """A checked, cleaned upload, not yet written."""

    content: bytes
    media_type: str
    filename: str


def check_upload(content: bytes, max_bytes: int) -> Upload:
    """The upload if it is a decodable JPEG, PNG, GIF or WebP within the limits, without its metadata; else 400."""
    if not content:
        raise BadRequest("media: the file is empty")
    if len(content) > max_bytes:
        raise BadRequest(f"media: the file is larger than {max_bytes // 1024} KiB")
    image = _decode(content)
    media_type, extension = FORMATS[image.format]
    return Upload(_without_metadata(image), media_type, f"{secrets.token_hex(16)}.{extension}")


def _decode(content: bytes) -> Image.Image:
    refused = BadRequest("media: only JPEG, PNG, GIF and WebP images are accepted")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=DECODERS)
            if image.width * image.height > MAX_PIXELS:
                raise BadRequest(f"media: the image has more than {MAX_PIXELS // 1_000_000} million pixels")
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise refused from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # truncated or corrupt data
        raise BadRequest("media: the image cannot be decoded (truncated or corrupt)") from exc
    if image.format not in FORMATS:
        raise refused
    return image


def _without_metadata(image: Image.Image) -> bytes:
    """The image written again from its pixels: upright, with no EXIF, GPS, XMP, comments or text."""
    fmt = image.format
    frames = getattr(image, "n_frames", 1)
    if fmt == "MPO":  # the first picture only, as a plain JPEG
        fmt, frames = "JPEG", 1
    kept = {key: image.info[key] for key in KEPT_INFO if key in image.info}
    if frames == 1:
        image = ImageOps.exif_transpose(image)
    image.info = kept
    options: dict = {"icc_profile": kept["icc_profile"]} if "icc_profile" in kept else {}
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        options.update(quality=JPEG_QUALITY)
    elif fmt == "WEBP":
        options.update(quality=JPEG_QUALITY)
    if frames > 1:
        options.update(save_all=True)
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


#: Characters a media_url may hold: printable ASCII without quotes, angle brackets, backslash, backtick, braces,
#: pipe and caret (RFC 3986 leaves most of them out; quotes and brackets would let a URL break out of HTML).
_URL_FORBIDDEN = set("\"'<>\\`{}|^")
MAX_URL_LENGTH = 2000


def media_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a ``media_url`` (an http or https URL, strictly written), or None."""
    if len(url) > MAX_URL_LENGTH:
        return f"is longer than {MAX_URL_LENGTH} characters"
    bad = next((c for c in url if not ("!" <= c <= "~") or c in _URL_FORBIDDEN), None)
    if bad is not None:
        return f"must not contain {bad!r} (spaces, quotes, angle brackets and non-ASCII characters are percent-encoded)"
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in ("http", "https") or not rest or rest[0] in "/?#":
        return "Not a valid URL: it must be an http or https URL with a host"
    return None


def store_upload(upload: Upload, media_dir: Path) -> Path:
    """Write the upload under ``media_dir``."""
    media_dir.mkdir(parents=True, exist_ok=True)
    path = media_dir / upload.filename
    path.write_bytes(upload.content)
    return path
