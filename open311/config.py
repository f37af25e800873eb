"""Settings: defaults in code, overridden by ``OPEN311_*`` environment variables.

Every setting is listed once in :data:`SETTINGS`; the README's table is this list.
A bad value stops the start-up with a message naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A setting has a value the server cannot use."""


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError("must be a positive integer")
    return number


def _boolean(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be true or false")


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be 0 or a positive integer")
    return number


def _text(value: str) -> str:
    return value


@dataclass(frozen=True)
class Setting:
    """One documented setting: its Flask config key, parser, default and meaning."""

    key: str
    parse: Callable[[str], Any]
    default: Any
    help: str

    @property
    def env(self) -> str:
        """The environment variable that overrides this setting."""
        return f"OPEN311_{self.key}"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        _text,
        None,
        "SQLAlchemy URL of the PostGIS database. Plain DATABASE_URL is read too. "
        "Unset: the private cluster under ./var/ started by `open311 db up`.",
    ),
    Setting(
        "READ_DATABASE_URL",
        _text,
        None,
        "Extension: a streaming replica of the database; GET requests read from it, the rest writes to the primary.",
    ),
    Setting("VAR_DIR", _text, "var", "Where the private cluster and run files live."),
    Setting("DB_PORT", _positive_int, 54311, "TCP port of the private cluster (127.0.0.1 only)."),
    Setting("HOST", _text, "127.0.0.1", "Address `open311 serve` listens on."),
    Setting("PORT", _positive_int, 5000, "Port `open311 serve` listens on."),
    Setting("WORKERS", _positive_int, 4, "gunicorn worker processes for `open311 serve` (two per core)."),
    Setting("THREADS", _positive_int, 2, "Threads per gunicorn worker (gthread workers keep connections alive)."),
    Setting(
        "DEFAULT_JURISDICTION",
        _text,
        None,
        "Extension: jurisdiction_id used when a client sends none and several are hosted.",
    ),
    Setting(
        "BASE_URL",
        _text,
        None,
        "Public URL of the API root as advertised by discovery (default: from the request).",
    ),
    Setting("ENDPOINT_TYPE", _text, "production", "Discovery endpoint type: production or test."),
    Setting(
        "CATALOG_CACHE_SECONDS",
        lambda value: int(value) if int(value) >= 0 else _positive_int(value),
        30,
        "How long each worker keeps jurisdictions and catalogue documents (0: no cache).",
    ),
    Setting("MEDIA_DIR", _text, None, "Extension: where uploaded photos are kept (default: VAR_DIR/media)."),
    Setting("MEDIA_MAX_BYTES", _positive_int, 10 * 1024 * 1024, "Extension: largest photo accepted, in bytes."),
    Setting(
        "WEBHOOK_ALLOW_PRIVATE",
        _boolean,
        False,
        "Extension: let webhooks go to loopback, link-local and private addresses (the demo receiver on 127.0.0.1).",
    ),
    Setting("LOG_LEVEL", _text, "INFO", "Python logging level."),
    Setting("SQL_ECHO", _boolean, False, "Log every SQL statement."),
    Setting(
        "FRONT",
        _text,
        "nginx",
        "What `open311 serve` puts in front of gunicorn: nginx (holds slow clients, bounds requests) or none.",
    ),
    Setting(
        "TRUSTED_PROXIES",
        _non_negative_int,
        0,
        "How many proxies in front of the server set X-Forwarded-For/-Proto (`open311 serve` adds its nginx).",
    ),
    Setting("MAX_FORM_BYTES", _positive_int, 256 * 1024, "Largest request body without a photo, in bytes."),
    Setting("MAX_FORM_FIELDS", _positive_int, 500, "Most fields (or multipart parts) a form may have."),
    Setting(
        "RATE_LIMIT_KEY",
        _non_negative_int,
        6000,
        "Extension: requests per minute of one api_key (keys create --rate overrides it; 0: no limit).",
    ),
    Setting(
        "RATE_LIMIT_WRITES",
        _non_negative_int,
        120,
        "Extension: POSTs per minute of one api_key without a --rate of its own (0: no limit).",
    ),
    Setting(
        "RATE_LIMIT_ADDRESS",
        _non_negative_int,
        1200,
        "Extension: requests per minute from one client address without a live key (0: no limit).",
    ),
    Setting(
        "RATE_LIMIT_REDIS_URL",
        _text,
        None,
        "Extension: redis:// or valkey URL of the shared rate-limit counters (unset: PostgreSQL holds them).",
    ),
    Setting(
        "SUBMISSION_FOLD_SECONDS",
        _non_negative_int,
        120,
        "Extension: an identical POST requests from the same key within this time gets the first one's answer.",
    ),
    Setting(
        "OUTBOX_STUCK_SECONDS",
        _positive_int,
        600,
        "Extension: /readyz fails while a webhook event has been due for longer than this (nobody delivers).",
    ),
    Setting(
        "METRICS_ALLOW",
        _text,
        None,
        "Extension: networks allowed to read /metrics (e.g. 127.0.0.1/32,10.0.0.0/8); unset: public; off: no /metrics.",
    ),
    Setting(
        "DASHBOARD_REQUIRES_KEY",
        _boolean,
        False,
        "Extension: /dashboard asks for a staff API key (HTTP Basic, the key as password); default: public.",
    ),
    Setting(
        "DASHBOARD_TILE_URL",
        _text,
        None,
        "Extension: a raster tile URL ({z}/{x}/{y}) drawn under the dashboard's areas (default: areas only).",
    ),
    Setting("DASHBOARD_TILE_ATTRIBUTION", _text, None, "Extension: the credit shown with DASHBOARD_TILE_URL's tiles."),
    Setting(
        "STATISTICS_MIN_SAMPLE",
        _positive_int,
        10,
        "Extension: statistics withhold medians, p90 and percentages of fewer closed requests (per call: min_sample).",
    ),
)


def load_settings(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the settings from the defaults and the environment; raise ConfigError on a bad value."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is None and setting.key == "DATABASE_URL":
            raw = environ.get("DATABASE_URL")
        if raw is None or raw == "":
            values[setting.key] = setting.default
            continue
        try:
            values[setting.key] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{setting.env}={raw!r}: {exc}") from exc
    if values["ENDPOINT_TYPE"] not in {"production", "test"}:
        raise ConfigError("OPEN311_ENDPOINT_TYPE must be production or test")
    if values["FRONT"] not in {"nginx", "none"}:
        raise ConfigError("OPEN311_FRONT must be nginx or none")
    values["VAR_DIR"] = str(Path(values["VAR_DIR"]).resolve())
    values["MEDIA_DIR"] = str(Path(values["MEDIA_DIR"] or Path(values["VAR_DIR"]) / "media").resolve())
    return values
