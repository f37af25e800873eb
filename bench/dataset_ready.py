"""Exit 0 when the bench database already holds the generated dataset of the given size."""

from __future__ import annotations

import sys

from sqlalchemy import text

from open311.db import make_engine

from .common import bench_url


def main() -> None:
    """Check ``service_request`` holds at least SIZE generated rows."""
    size = int(sys.argv[1])
    engine = make_engine(bench_url())
    try:
        with engine.connect() as connection:
            highest = connection.scalar(text("SELECT coalesce(max(id), 0) FROM service_request"))
    except Exception:  # no database or no schema yet
        sys.exit(1)
    finally:
        engine.dispose()
    sys.exit(0 if highest >= size else 1)


if __name__ == "__main__":
    main()
