"""Extension: photos uploaded with a request (multipart ``media``), checked and kept on disk."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from .errors import BadRequest

#: Accepted image types, recognised by their first bytes (not by the name or the declared type).
SIGNATURES = {
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
    b"GIF87a": ("image/gif", "gif"),
    b"GIF89a": ("image/gif", "gif"),
}


@dataclass
class Upload:
    """A checked upload, not yet written."""

    content: bytes
    media_type: str
    filename: str


def check_upload(content: bytes, max_bytes: int) -> Upload:
    """The upload if it is an image of an accepted type within the size limit, else 400."""
    if not content:
        raise BadRequest("media: the file is empty")
    if len(content) > max_bytes:
        raise BadRequest(f"media: the file is larger than {max_bytes // 1024} KiB")
    for signature, (media_type, extension) in SIGNATURES.items():
        if content.startswith(signature):
            return Upload(content, media_type, f"{secrets.token_hex(16)}.{extension}")
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return Upload(content, "image/webp", f"{secrets.token_hex(16)}.webp")
    raise BadRequest("media: only JPEG, PNG, GIF and WebP images are accepted")


def store_upload(upload: Upload, media_dir: Path) -> Path:
    """Write the upload under ``media_dir``."""
    media_dir.mkdir(parents=True, exist_ok=True)
    path = media_dir / upload.filename
    path.write_bytes(upload.content)
    return path
