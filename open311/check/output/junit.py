"""JUnit XML for CI: a test suite per section, a test case per check (a warning passes, with its text)."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from ..checklist import SECTIONS
from ..results import Report, Status


def _evidence_text(result) -> str:
    lines = [result.detail]
    for item in result.evidence:
        lines.append(f"> {item.method} {item.url}")
        if item.sent:
            lines.append(f"> {item.sent}")
        lines.append(f"< {item.status} {item.content_type or ''}")
        lines.append(f"< {item.excerpt}")
    return "\n".join(lines)


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters: show them escaped."""
    return "".join(ch if ch in "\t\n\r" or ch >= " " else f"\\x{ord(ch):02x}" for ch in text)


def render_junit(report: Report) -> str:
    """The report as a JUnit XML document."""
    counts = report.counts()
    suites = ET.Element(
        "testsuites",
        name="open311 check",
        tests=str(len(report.results)),
        failures=str(counts["fail"]),
        skipped=str(counts["skip"]),
        time=f"{report.duration_s:.2f}",
    )
    results = report.ordered()
    for section in SECTIONS:
        members = [r for r in results if r.check.section == section]
        if not members:
            continue
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=section,
            tests=str(len(members)),
            failures=str(sum(r.status is Status.FAIL for r in members)),
            skipped=str(sum(r.status is Status.SKIP for r in members)),
        )
        for result in members:
            case = ET.SubElement(
                suite, "testcase", classname=f"open311.check.{section}", name=f"{result.id}: {result.check.title}"
            )
            if result.status is Status.FAIL:
                failure = ET.SubElement(case, "failure", message=_clean(result.detail), type="fail")
                failure.text = _clean(_evidence_text(result))
            elif result.status is Status.SKIP:
                ET.SubElement(case, "skipped", message=_clean(result.detail))
            else:
                output = ET.SubElement(case, "system-out")
                output.text = _clean(("WARNING: " if result.status is Status.WARN else "") + _evidence_text(result))
    properties = ET.SubElement(suites, "properties")
    for name, value in (("target", report.target), ("endpoint", report.endpoint or ""), ("score", str(report.score()))):
        ET.SubElement(properties, "property", name=name, value=_clean(value))
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
