"""The server's public URL: OPEN311_BASE_URL when set, else the address it serves on — never a
request's Host header, which any client may set (stored photo URLs and discovery are built here)."""

from __future__ import annotations

from flask import current_app

API_ROOT = "/open311/v2"


def public_root() -> str:
    """``scheme://host[:port][/prefix]`` of the server, without a trailing slash."""
    base = current_app.config.get("BASE_URL")
    if base:
        # OPEN311_BASE_URL may name the API root (…/open311/v2) or the server: both are accepted.
        return base.rstrip("/").removesuffix(API_ROOT)
    host, port = current_app.config["HOST"], current_app.config["PORT"]
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 (a wildcard bind: name the machine itself)
        host = "localhost"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def public_url(path: str) -> str:
    """The public URL of ``path`` (which starts with /)."""
    return public_root() + path
