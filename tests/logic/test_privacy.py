"""The privacy transform (docs/open-data.md): what it removes, what it leaves, and on real data."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from sqlalchemy import ARRAY, Text, bindparam, func, select

from open311.logic.opendata.privacy import redact, redaction_counts

from ..conftest import CITIES, NEW_YORK, PARIS

PHONE, EMAIL = "[phone removed]", "[email removed]"

REMOVED = [
    # French national forms
    ("Rappelez-moi au 06 12 34 56 78 svp", f"Rappelez-moi au {PHONE} svp"),
    ("tel 06.12.34.56.78", f"tel {PHONE}"),
    ("tél: 0612345678.", f"tél: {PHONE}."),
    ("portable 06-12-34-56-78", f"portable {PHONE}"),
    ("fixe 01\u00a042\u00a076\u00a040\u00a040", f"fixe {PHONE}"),
    ("deux numéros 06 12 34 56 78 07 98 76 54 32", f"deux numéros {PHONE} {PHONE}"),
    ("06 12 34 56 78 / 07 11 22 33 44", f"{PHONE} / {PHONE}"),
    # international forms
    ("+33 6 12 34 56 78", PHONE),
    ("+33 (0)6 12 34 56 78", PHONE),
    ("+33612345678", PHONE),
    ("0033 6 12 34 56 78", PHONE),
    ("0033612345678", PHONE),
    ("+44 20 7946 0958", PHONE),
    ("+1 (202) 727-2277", PHONE),
    # other national forms
    ("020 7946 0958", PHONE),
    ("07700 900123", PHONE),
    ("(212) 555-1234", PHONE),
    ("Please call 202-727-1614 today.", f"Please call {PHONE} today."),
    ("212.555.1234", PHONE),
    # e-mail addresses
    ("écrire à jean.dupont@gmail.com merci", f"écrire à {EMAIL} merci"),
    ("andré.dupont@orange.fr", EMAIL),
    ("jean @ free.fr", EMAIL),
    ("jean[at]free[dot]fr", EMAIL),
    ("jean (at) free (dot) fr", EMAIL),
    ("marie.curie(arobase)laposte.net", EMAIL),
    ("Mail: 311onlinehelp@dc.gov.", f"Mail: {EMAIL}."),
    ("both jean@x.org and +33 1 42 76 40 40", f"both {EMAIL} and {PHONE}"),
]

KEPT = [
    # dates and times
    "le 06/03/2024 à 12h",
    "le 06.03.2024 12:30",
    "Depuis le 01.02.2024 12h",
    "2024-03-06T10:00:00+01:00",
    "du 12/03/2024-15/03/2024",
    # prices and quantities
    "Prix 1 250 000 €",
    "coût 12,50 €",
    "Prix: 1 234 567,89 €",
    "3000 5000 7000 9000 passages",
    # street numbers, postcodes, places
    "90 Rue de la Victoire, 75009 PARIS",
    "entre le 12 et le 14 rue",
    "rue du 8 mai 1945",
    "Bus 75 et 91",
    "1200 W 81ST ST, CHICAGO, IL, 60620",
    # ids and coordinates
    "A2024C016447",
    "ticket 1234567890",
    "n° 0012 3456",
    "coords 48.8750648491149, 2.331057787576589",
    "SIRET 123 456 789 00012",
    "IBAN FR76 3000 6000 0112 3456 7890 189",
    "CB 4970 1012 3456 7890",
    "Inspect Public Way Survey #14-01225670 created",
    # at signs that are not addresses
    "Rendez-vous @ 14h. Merci",
    "@mairie_paris sur Twitter",
    "",
]


@pytest.mark.parametrize(("text", "expected"), REMOVED)
def test_removes_email_addresses_and_phone_numbers(session, text, expected):
    assert redact(session, text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_leaves_dates_prices_street_numbers_postcodes_and_ids(session, text):
    assert redact(session, text) == text


def test_null_stays_null(session):
    assert redact(session, None) is None


def _redacted(session, texts: list[str]) -> list[tuple[str, str]]:
    """The texts the transform changes, with what it makes of them."""
    values = func.unnest(bindparam("texts", texts, type_=ARRAY(Text))).table_valued("value").render_derived()
    rows = session.execute(select(values.c.value, func.redact_personal_data(values.c.value)))
    return [(original, public) for original, public in rows if public != original]


def test_real_dansmarue_reports_are_unchanged(session):
    """Every text of the 6,003 shipped DansMaRue reports (addresses, ids, dates, channels) and of both city
    files (service names, descriptions, attribute questions and values) comes out as it went in."""
    shipped = CITIES / "paris" / "dansmarue_sidewalks_2023-11_2024-12.csv"
    with shipped.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    texts = [value for row in rows for value in row.values() if value]
    for city in (PARIS, NEW_YORK):
        texts.extend(_strings(yaml.safe_load(city.read_text(encoding="utf-8"))["services"]))
    assert len(rows) == 6003 and len(texts) > 60_000
    assert _redacted(session, sorted(set(texts))) == []


SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "dansmarue"


@pytest.mark.skipif(not SHARED.exists(), reason="the raw DansMaRue data lives outside the project")
def test_raw_dansmarue_export_and_nomenclature_are_unchanged(session):
    texts = []
    for name, delimiter in (("reports_sidewalks_2023-11_2024-12.csv", ","), ("reports_sample_2017-10.csv", ";")):
        with (SHARED / name).open(encoding="utf-8") as handle:
            texts.extend(v for row in csv.DictReader(handle, delimiter=delimiter) for v in row.values() if v)
    with (SHARED / "nomenclature.csv").open(encoding="utf-8") as handle:
        texts.extend(text for row in csv.DictReader(handle) for text in (row["libelle"], row["path"]))
    assert _redacted(session, sorted(set(texts))) == []


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [value] if isinstance(value, str) else []


def test_stored_texts_get_their_public_version_at_write_time(session):
    from ..factories import make_request

    request = make_request(session, description="Appelez le 06 12 34 56 78")
    plain = make_request(session, description="Trou profond devant le 12")
    session.refresh(request)
    session.refresh(plain)
    assert request.public_description == f"Appelez le {PHONE}"
    assert plain.public_description is None  # nothing removed: nothing stored
    counts = redaction_counts(session, request.jurisdiction_id)
    assert counts["description"] >= 1 and set(counts) == {
        "description",
        "status_notes",
        "address",
        "attributes",
        "notes",
    }


def test_imported_requests_get_their_public_texts(session, tmp_path):
    from open311.logic.importer import import_requests
    from open311.logic.jurisdictions import resolve_jurisdiction
    from open311.models import ServiceRequest

    source = tmp_path / "history.csv"
    source.write_text(
        "external_id,service_code,requested_datetime,status,lat,long,address,description\n"
        "P-1,5201,2024-03-01T10:00:00+01:00,fixed,48.8584,2.2945,devant le 5,appeler le 06 12 34 56 78\n"
        "P-2,5201,2024-03-02T10:00:00+01:00,open,48.8584,2.2945,12 rue X,rien à signaler le 02/03/2024\n",
        encoding="utf-8",
    )
    report = import_requests(session, resolve_jurisdiction(session, "paris.fr"), source, source_format="csv")
    assert report.imported == 2
    rows = session.execute(
        select(ServiceRequest.external_id, ServiceRequest.public_description)
        .where(ServiceRequest.external_id.in_(["P-1", "P-2"]))
        .order_by(ServiceRequest.external_id)
    ).all()
    assert rows == [("P-1", f"appeler le {PHONE}"), ("P-2", None)]
