"""Turning a payload into a response in the format the URL asked for."""

from __future__ import annotations

from typing import Any

from flask import Response
from werkzeug.routing import BaseConverter

from ..formats import FORMATS, MEDIA_TYPES, render


class FormatConverter(BaseConverter):
    """The ``.json`` / ``.xml`` suffix of every GeoReport URL."""

    regex = "(?:" + "|".join(FORMATS) + ")"


def respond(fmt: str, root: str, payload: Any, status: int = 200, headers: dict | None = None) -> Response:
    """A response carrying ``payload`` as JSON or as XML under ``root``."""
    return Response(render(fmt, root, payload), status=status, content_type=MEDIA_TYPES[fmt], headers=headers)
