"""Extension: HTTP side of city insight — statistics, hotspots and map tiles (docs/metrics.md)."""

from . import maps, statistics  # noqa: F401  (register their views)
