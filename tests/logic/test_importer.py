"""Bulk import: the 6,003 real DansMaRue sidewalk reports, and the generic CSV mapping."""

from __future__ import annotations

import csv
import logging
import textwrap
from datetime import date

import pytest
from sqlalchemy import func, select, text

from open311.cli import DEMO_HISTORY as DANSMARUE
from open311.logic import import_store
from open311.logic.assignment import assign
from open311.logic.catalog import find_service
from open311.logic.importer import import_requests
from open311.logic.insight.rollups import rebuild
from open311.logic.insight.statistics import StatisticsQuery, compute_statistics
from open311.logic.jurisdictions import resolve_jurisdiction
from open311.logic.listing_changes import listing_state
from open311.models import Area, ServiceRequest, ServiceRequestArea

#: The export's arrondissement is the one of the street address; a point on a boundary street (Bd de
#: Sébastopol between the 1st and the 4th, Bd des Capucines between the 9th and the 2nd, Rue des
#: Francs-Bourgeois between the 3rd and the 4th, ...) can lie across the street, in the neighbouring
#: polygon. Such points are within a street's width of the arrondissement the city recorded.
BORDER_TOLERANCE_METRES = 80
#: Disagreements that are not border points, each explained.
KNOWN_MISLABELS = {
    "G2024C075206": "15 Rue Réaumur lies 420 m inside the 3rd (the street starts in the 3rd at Rue du Temple); "
    "the export's arrondissement follows the postcode written in the address, 75002",
}


@pytest.fixture()
def paris(session):
    return resolve_jurisdiction(session, "paris.fr")


@pytest.fixture()
def imported(session, paris):
    """The DansMaRue history imported into Paris (inside the test's transaction)."""
    return import_requests(session, paris, DANSMARUE, source_format="dansmarue", batch_size=2000)


def test_every_row_is_imported_once(session, paris, imported):
    assert (imported.read, imported.imported, imported.skipped, imported.refused) == (6003, 6003, 0, [])
    again = import_requests(session, paris, DANSMARUE, source_format="dansmarue")
    assert (again.imported, again.skipped) == (0, 6003)
    count = select(func.count()).select_from(ServiceRequest).where(ServiceRequest.external_id.is_not(None))
    assert session.scalar(count) == 6003


def test_arrondissements_agree_with_the_city_and_disagreements_are_border_streets(session, imported):
    with DANSMARUE.open(encoding="utf-8") as handle:
        recorded = {row["id_dmr"]: row for row in csv.DictReader(handle)}
    assigned = dict(
        session.execute(
            select(ServiceRequest.external_id, Area.code)
            .join(ServiceRequestArea, ServiceRequestArea.request_id == ServiceRequest.id)
            .join(Area, Area.id == ServiceRequestArea.area_id)
            .where(ServiceRequest.external_id.is_not(None))
        ).all()
    )
    assert len(assigned) == 6003
    disagreements = [key for key, code in assigned.items() if recorded[key]["arrondissement"] != code]
    agreement = 1 - len(disagreements) / len(assigned)
    assert agreement >= 0.99, f"{agreement:.2%} agreement"
    for key in set(disagreements) - set(KNOWN_MISLABELS):
        row = recorded[key]
        distance = session.scalar(
            text(
                "SELECT ST_Distance(geography(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)), geography(a.geom)) "
                "FROM area a JOIN area_layer l ON l.id = a.layer_id JOIN jurisdiction j ON j.id = l.jurisdiction_id "
                "WHERE j.jurisdiction_id = 'paris.fr' AND a.code = :code"
            ),
            {"lon": float(row["longitude"]), "lat": float(row["latitude"]), "code": row["arrondissement"]},
        )
        assert distance <= BORDER_TOLERANCE_METRES, (
            key,
            row["adresse"],
            row["arrondissement"],
            assigned[key],
            distance,
        )


