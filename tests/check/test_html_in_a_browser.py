"""The HTML report as a person sees it: headless Chromium (Debian's, driven by Playwright) opens it, with a
screenshot kept in var/artefacts/. Runs where the browser tests are set up (Playwright and Chromium)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from open311.check.output.html import render_html

from .conftest import grade_stub

CHROMIUM = "/usr/bin/chromium"
ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "artefacts"


@pytest.fixture(scope="module")
def report_page(tmp_path_factory):
    playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright comes with the browser tests")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} comes with the browser tests")
    page_file = tmp_path_factory.mktemp("report") / "report.html"
    page_file.write_text(render_html(grade_stub(["xml_raw_cr", "charset"])), encoding="utf-8")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(page_file.as_uri())
        yield page, errors
        browser.close()


def test_the_score_and_the_failures_come_first(report_page):
    page, errors = report_page
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "checker-report.png"), full_page=False)
    score = page.locator(".score")
    assert score.is_visible() and score.inner_text().endswith("%")
    assert score.bounding_box()["y"] < 200  # above the fold
    failed = page.locator("tr#format\\.agree details[open] pre").first
    assert failed.is_visible() and "text/xml" in failed.inner_text()
    assert page.locator("tr#discovery\\.fetch details[open]").count() == 0  # passes keep their evidence folded
    assert errors == []


def test_the_list_at_the_top_leads_to_each_failure(report_page):
    page, _errors = report_page
    links = page.locator("ul.attention li a")
    assert links.first.inner_text() == "format.agree"  # failures before warnings
    links.first.click()
    assert page.url.endswith("#format.agree")
    assert page.locator("tr#format\\.agree").bounding_box()["y"] < 100  # scrolled to it


def test_evidence_unfolds_on_a_click(report_page):
    page, _errors = report_page
    summary = page.locator("tr#discovery\\.fetch details summary")
    summary.click()
    assert page.locator("tr#discovery\\.fetch details pre").first.is_visible()
