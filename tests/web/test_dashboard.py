"""The dashboard in a real browser (Debian's headless Chromium, driven by Playwright): it draws the city
with no console error, the figures it shows are the API's, a filter changes them and the link, and the
default period is whole months. Screenshots are kept in var/artefacts/."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PARIS = ZoneInfo("Europe/Paris")
#: A window holding the demo's history as of the browser tests' fixed afternoon (conftest.NOW).
START, END = "2024-04-01", "2025-03-18"
DRAWN = "(n) => Number(document.body.dataset.generation || 0) >= n && window.o311Dashboard.error === null"


def api(base: str, path: str, **params) -> list | dict:
    """GET an API document as JSON."""
    query = urllib.parse.urlencode({"jurisdiction_id": "paris.fr", **params})
    with urllib.request.urlopen(f"{base}/open311/v2/{path}?{query}", timeout=60) as reply:  # noqa: S310 (local)
        return json.loads(reply.read())


def bounds(start: str, end: str) -> dict:
    """The API window of whole days in Paris, as the page asks it."""
    first = datetime.combine(date.fromisoformat(start), datetime.min.time(), PARIS)
    last = datetime.combine(date.fromisoformat(end), datetime.max.time().replace(microsecond=0), PARIS)
    return {"start_date": first.isoformat(), "end_date": last.isoformat()}


def open_dashboard(page, base: str, query: str, generation: int = 1) -> None:
    """Open /dashboard with ``query`` and wait for its full draw."""
    page.goto(f"{base}/dashboard?{query}")
    page.wait_for_function(DRAWN, arg=generation, timeout=60_000)


def shown(page, measure: str) -> float | None:
    """The value of a figure of the summary, as the page holds it."""
    value = page.get_attribute(f"#kpi-{measure}", "data-value")
    return float(value) if value else None


def test_the_page_draws_the_city_with_no_console_error(page, console, live_server, artefacts):
    open_dashboard(page, live_server, f"jurisdiction_id=paris.fr&start={START}&end={END}&lang=en")
    assert console.errors() == []
    areas = api(live_server, "areas.geojson")["features"]
    layer = areas[-1]["properties"]["layer"]
    drawn = page.locator("#map path.leaflet-interactive").count()
    assert drawn >= sum(1 for f in areas if f["properties"]["layer"] == layer)
    report = page.evaluate("window.o311Dashboard")
    assert report["drawnMs"] > 0 and report["cells"]["hexagons"] > 0 and report["cells"]["table"] > 0
    assert page.locator("#chart-volume canvas").count() >= 1
    page.screenshot(path=str(artefacts / "dashboard-en.png"), full_page=True)


def test_the_figures_and_the_table_are_the_apis(page, console, live_server):
    open_dashboard(page, live_server, f"jurisdiction_id=paris.fr&start={START}&end={END}")
    window = bounds(START, END)
    total = api(live_server, "statistics.json", **window)[0]
    assert total["opened"] > 100
    for measure in ("opened", "closed", "backlog", "overdue", "closed_on_time_pct", "median_hours_to_close"):
        assert shown(page, measure) == total[measure], measure
    cells = api(live_server, "statistics.json", group_by="area:arrondissement,service_code", **window)
    if page.input_value("#f-layer") == "arrondissement":
        assert page.locator("#cells tbody tr").count() == len(cells)
    corners = api(
        live_server,
        "hotspots.geojson",
        clusters="true",
        **bounds((date.fromisoformat(END) - timedelta(days=29)).isoformat(), END),
    )["features"]
    assert page.locator("#corners li:not(.note)").count() == len(corners)
    assert console.errors() == []


def test_a_filter_changes_the_figures_and_the_link(page, console, live_server, artefacts):
    open_dashboard(page, live_server, f"jurisdiction_id=paris.fr&start={START}&end={END}&lang=fr")
    before = shown(page, "opened")
    by_service = api(live_server, "statistics.json", group_by="service_code", **bounds(START, END))
    chosen = max(by_service, key=lambda cell: cell["opened"])
    assert 0 < chosen["opened"] < before
    page.select_option("#f-service", chosen["service_code"])
    page.wait_for_function(DRAWN, arg=2, timeout=60_000)
    assert shown(page, "opened") == chosen["opened"]
    assert f"service_code={urllib.parse.quote(chosen['service_code'])}" in page.url
    page.screenshot(path=str(artefacts / "dashboard-fr-service.png"), full_page=True)
    # The link alone gives the same view to a colleague.
    other = page.context.new_page()
    other.goto(page.url)
    other.wait_for_function(DRAWN, arg=1, timeout=60_000)
    assert shown(other, "opened") == chosen["opened"]
    assert other.input_value("#f-service") == chosen["service_code"]
    assert console.errors() == []


def test_the_default_period_is_the_last_twelve_whole_months(page, console, live_server):
    open_dashboard(page, live_server, "jurisdiction_id=paris.fr")
    today = datetime.now(PARIS).date()
    month = today.year * 12 + today.month - 1 - 11
    assert page.input_value("#f-start") == date(month // 12, month % 12 + 1, 1).isoformat()
    assert page.input_value("#f-end") == today.isoformat()
    page.click("button[data-months='3']")
    page.wait_for_function(DRAWN, arg=2, timeout=60_000)
    month = today.year * 12 + today.month - 1 - 2
    assert page.input_value("#f-start") == date(month // 12, month % 12 + 1, 1).isoformat()
    assert console.errors() == []