def test_import_assigns_and_routes_like_a_post(session, paris, imported):
    sidewalk = find_service(session, paris, "5201")
    sample = session.execute(
        select(
            ServiceRequest.id,
            func.ST_X(ServiceRequest.location),
            func.ST_Y(ServiceRequest.location),
            ServiceRequest.department_id,
        )
        .where(ServiceRequest.external_id.is_not(None))
        .order_by(ServiceRequest.id)
        .limit(300)
    ).all()
    for request_id, lon, lat, department_id in sample:
        expected = assign(session, sidewalk, lon, lat)
        areas = session.scalars(
            select(ServiceRequestArea.area_id).where(ServiceRequestArea.request_id == request_id)
        ).all()
        assert areas == [a.id for a in expected.areas]
        assert department_id == expected.department.id


def test_history_is_closed_dated_and_keeps_channel_and_address(client, session, imported):
    reply = client.get(
        "/open311/v2/requests.json?jurisdiction_id=paris.fr&extensions=true&start_date=2024-03-06T00:00:00%2B01:00"
        "&end_date=2024-03-06T23:59:59%2B01:00&page_size=100"
    )
    records = reply.get_json()
    assert records and int(reply.headers["X-Result-Count"]) == len(records)
    assert all(r["status"] == "closed" and r["requested_datetime"] == "2024-03-06T00:00:00+01:00" for r in records)
    victoire = next(r for r in records if r["address"] == "90 Rue de la Victoire, 75009 PARIS")
    assert victoire["zipcode"] == "75009" and victoire["extended_attributes"]["channel"] == "IOS application"


