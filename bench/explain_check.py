"""Print the plans of the benchmarked queries on a bench database and say whether each uses an index."""

from __future__ import annotations

import sys

from sqlalchemy.orm import Session

from open311.db import make_engine

from .explain import plans


def main() -> None:
    """EXPLAIN every case; exit 1 when one scans service_request sequentially."""
    engine = make_engine(sys.argv[1])
    with Session(engine) as session:
        explained = plans(session, "paris.fr")
    engine.dispose()
    failures = 0
    for case, plan in explained.items():
        scans = [line.strip() for line in plan.splitlines() if "Scan" in line]
        sequential = any("Seq Scan on service_request " in line + " " for line in scans)
        failures += sequential
        print(f"{'SEQ SCAN' if sequential else 'index   '}  {case}: {scans[0] if scans else ''}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
