"""Extension: serving the photos uploaded with requests."""

from __future__ import annotations

from flask import Blueprint, current_app, send_from_directory

media = Blueprint("media", __name__)


@media.get("/media/<filename>")
def media_file(filename: str):
    """An uploaded photo (``media_url`` of its request)."""
    return send_from_directory(current_app.config["MEDIA_DIR"], filename, max_age=86400)
