"""The web pages of the server, beside the API: the dashboard at /dashboard (Extension).

The pages are clients of the public API like any other (no private endpoint serves them); their
JavaScript libraries are vendored under static/vendor/ (see web/ at the top of the project).
"""

from __future__ import annotations

from flask import Flask


def init_web(app: Flask) -> None:
    """Register the dashboard's blueprint."""
    from .dashboard import dashboard

    app.register_blueprint(dashboard)