def test_paging_through_the_history_with_totals(client, imported):
    window = "start_date=2024-01-01T00:00:00%2B01:00&end_date=2024-03-31T00:00:00%2B02:00"
    first = client.get(f"/open311/v2/requests.xml?jurisdiction_id=paris.fr&{window}&page_size=100")
    total, pages = int(first.headers["X-Result-Count"]), int(first.headers["X-Page-Count"])
    assert total > 1000 and pages == -(-total // 100)
    snapshot = first.headers["X-Snapshot"]
    seen = set()
    for page in range(1, pages + 1):
        reply = client.get(
            f"/open311/v2/requests.json?jurisdiction_id=paris.fr&{window}&page_size=100&page={page}&snapshot={snapshot}"
        )
        seen.update(r["service_request_id"] for r in reply.get_json())
    assert len(seen) == total


def test_refused_rows_are_reported_with_their_line(session, paris, tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(textwrap.dedent("""\
        id_dmr,type,soustype,adresse,code_postal,arrondissement,datedecl,prefixe,intervenant,latitude,longitude
        A1,Voirie,"Trottoirs : Affaissement, trou, bosse, pavé arraché",1 rue X,75007,7,2024-03-06,Android,DVD,48.8584,2.2945
        A2,Voirie,Licorne errante,1 rue X,75007,7,2024-03-06,Android,DVD,48.8584,2.2945
        A3,Voirie,"Trottoirs : Affaissement, trou, bosse, pavé arraché",1 rue X,75007,7,06/03/2024,Android,DVD,48.8584,2.2945
        A4,Voirie,"Trottoirs : Affaissement, trou, bosse, pavé arraché",Londres,,,2024-03-06,Android,DVD,51.5072,-0.1276
        A5,Voirie,"Trottoirs : Affaissement, trou, bosse, pavé arraché",1 rue X,75007,7,2024-03-06,Android,DVD,,
        A1,Voirie,"Trottoirs : Affaissement, trou, bosse, pavé arraché",1 rue X,75007,7,2024-03-07,Android,DVD,48.8584,2.2945
        """), encoding="utf-8")  # fmt: skip
    report = import_requests(session, paris, path, source_format="dansmarue")
    assert (report.read, report.imported) == (6, 1)
    assert report.refused == [
        (3, "no service named 'Licorne errante' in the catalogue"),
        (4, "datedecl is not a date: '06/03/2024'"),
        (5, "(51.5072, -0.1276) is outside the jurisdiction paris.fr"),
        (6, "no usable coordinates (lat='', long='')"),
        (7, "external id A1 appears twice in the file"),
    ]


def test_generic_csv_with_a_column_mapping(client, session, paris, tmp_path):
    path = tmp_path / "generic.csv"
    path.write_text(textwrap.dedent("""\
        ref;service_code;requested_datetime;status;lat;long;description
        X-1;3602;2024-05-01T10:00:00+02:00;closed;48.8530;2.3499;Tag sur la façade
        X-2;3602;2024-05-01T11:00:00+02:00;in_progress;48.8530;2.3499;
        X-3;3602;hier;open;48.8530;2.3499;
        X-4;3602;2024-05-01T11:00:00+02:00;lost;48.8530;2.3499;
        """), encoding="utf-8")  # fmt: skip
    report = import_requests(session, paris, path, source_format="csv", columns={"external_id": "ref"}, delimiter=";")
    assert report.imported == 2
    assert [line for line, _reason in report.refused] == [4, 5]
    assert "requested_datetime must be a date or a W3C datetime" in report.refused[0][1]
    records = client.get(
        "/open311/v2/requests.json?jurisdiction_id=paris.fr&extensions=true"
        "&start_date=2024-05-01T00:00:00Z&end_date=2024-05-02T00:00:00Z"
    ).get_json()
    assert [(r["status"], r["extended_attributes"]["detailed_status"]) for r in records] == [
        ("open", "in_progress"),
        ("closed", "closed"),
    ]
    assert records[1]["description"] == "Tag sur la façade"
    assert records[1]["extended_attributes"]["areas"][0]["code"] == "4"


def test_generic_csv_reads_datetimes_as_other_systems_write_them(session, paris, tmp_path):
    """PostgreSQL's own text form (space, fractions, +00), +0530 and +05 offsets, and zone-less values
    (a timestamp without time zone column, a bare date) in the city's time zone."""
    path = tmp_path / "pg.csv"
    path.write_text(textwrap.dedent("""\
        external_id,service_code,requested_datetime,updated_datetime,lat,long
        P-1,3602,2023-12-01 10:25:35.007751+00,2023-12-02 08:00:00+00,48.8530,2.3499
        P-2,3602,2023-12-01T16:00:00+0530,,48.8530,2.3499
        P-3,3602,2023-12-01 16:00:00+05,,48.8530,2.3499
        P-4,3602,2023-12-01 11:00:00,,48.8530,2.3499
        P-5,3602,2023-12-01,,48.8530,2.3499
        P-6,3602,9999-12-31 23:59:59+00,,48.8530,2.3499
        P-7,3602,2023-12-01 10:00:00+00,0001-01-01,48.8530,2.3499
        """), encoding="utf-8")  # fmt: skip
    report = import_requests(session, paris, path, source_format="csv")
    assert report.imported == 5, report.refused
    assert [(line, reason.split(":")[0]) for line, reason in report.refused] == [
        (7, "requested_datetime is out of range"),
        (8, "updated_datetime is out of range"),
    ]
    stored = dict(
        session.execute(
            select(ServiceRequest.external_id, func.to_char(ServiceRequest.requested_datetime.op("AT TIME ZONE")("UTC"),
                                                                "YYYY-MM-DD HH24:MI:SS.US"))
            .where(ServiceRequest.external_id.like("P-%"))
        ).all()
    )  # fmt: skip
    assert stored == {
        "P-1": "2023-12-01 10:25:35.007751",
        "P-2": "2023-12-01 10:30:00.000000",
        "P-3": "2023-12-01 11:00:00.000000",
        "P-4": "2023-12-01 10:00:00.000000",  # 11:00 in Paris
        "P-5": "2023-11-30 23:00:00.000000",  # midnight in Paris
    }


def test_texts_xml_cannot_carry_are_refused_with_their_row(session, paris, tmp_path):
    path = tmp_path / "ctl.csv"
    path.write_text(
        "external_id,service_code,requested_datetime,lat,long,description\n"
        "C-1,3602,2024-05-01T10:00:00Z,48.8530,2.3499,Tag\x0bsur la façade\n"
        'C-2,3602,2024-05-01T10:00:00Z,48.8530,2.3499,"Tag\r\nsur la façade"\n',
        encoding="utf-8",
    )
    report = import_requests(session, paris, path, source_format="csv")
    assert report.imported == 1
    assert report.refused == [(2, "description contains the character U+000B, which XML cannot carry")]


def test_cli_import_reports_lines(engine, tmp_path):
    from click.testing import CliRunner

    from open311.cli import main

    path = tmp_path / "h.csv"
    path.write_text("external_id,service_code,requested_datetime,lat,long\nZ-1,nope,2024-05-01T10:00:00Z,48.85,2.35\n")
    result = CliRunner().invoke(
        main,
        ["import-requests", str(path), "--jurisdiction", "paris.fr"],
        env={"OPEN311_DATABASE_URL": engine.url.render_as_string(False)},
    )
    assert result.exit_code == 0, result.output
    assert f"{path}: line 2: refused: unknown service_code 'nope'" in result.output
    assert "1 rows read, 0 imported, 0 already imported, 1 refused" in result.output


def _first_rows(path, count: int):
    """The DansMaRue history's header and first ``count`` rows, as a file of their own."""
    lines = DANSMARUE.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    path.write_text("".join(lines[: count + 1]), encoding="utf-8")
    return path


def test_import_moves_the_listing_version_and_fires_every_trigger(session, paris, tmp_path, caplog):
    """Batches skip the per-row foreign-key triggers only while every other trigger of the written tables
    fires in that mode too: a trigger added without ENABLE ALWAYS (a rollup) turns the shortcut off."""
    before = listing_state(session, paris.id)
    session.execute(text("CREATE TEMP TABLE seen_rows (request_id bigint)"))
    session.execute(
        text("""
        CREATE FUNCTION pg_temp.count_row() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN INSERT INTO seen_rows VALUES (NEW.id); RETURN NULL; END $$;
        CREATE TRIGGER a_later_rollup AFTER INSERT ON service_request FOR EACH ROW EXECUTE FUNCTION pg_temp.count_row();
        """)
    )
    assert session.scalar(text(import_store._REPLICA_SAFE)) is False
    with caplog.at_level(logging.WARNING, logger=import_store.__name__):
        report = import_requests(session, paris, _first_rows(tmp_path / "h.csv", 40), source_format="dansmarue")
    assert "triggers service_request.a_later_rollup are not ENABLE ALWAYS" in caplog.text
    assert report.imported == 40
    assert session.scalar(text("SELECT count(*) FROM seen_rows")) == 40
    assert listing_state(session, paris.id) != before


def test_references_are_checked_by_locks_when_triggers_are_skipped(session, paris, tmp_path):
    """With the shortcut on (the tests' superuser), what a batch writes still refers to stored rows. Every
    trigger of the written tables fires in replica mode too (migrations perf3, perf4), so the shortcut is
    on as shipped."""
    assert session.scalar(text(import_store._REPLICA_SAFE)) is True
    report = import_requests(session, paris, _first_rows(tmp_path / "h.csv", 40), source_format="dansmarue")
    assert report.imported == 40
    orphans = session.scalar(
        text("""
        SELECT count(*) FROM service_request r
        LEFT JOIN service s ON s.id = r.service_id LEFT JOIN department d ON d.id = r.department_id
        WHERE r.external_id IS NOT NULL AND (s.id IS NULL OR d.id IS NULL OR r.jurisdiction_id <> s.jurisdiction_id
            OR NOT EXISTS (SELECT 1 FROM request_update u WHERE u.request_id = r.id AND u.kind = 'created'))
        """)
    )
    assert orphans == 0
    assert session.scalar(text("SHOW session_replication_role")) == "origin"


def test_imported_requests_count_in_the_statistics_at_once_as_a_rebuild_counts_them(session, paris, tmp_path):
    """The statistics' triggers wait during an import: each batch queues its changes, folded in bulk at
    the end; the figures are those of rollups rebuilt from the requests, and the triggers fire again."""
    window = StatisticsQuery(group_by=["area", "service_code", "month"], start_date=date(2023, 1, 1))
    before = compute_statistics(session, paris, window)
    report = import_requests(session, paris, _first_rows(tmp_path / "h.csv", 600), source_format="dansmarue")
    assert report.imported == 600
    assert session.scalar(text("SELECT count(*) FROM stats_pending")) == 0  # folded
    assert session.scalar(text("SELECT current_setting('open311.statistics', true)")) == "on"
    after = compute_statistics(session, paris, window)
    assert sum(c["opened"] for c in after) - sum(c["opened"] for c in before) == 600
    rebuild(session, paris)
    assert compute_statistics(session, paris, window) == after
