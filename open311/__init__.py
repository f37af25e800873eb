"""open311: an Open311 GeoReport v2 server whose every request is routed by geography (PostGIS)."""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any
from weakref import WeakKeyDictionary

from flask import Flask


class Open311Flask(Flask):
    """Flask, with its check of every hook on every request kept per function."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._synchronous: WeakKeyDictionary = WeakKeyDictionary()

    def ensure_sync(self, func):
        """Flask's own, remembered per function: it asks, for each of the dozen hooks and views a request
        runs, whether the function is a coroutine function (``inspect``: about 4% of a 304)."""
        try:
            if self._synchronous[func]:
                return func
        except (KeyError, TypeError):  # not seen yet, or not weakly referable (bound methods come anew)
            pass
        wrapped = super().ensure_sync(func)
        if wrapped is func:
            with suppress(TypeError):
                self._synchronous[func] = True
        return wrapped


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the WSGI application. Settings come from the environment, then ``config``."""
    from .api import init_api
    from .config import load_settings
    from .db import init_app as init_db
    from .docs import init_docs
    from .provision import database_url
    from .server.logs import install as scrub_logs
    from .web import init_web

    app = Open311Flask(__name__)
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
