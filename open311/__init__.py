"""open311: an Open311 GeoReport v2 server whose every request is routed by geography (PostGIS)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the WSGI application. Settings come from the environment, then ``config``."""
    from .api import init_api
    from .config import load_settings
    from .db import init_app as init_db
    from .docs import init_docs
    from .provision import database_url
    from .server.logs import install as scrub_logs
    from .web import init_web

    app = Flask(__name__)
    settings = load_settings()
    settings.update(config or {})
    app.config.update(settings)
    app.config.update(
        API_TITLE="open311 — Open311 GeoReport v2",
        API_VERSION="v2",
        OPENAPI_VERSION="3.0.3",
        JSON_SORT_KEYS=False,
    )
    init_docs(app)
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    scrub_logs(logging.getLogger().handlers)
    init_db(app, app.config["DATABASE_URL"] or database_url(app.config), app.config.get("READ_DATABASE_URL"))
    init_api(app)
    init_web(app)
    return app
