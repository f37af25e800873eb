"""``open311 check``: the table, JSON, JUnit and HTML reports, exit status, and a run without a database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from open311.check.checklist import CHECKS
from open311.cli import main

from .conftest import serving
from .stub import JURISDICTION, KEY, Stub

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stub_url():
    with serving(Stub()) as root:
        yield root + "/v2/discovery.json"


@pytest.fixture(scope="module")
def faulty_url():
    with serving(Stub(["xml_raw_cr", "charset"])) as root:
        yield root + "/v2/discovery.json"


def invoke(*args):
    return CliRunner().invoke(main, ["check", *args, "--rate", "0"], catch_exceptions=False)


def test_table_of_a_conformant_server(stub_url):
    result = invoke(stub_url, "--jurisdiction", JURISDICTION)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"open311 check {stub_url}"
    assert "  pass  discovery.fetch" in result.output and "DISCOVERY" in lines
    assert "  skip  write.post-realtime" in result.output and "read-only run" in result.output
    assert lines[-1].startswith("Score 100.0%  (")


def test_failures_exit_1_and_show_their_evidence(faulty_url):
    result = invoke(faulty_url, "--jurisdiction", JURISDICTION, "--write", "--api-key", KEY)
    assert result.exit_code == 1
    out = result.output
    assert "  fail  format.agree" in out and "  warn  format.media-type-json" in out
    evidence = out[out.index("  fail  format.agree") :]
    assert "        > GET http://127.0.0.1:" in evidence and "        < 200 text/xml; charset=utf-8" in evidence
    assert KEY not in out  # keys never shown
    assert "Score " in out.splitlines()[-1] and "Score 100" not in out


def test_json_report(faulty_url, tmp_path):
    target = tmp_path / "report.json"
    result = invoke(faulty_url, "--jurisdiction", JURISDICTION, "--format", "json", "-o", str(target))
    assert result.exit_code == 1 and result.output.startswith("open311 check: ")
    report = json.loads(target.read_text())
    assert [c["id"] for c in report["checks"]] == [c.id for c in CHECKS]
    assert report["counts"]["fail"] >= 1 and 0 < report["score"] < 100
    agree = next(c for c in report["checks"] if c["id"] == "format.agree")
    assert agree["status"] == "fail" and agree["spec"] and agree["evidence"][0]["status"] == 200
    assert set(agree["evidence"][0]) >= {"method", "url", "status", "content_type", "excerpt", "elapsed_ms"}


def test_junit_report(faulty_url):
    result = invoke(faulty_url, "--jurisdiction", JURISDICTION, "--format", "junit")
    xml = result.output[: result.output.rindex("</testsuites>") + len("</testsuites>")]
    suites = ET.fromstring(xml.split("\n", 1)[1])
    cases = suites.findall("testsuite/testcase")
    assert len(cases) == len(CHECKS)
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert any(name.startswith("format.agree: ") for name in failed)
    assert int(suites.get("failures")) == len(failed)
    warned = [c for c in cases if "WARNING" in (c.findtext("system-out") or "")]
    assert any(c.get("name").startswith("format.media-type-xml") for c in warned)


def test_html_report(faulty_url, tmp_path):
    page = tmp_path / "report.html"
    result = invoke(faulty_url, "--jurisdiction", JURISDICTION, "--html", str(page))
    assert result.exit_code == 1
    html = page.read_text()
    from lxml import html as lxml_html

    document = lxml_html.fromstring(html)
    rows = document.xpath("//tbody/tr[@id]")
    assert [row.get("id") for row in rows] == [c.id for c in CHECKS]
    status = document.xpath('//tr[@id="format.agree"]//span[contains(@class, "status")]')[0]
    assert status.text == "fail"
    assert not document.xpath("//script | //link | //*[@src]")  # self-contained: nothing loads from anywhere


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["http://127.0.0.1:9/v2/discovery.json", "--write"], "--write needs --api-key"),
        (["ftp://example.invalid/discovery.json"], "not an http(s) URL"),
        (["http://127.0.0.1:9/", "--location", "100,2"], "latitude within"),
    ],
)
def test_usage_errors(args, message):
    result = CliRunner().invoke(main, ["check", *args])
    assert result.exit_code == 2 and message in result.output


def test_an_unreachable_server_fails_every_graded_check():
    result = invoke("http://127.0.0.1:9/v2/discovery.json", "--timeout", "2")
    assert result.exit_code == 1
    assert "  fail  discovery.fetch" in result.output and "no answer" in result.output


def test_runs_from_an_installed_copy_without_a_database(stub_url, tmp_path):
    """Built as pip builds it (the schemas are package data), the command answers with no cluster and no
    database module loaded: OPEN311_VAR_DIR points at an empty folder, which stays empty."""
    build = tmp_path / "lib"
    subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py", "--build-lib", str(build)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    schema = build / "open311" / "check" / "schemas" / "json" / "services.schema.json"
    assert schema.is_file() and not schema.is_symlink()
    var = tmp_path / "var"
    var.mkdir()
    script = (
        "import sys; from click.testing import CliRunner; from open311.cli import main; "
        f"r = CliRunner().invoke(main, ['check', {stub_url!r}, '--jurisdiction', {JURISDICTION!r}, '--rate', '0']); "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'psycopg', 'geoalchemy2') "
        "or m.startswith(('open311.db', 'open311.models', 'open311.logic', 'open311.api'))); "
        "print(r.exit_code, loaded, r.output.splitlines()[-1])"
    )
    env = {**os.environ, "PYTHONPATH": str(build), "OPEN311_VAR_DIR": str(var), "OPEN311_DATABASE_URL": ""}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.stdout.startswith("0 [] Score 100.0%"), done
    assert list(var.iterdir()) == []


def test_the_checker_imports_nothing_of_the_server():
    import ast

    forbidden = ("open311.models", "open311.db", "open311.logic", "open311.api")
    for path in (ROOT / "open311" / "check").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [_resolve(path, node.level, node.module or "") if node.level else node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            assert not any(name.startswith(forbidden) for name in names), f"{path} imports {names}"


def _resolve(path: Path, level: int, name: str) -> str:
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    base = package[: len(package) - level + 1]
    return ".".join([*base, name] if name else base)


def test_docs_describe_every_check():
    page = (ROOT / "docs" / "checker.md").read_text()
    missing = [check.id for check in CHECKS if f"`{check.id}`" not in page]
    assert missing == []
