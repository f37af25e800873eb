"""Interactive API documentation at /docs, with Swagger UI served from the installed bundle."""

from __future__ import annotations

from flask import Blueprint, Flask, send_from_directory
from swagger_ui_bundle import swagger_ui_path

assets = Blueprint("docs_assets", __name__)


@assets.get("/docs/assets/<path:filename>")
def swagger_asset(filename: str):
    """A Swagger UI file (no CDN: the server works offline)."""
    return send_from_directory(swagger_ui_path, filename)


def init_docs(app: Flask) -> None:
    """Configure flask-smorest to publish /openapi.json and Swagger UI at /docs."""
    app.config.update(
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/docs/assets/",
    )
    app.register_blueprint(assets)
