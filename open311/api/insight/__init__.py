"""Extension: HTTP side of city insight — statistics, hotspots and map tiles (docs/metrics.md)."""

from . import statistics  # noqa: F401  (registers its views)
