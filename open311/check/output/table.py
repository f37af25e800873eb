"""The readable table: one line per check, and for each warn or fail its evidence."""

from __future__ import annotations

import textwrap

from ..results import Evidence, Report, Status

WIDTH = 110
INDENT = " " * 8


def _score_line(report: Report) -> str:
    counts = report.counts()
    score = report.score()
    shown = "n/a" if score is None else f"{score:.1f}%"
    return (
        f"Score {shown}  ({counts['pass']} pass, {counts['warn']} warn, {counts['fail']} fail, "
        f"{counts['skip']} skipped; {report.request_count} HTTP requests in {report.duration_s:.1f} s)"
    )


def _evidence_lines(item: Evidence) -> list[str]:
    lines = [f"{INDENT}> {item.method} {item.url}"]
    if item.sent:
        lines.append(f"{INDENT}> {_flat(item.sent, 200)}")
    if item.status is None:
        lines.append(f"{INDENT}< no answer")
    else:
        lines.append(f"{INDENT}< {item.status} {item.content_type or '(no Content-Type)'}  {item.elapsed_ms} ms")
        if item.excerpt:
            lines.append(f"{INDENT}< {_flat(item.excerpt, 300)}")
    return lines


def _flat(text: str, width: int) -> str:
    """One line: line breaks and control characters made visible, cut at ``width``."""
    visible = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return visible if len(visible) <= width else visible[: width - 1] + "…"


def render_table(report: Report, verbose: bool = False) -> str:
    """The whole report as text (evidence under warnings and failures; under every check when verbose)."""
    lines = [f"open311 check {report.target}"]
    context = [f"endpoint {report.endpoint or '?'}"]
    if report.jurisdiction_id:
        context.append(f"jurisdiction_id {report.jurisdiction_id}")
    context.append("writes" if report.write else "read-only")
    lines.append("  " + ", ".join(context) + f", started {report.started}")
    lines += [f"  note: {note}" for note in report.notes]
    section = None
    width = max(len(result.id) for result in report.results.values()) if report.results else 10
    for result in report.ordered():
        if result.check.section != section:
            section = result.check.section
            lines += ["", section.upper()]
        lines.append(f"  {result.status.value:<4}  {result.id:<{width}}  {result.check.title}")
        if result.status is not Status.PASS or verbose:
            lines += textwrap.wrap(result.detail, WIDTH, initial_indent=INDENT, subsequent_indent=INDENT)
        if result.status in (Status.WARN, Status.FAIL) or verbose:
            for item in result.evidence[:2]:
                lines += _evidence_lines(item)
    if report.created:
        lines += ["", f"Created requests: {', '.join(report.created)}"]
    lines += ["", _score_line(report)]
    return "\n".join(lines) + "\n"
