"""Extension: city insight — statistics, their rollups, hotspots and map tiles (issue 9, docs/metrics.md)."""
