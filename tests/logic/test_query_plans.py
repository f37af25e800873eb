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
