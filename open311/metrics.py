"""Extension: the server's Prometheus metrics (no Flask here: the logic layer counts through them too).

Under gunicorn, ``open311 serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` and every worker writes its values
to files there; ``/metrics`` adds them up (prometheus_client's multiprocess mode). Without it (tests, a
single process) the values live in the process.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUEST_SECONDS = Histogram(
    "open311_http_request_duration_seconds",
    "Time to answer a request, by route (the URL rule) and method.",
    ["route", "method"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ERRORS = Counter(
    "open311_http_errors_total", "Answers with a 4xx or 5xx status, by route, method and status.",
    ["route", "method", "status"],
)  # fmt: skip
RATE_LIMITED = Counter("open311_rate_limited_total", "Requests refused by a rate limit (429), by policy.", ["policy"])
PLACEMENTS_OUTSIDE = Counter(
    "open311_placements_outside_areas_total",
    "Submitted points outside every area of their jurisdiction: refused, or accepted (accept_outside).",
    ["jurisdiction", "outcome"],
)
POOL_CHECKED_OUT = Gauge(
    "open311_db_pool_checked_out", "Database connections in use by requests now.", multiprocess_mode="livesum"
)
POOL_OPEN = Gauge(
    "open311_db_pool_open", "Database connections the workers hold open now.", multiprocess_mode="livesum"
)
