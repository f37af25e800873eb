"""Exports on two backends (parallel.py): the same bytes as one COPY, one snapshot, and nothing left
open when the consumer goes. These requests are committed (a second connection sees no uncommitted
rows), and deleted afterwards."""

from __future__ import annotations

import json
import threading
from types import SimpleNamespace

import psycopg
import pytest
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from open311.logic.jurisdictions import resolve_jurisdiction
from open311.logic.opendata import export, parallel
from open311.logic.opendata.export import RequestExport
from open311.logic.request_search import RequestQuery
from open311.models import ServiceRequest

from ..factories import make_request

ROWS = 37


@pytest.fixture()
def committed(engine):
    """ROWS committed Paris requests (texts with quotes, commas and line breaks), deleted afterwards."""
    with Session(engine) as session:
        session.execute(delete(ServiceRequest))
        ids = [
            make_request(session, description=f'n°{n}, "vite"\n{"x" * n}', lat=48.85 + n / 1000).id for n in range(ROWS)
        ]
        session.commit()
    yield ids
    with Session(engine) as session:
        session.execute(delete(ServiceRequest).where(ServiceRequest.id.in_(ids)))
        session.commit()


@pytest.fixture()
def small_ranges(monkeypatch):
    """Ranges of 4 rows, two backends from 8 rows, JSON blocks of 3 rows, chunks of a few rows: many
    boundaries."""
    monkeypatch.setattr(export, "RANGE_ROWS", 4)
    monkeypatch.setattr(export, "BLOCK_ROWS", 3)
    monkeypatch.setattr(export, "PARALLEL_ROWS", 8)
    monkeypatch.setattr(export, "CHUNK_BYTES", 500)
    helpers = []

    def recorded(connection):
        helper = parallel.snapshot_connection(connection)
        helpers.append(helper)
        return helper

    monkeypatch.setattr(export, "snapshot_connection", recorded)
    return helpers


def _exporter(engine) -> RequestExport:
    """A Paris export as the API makes it (an autocommit session: the export's own transaction)."""
    session = Session(engine.execution_options(isolation_level="AUTOCOMMIT"))
    return RequestExport(session, resolve_jurisdiction(session, "paris.fr"), RequestQuery())


def _export(engine, fmt: str) -> bytes:
    """A whole export's bytes."""
    exporter = _exporter(engine)
    exporter.validator()
    return b"".join(exporter.stream(fmt))


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "geojson"])
def test_two_backends_write_the_same_bytes_as_one(engine, committed, small_ranges, monkeypatch, fmt):
    parallel_body = _export(engine, fmt)
    assert len(small_ranges) == 1 and small_ranges[0].closed  # it ran on two backends, and closed the second
    monkeypatch.setattr(export, "PARALLEL_ROWS", ROWS + 1)
    assert parallel_body == _export(engine, fmt)
    assert len(small_ranges) == 1  # one backend this time
    if fmt == "csv":
        assert parallel_body.count(b"service_request_id,requested_datetime") == 1  # one header
    elif fmt == "ndjson":
        ids = [json.loads(line)["service_request_id"] for line in parallel_body.splitlines()]
        assert ids == [str(number) for number in sorted(committed)]
    else:
        features = json.loads(parallel_body)["features"]
        assert [feature["properties"]["service_request_id"] for feature in features] == [
            str(number) for number in sorted(committed)
        ]


@pytest.mark.parametrize("fmt", ["ndjson", "geojson"])
def test_a_sparse_export_is_sent_a_row_a_message_with_the_same_bytes(engine, committed, monkeypatch, fmt):
    with Session(engine) as session:  # gaps: partial and empty blocks, still dense enough for blocks
        session.execute(delete(ServiceRequest).where(ServiceRequest.id.in_(committed[1::3] + committed[20:26])))
        session.commit()
    kept = [number for number in committed if number not in committed[1::3] + committed[20:26]]
    monkeypatch.setattr(export, "BLOCK_ROWS", 3)
    blocks = _export(engine, fmt)
    monkeypatch.setattr(export, "BLOCK_DENSITY", 2.0)  # no export is that dense: a row a message
    assert _export(engine, fmt) == blocks
    if fmt == "ndjson":
        assert [json.loads(line)["service_request_id"] for line in blocks.splitlines()] == [str(n) for n in kept]
    monkeypatch.setattr(export, "PARALLEL_ROWS", 8)  # and on two backends
    monkeypatch.setattr(export, "RANGE_ROWS", 4)
    assert _export(engine, fmt) == blocks


def test_both_backends_read_the_exports_snapshot(engine, committed, small_ranges):
    exporter = _exporter(engine)
    assert exporter.validator().count == ROWS
    with Session(engine) as writer:  # a change committed after the validator was read
        writer.execute(update(ServiceRequest).where(ServiceRequest.id.in_(committed)).values(description="changed"))
        writer.commit()
    lines = [json.loads(line) for line in b"".join(exporter.stream("ndjson")).splitlines()]
    assert len(small_ranges) == 1 and len(lines) == ROWS
    assert not any(line["description"] == "changed" for line in lines)


def test_a_consumer_that_stops_early_leaves_no_thread_nor_connection(engine, committed, small_ranges):
    exporter = _exporter(engine)
    exporter.validator()
    threads = threading.active_count()
    chunks = exporter.stream("csv")
    assert next(chunks) and next(chunks)
    chunks.close()
    assert small_ranges[0].closed and threading.active_count() == threads
    assert _export(engine, "csv").count(b"\r\n") > ROWS  # the pool's connections still serve


def test_a_failing_copy_is_raised_and_cleaned_up(engine, committed, small_ranges, monkeypatch):
    exporter = _exporter(engine)
    exporter.validator()
    copy = exporter._copy

    def failing(fmt, **options):  # every range after the first fails (the second backend's first)
        statement, params = copy(fmt, **options)
        if options.get("header", True):
            return statement, params
        return statement.replace("COPY (", "COPY (SELECT (1/0)::text UNION ALL ", 1), params

    monkeypatch.setattr(exporter, "_copy", failing)
    threads = threading.active_count()
    with pytest.raises(Exception, match="division by zero"):
        b"".join(exporter.stream("ndjson"))
    assert small_ranges[0].closed and threading.active_count() == threads


def test_without_a_second_connection_one_backend_reads_everything(engine, committed, small_ranges, monkeypatch):
    def refused(*_args, **_kwargs):
        raise psycopg.OperationalError("too many clients already")

    expected = _export(engine, "csv")  # the pool's connections are made: only the second one is refused
    monkeypatch.setattr(
        parallel, "psycopg", SimpleNamespace(connect=refused, OperationalError=psycopg.OperationalError)
    )
    assert _export(engine, "csv") == expected
    assert small_ranges[-1] is None


def test_blocks_only_in_one_snapshot(engine, committed):
    """JSON blocks span the ids the validator saw: a READ COMMITTED transaction (no one snapshot for the
    validator and the rows) is sent a row a message."""
    with Session(engine) as session:
        exporter = RequestExport(session, resolve_jurisdiction(session, "paris.fr"), RequestQuery())
        exporter.validator()
        assert "generate_series" not in exporter._copy("ndjson")[0]
        exporter.close()
    exporter = _exporter(engine)
    exporter.validator()
    assert "generate_series" in exporter._copy("ndjson")[0]
    exporter.close()
