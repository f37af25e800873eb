"""The framework floor: the most trivial Flask endpoint, served with the same gunicorn settings."""

from __future__ import annotations

from flask import Flask, Response


def create_app() -> Flask:
    """A Flask app answering a small JSON document."""
    app = Flask(__name__)

    @app.get("/floor.json")
    def floor():
        return Response(b'[{"service_code":"5201"}]', content_type="application/json; charset=utf-8")

    return app
