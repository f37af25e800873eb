"""The report as a table for people, JSON and JUnit XML for CI, and an HTML page."""

from __future__ import annotations

from ..results import Report


def render(report: Report, fmt: str) -> str:
    """The report in ``fmt``: ``table``, ``json`` or ``junit``."""
    if fmt == "json":
        import json

        return json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "junit":
        from .junit import render_junit

        return render_junit(report)
    from .table import render_table

    return render_table(report)
