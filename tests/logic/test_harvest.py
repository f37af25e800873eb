"""open311 export DIR: monthly files, manifest and datapackage.json (validated by frictionless), reruns
that rewrite only what changed."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import frictionless
import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, update
from sqlalchemy.orm import Session

from open311.cli import DEMO_HISTORY, main
from open311.logic.importer import import_requests
from open311.logic.jurisdictions import resolve_jurisdiction
from open311.logic.opendata.harvest import harvest
from open311.models import ServiceRequest

PARIS_TIME = ZoneInfo("Europe/Paris")


@pytest.fixture()
def paris(session, tmp_path_factory):
    """Paris with the real DansMaRue reports of February to April 2024, and nothing else."""
    session.execute(delete(ServiceRequest))
    source = tmp_path_factory.mktemp("history") / "spring.csv"
    with DEMO_HISTORY.open(encoding="utf-8", newline="") as original, source.open("w", newline="") as spring:
        reader = csv.DictReader(original)
        writer = csv.DictWriter(spring, reader.fieldnames)
        writer.writeheader()
        writer.writerows(row for row in reader if "2024-02" <= row["datedecl"][:7] <= "2024-04")
    jurisdiction = resolve_jurisdiction(session, "paris.fr")
    import_requests(session, jurisdiction, source, source_format="dansmarue")
    return jurisdiction


@pytest.fixture()
def sessions(connection):
    return lambda: Session(bind=connection, join_transaction_mode="create_savepoint")


def test_monthly_files_a_manifest_and_a_valid_datapackage(paris, session, sessions, tmp_path):
    first = session.scalar(func.min(ServiceRequest.id).select())
    session.execute(
        update(ServiceRequest).where(ServiceRequest.id == first).values(description="Rappelez au 06 12 34 56 78")
    )
    messages: list[str] = []
    report = harvest(sessions, paris, tmp_path, progress=messages.append)
    assert report.redactions == {"description": 1, "status_notes": 0, "address": 0, "attributes": 0, "notes": 0}
    assert report.summary().endswith("removed: 1 description, 0 status_notes, 0 address, 0 attributes, 0 notes")
    assert report.written == ["2024-02", "2024-03", "2024-04"] and report.rows > 1000
    assert len(messages) == 3 and messages[0].startswith("2024-02: ")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert sum(month["rows"] for month in manifest["months"]) == report.rows
    assert sorted(p.name for p in tmp_path.glob("*-2024-03.*")) == [
        "paris.fr-requests-2024-03.csv", "paris.fr-requests-2024-03.geojson", "paris.fr-requests-2024-03.ndjson",
    ]  # fmt: skip
    with (tmp_path / "paris.fr-requests-2024-03.csv").open(encoding="utf-8", newline="") as handle:
        march = list(csv.DictReader(handle))
    assert {row["requested_datetime"][:7] for row in march} == {"2024-03"}
    assert len(march) == next(m["rows"] for m in manifest["months"] if m["month"] == "2024-03")
    assert "Rappelez au [phone removed]" in "".join(p.read_text() for p in tmp_path.glob("*.csv"))
    result = frictionless.validate(tmp_path / "datapackage.json")
    assert result.valid, result.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])[:5]
    assert [entry["name"] for entry in json.loads((tmp_path / "datapackage.json").read_text())["licenses"]] == [
        "ODbL-1.0"
    ]
    assert len(result.tasks) == 3 * 3
    assert sum(task.stats.get("rows", 0) for task in result.tasks if task.type == "table") == 2 * report.rows


def test_a_rerun_rewrites_only_the_months_that_changed(paris, session, sessions, tmp_path):
    harvest(sessions, paris, tmp_path, formats=("csv",))
    march = tmp_path / "paris.fr-requests-2024-03.csv"
    untouched = tmp_path / "paris.fr-requests-2024-02.csv"
    stamps = (march.stat().st_mtime_ns, untouched.stat().st_mtime_ns)
    messages: list[str] = []
    assert harvest(sessions, paris, tmp_path, formats=("csv",), progress=messages.append).written == []
    assert [message.split(":")[0] for message in messages] == ["2024-02", "2024-03", "2024-04"]
    assert all(message.endswith(" rows unchanged") for message in messages)
    in_march = ServiceRequest.requested_datetime.between(
        datetime(2024, 3, 1, tzinfo=PARIS_TIME), datetime(2024, 3, 31, 23, 59, tzinfo=PARIS_TIME)
    )
    first = session.scalar(func.min(ServiceRequest.id).select().where(in_march))
    session.execute(
        update(ServiceRequest).where(ServiceRequest.id == first).values(updated_datetime=func.now(), status_notes="Vu")
    )
    april = ServiceRequest.requested_datetime >= datetime(2024, 4, 1, tzinfo=PARIS_TIME)
    session.execute(delete(ServiceRequest).where(april))
    report = harvest(sessions, paris, tmp_path, formats=("csv",))
    assert (report.written, report.removed, report.unchanged) == (["2024-03"], ["2024-04"], ["2024-02"])
    assert march.stat().st_mtime_ns != stamps[0] and untouched.stat().st_mtime_ns == stamps[1]
    assert not (tmp_path / "paris.fr-requests-2024-04.csv").exists()
    assert "Vu" in march.read_text(encoding="utf-8")
    assert frictionless.validate(tmp_path / "datapackage.json").valid


def test_the_command_names_what_it_cannot_export(engine, tmp_path):
    env = {"OPEN311_DATABASE_URL": engine.url.render_as_string(False)}
    unknown = CliRunner().invoke(main, ["export", str(tmp_path), "--jurisdiction", "nowhere.example"], env=env)
    assert unknown.exit_code == 1 and "not found" in unknown.output
    empty = CliRunner().invoke(main, ["export", str(tmp_path), "--jurisdiction", "nyc.gov", "--format", "csv"], env=env)
    assert empty.exit_code == 0, empty.output
    assert "0 months written" in empty.output and (tmp_path / "datapackage.json").exists()
