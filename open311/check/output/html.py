"""The report as one self-contained HTML page (no script, no external resource)."""

from __future__ import annotations

from html import escape

from ..results import Report, Status

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #1b1b1b; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } .meta { color: #555; margin: 0 0 1rem; }
.score { font-size: 2.4rem; font-weight: 700; } table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid #ddd; }
th.section { background: #f3f3f3; text-transform: uppercase; letter-spacing: .05em; font-size: .8rem; }
.status { font-weight: 700; text-transform: uppercase; font-size: .8rem; border-radius: .25rem; padding: .1rem .4rem; }
.pass { background: #d8f0dc; color: #14532d; } .warn { background: #fff1c2; color: #713f12; }
.fail { background: #fcd7d7; color: #7f1d1d; } .skip { background: #eceff3; color: #475569; }
code, pre { font: 12.5px/1.4 ui-monospace, monospace; } pre { white-space: pre-wrap; background: #f7f7f7;
padding: .5rem; margin: .3rem 0; overflow-wrap: anywhere; } details summary { cursor: pointer; color: #1d4ed8; }
.spec { color: #666; font-size: .85rem; } ul.attention { padding-left: 0; list-style: none; margin: 0 0 1rem; }
ul.attention li { margin: .2rem 0; } tr:target { outline: 2px solid #1d4ed8; }
"""


def _evidence(result) -> str:
    if not result.evidence:
        return ""
    blocks = []
    for item in result.evidence:
        sent = f"\n{escape(item.sent)}" if item.sent else ""
        answer = (
            "no answer" if item.status is None else f"{item.status} {item.content_type or ''}  ({item.elapsed_ms} ms)"
        )
        blocks.append(
            f"<pre>&gt; {escape(item.method)} {escape(item.url)}{sent}\n&lt; {escape(answer)}\n"
            f"{escape(item.excerpt)}</pre>"
        )
    opened = " open" if result.status in (Status.FAIL, Status.WARN) else ""
    return f"<details{opened}><summary>evidence</summary>{''.join(blocks)}</details>"


def render_html(report: Report) -> str:
    """The whole report as an HTML document."""
    counts, score = report.counts(), report.score()
    rows, section = [], None
    for result in report.ordered():
        if result.check.section != section:
            section = result.check.section
            rows.append(f'<tr><th class="section" colspan="3">{escape(section)}</th></tr>')
        rows.append(
            f'<tr id="{escape(result.id)}"><td><span class="status {result.status.value}">{result.status.value}'
            f"</span></td><td><code>{escape(result.id)}</code><br>{escape(result.check.title)}"
            f'<div class="spec">{escape(result.check.spec)}</div></td><td>{escape(result.detail)}'
            f"{_evidence(result)}</td></tr>"
        )
    attention = [r for r in report.ordered() if r.status in (Status.FAIL, Status.WARN)]
    summary = "".join(
        f'<li><span class="status {r.status.value}">{r.status.value}</span> <a href="#{escape(r.id)}">'
        f"<code>{escape(r.id)}</code></a> {escape(r.check.title)}</li>"
        for r in sorted(attention, key=lambda r: r.status is not Status.FAIL)
    )
    summary = f'<ul class="attention">{summary}</ul>' if summary else ""
    notes = "".join(f"<p class=meta>{escape(note)}</p>" for note in report.notes)
    created = f"<p class=meta>Created requests: {escape(', '.join(report.created))}</p>" if report.created else ""
    shown = "n/a" if score is None else f"{score:.1f}%"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>open311 check: {escape(report.target)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>
<body><h1>Open311 GeoReport v2 conformance</h1>
<p class="meta">{escape(report.target)} · endpoint {escape(report.endpoint or "?")}
{" · jurisdiction_id " + escape(report.jurisdiction_id) if report.jurisdiction_id else ""}
· {"writes" if report.write else "read-only"} · {escape(report.started)} · {report.request_count} HTTP requests
in {report.duration_s:.1f} s</p>
<p><span class="score">{shown}</span> &nbsp; {counts["pass"]} pass · {counts["warn"]} warn · {counts["fail"]} fail ·
{counts["skip"]} skipped</p>{summary}{notes}{created}
<table><thead><tr><th>status</th><th>check</th><th>detail and evidence</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></body></html>
"""
