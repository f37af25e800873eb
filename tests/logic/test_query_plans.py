"""Every main GET requests query can be served by an index (bench/explain.py prints the plans)."""

from __future__ import annotations

from sqlalchemy import text

from bench.explain import CASES, plans
from open311.cli import DEMO_HISTORY
from open311.logic.importer import import_requests
from open311.logic.jurisdictions import resolve_jurisdiction


def test_no_sequential_scan_of_requests(session):
    import_requests(session, resolve_jurisdiction(session, "paris.fr"), DEMO_HISTORY, source_format="dansmarue")
    session.execute(text("ANALYZE service_request"))
    session.execute(text("SET LOCAL enable_seqscan = off"))
    explained = plans(session, "paris.fr")
    assert set(explained) == set(CASES)
    for case, plan in explained.items():
        assert "Seq Scan on service_request " not in plan + " ", (case, plan)
        assert "Index Scan" in plan or "Bitmap Index Scan" in plan, (case, plan)


def test_the_probes_of_a_moving_window_read_one_btree_entry_each(session):
    """A 304's check of a moving window looks up the newest request before a bound and the oldest after
    one (a Limit over the btree in requested_datetime order), whatever plan the parameters get: an EXISTS
    over the range let the planner scan the GiST index of (location, requested_datetime) instead, the whole
    index at 10 million requests."""
    from datetime import UTC, datetime, timedelta

    from psycopg import sql

    from open311.logic.listing_changes import CHECK_STATE, TAG_CHECK

    now, epoch = datetime.now(UTC), datetime(1970, 1, 1, tzinfo=UTC)
    bounds = [now - timedelta(days=90, seconds=5), now - timedelta(days=90), now - timedelta(seconds=5), now]
    micros = [(moment - epoch) // timedelta(microseconds=1) for moment in bounds]
    names = ["jurisdiction_id", "moving", "left_from", "left_to", "entered_from", "entered_to"]
    check_state = CHECK_STATE.sql
    for number, name in enumerate(names, start=1):
        check_state = check_state.replace(f"%({name})s", f"${number}" + ("::timestamptz" if number > 2 else ""))
    statements = {"tag_check": (TAG_CHECK.decode(), [1, *micros]), "check_state": (check_state, [1, True, *bounds])}
    connection = session.connection().connection.driver_connection
    for mode in ("force_custom_plan", "force_generic_plan"):
        session.execute(text(f"SET LOCAL plan_cache_mode = {mode}"))
        for name, (statement, values) in statements.items():
            connection.execute(f"PREPARE {name} AS {statement}")
            arguments = sql.SQL(", ").join(map(sql.Literal, values))
            explain = sql.SQL("EXPLAIN EXECUTE {}({})").format(sql.Identifier(name), arguments)
            plan = "\n".join(row[0] for row in connection.execute(explain))
            connection.execute(f"DEALLOCATE {name}")
            assert plan.count("Limit") >= 2, (mode, name, plan)
            assert "location_requested" not in plan, (mode, name, plan)


def test_each_fold_prunes_old_day_rows_through_the_rollups_primary_key(session):
    """The prune in stats_fold() (run inside one POST in about 128) bounds the primary key's scan by every
    column it names, the jurisdiction first; walking the whole key cost 45 ms a fold at 10M (migration perf5)."""
    import re

    definition = session.scalar(text("SELECT pg_get_functiondef('stats_fold()'::regprocedure)"))
    prune = re.search(r"DELETE FROM request_stats\s+WHERE .*?;", definition, re.S).group(0).rstrip(";")
    plan = "\n".join(session.execute(text(f"EXPLAIN {prune}")).scalars())
    assert re.search(r"Index Cond: \(\(jurisdiction_id = ANY", plan), plan
