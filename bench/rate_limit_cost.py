"""What rate limiting and submission folding cost on GET requests/{id} and POST requests (budget: 5%).

    .venv/bin/python -m bench.rate_limit_cost [--rounds 3] [--duration 8]

Interleaved rounds of the same server with the limits off (every quota 0, no folding) and on (the
defaults: counters in PostgreSQL). The traffic looks like many clients, as in production, so that
each bucket stays under its quota and costs what it costs there: GETs come from 2,000 client
addresses (X-Forwarded-For, one trusted proxy: gunicorn serves alone here), POSTs from 200 keys, each
with a different description (claimed, never folded). Database: ``OPEN311_BENCH_DATABASE_URL``, else
the one ``make run`` uses.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from open311.cli import DEMO_HISTORY
from open311.db import make_engine
from open311.logic.api_keys import create_key
from open311.logic.jurisdictions import resolve_jurisdiction

from . import run
from .ab import arguments, interleave, report

KEYS, ADDRESSES = 200, 2000
COMMON = {"OPEN311_FRONT": "none", "OPEN311_TRUSTED_PROXIES": "1"}
OFF = {"OPEN311_RATE_LIMIT_ADDRESS": "0", "OPEN311_RATE_LIMIT_KEY": "0", "OPEN311_RATE_LIMIT_WRITES": "0",
       "OPEN311_SUBMISSION_FOLD_SECONDS": "0"}  # fmt: skip
ON = {"OPEN311_RATE_LIMIT_ADDRESS": "1200", "OPEN311_RATE_LIMIT_KEY": "6000", "OPEN311_RATE_LIMIT_WRITES": "120",
      "OPEN311_SUBMISSION_FOLD_SECONDS": "120"}  # fmt: skip


def _keys(url: str) -> list[str]:
    engine = make_engine(url)
    with Session(engine) as session:
        paris = resolve_jurisdiction(session, "paris.fr")
        keys = [create_key(session, "bench-rate", paris)[1] for _ in range(KEYS)]
        session.commit()
    engine.dispose()
    return keys


def _cleanup(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM api_key WHERE name = 'bench-rate'"))
        connection.execute(text("DELETE FROM submission_fingerprint"))
        connection.execute(text("DELETE FROM rate_limit_counter"))
    engine.dispose()


def _scripts(directory: Path, keys: list[str], highest: int) -> tuple[Path, Path]:
    addresses = "math.random(0, 7) .. '.' .. math.random(0, 15) .. '.' .. math.random(1, 15)"
    get_one = directory / "rate_get_one.lua"
    get_one.write_text(
        "math.randomseed(os.time())\n"
        "request = function()\n"
        f"  local address = '10.' .. {addresses}\n"  # 8 x 16 x 15 = 1,920 addresses
        f'  return wrk.format("GET", "/open311/v2/requests/" .. math.random(1, {highest}) .. ".json", '
        '{["X-Forwarded-For"] = address})\n'
        "end\n"
    )
    with DEMO_HISTORY.open(encoding="utf-8") as handle:
        points = [(row["latitude"], row["longitude"]) for row in csv.DictReader(handle)]
    post = directory / "rate_post.lua"
    post.write_text(
        "math.randomseed(os.time())\n"
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f"local keys = {{{','.join(repr(k).replace(chr(39), chr(34)) for k in keys)}}}\n"
        f"local points = {{{','.join(f'{{{lat},{long}}}' for lat, long in points)}}}\n"
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  local p = points[math.random(#points)]\n"
        '  local body = "api_key=" .. keys[math.random(#keys)] .. "&service_code=5201&attribute%5BTAILLE%5D=petit"'
        ' .. "&lat=" .. p[1] .. "&long=" .. p[2] .. "&description=n" .. n .. "-" .. math.random(1e9)\n'
        "  return wrk.format(nil, nil, nil, body)\n"
        "end\n"
    )
    return get_one, post


def main() -> None:
    """Interleave limits off and on and print the figures."""
    args, url = arguments(__doc__)
    requests, highest, _size = run._count(url)
    get_one, post = _scripts(Path(tempfile.mkdtemp()), _keys(url), highest)
    cases = {"GET one": ("/", get_one), "POST": ("/open311/v2/requests.json", post)}
    variants = {"off": {**COMMON, **OFF}, "on": {**COMMON, **ON}}
    try:
        figures = interleave(url, variants, cases, args.rounds, args.duration)
    finally:
        run._cleanup(url, highest)
        _cleanup(url)
    print(f"\n{requests:,} requests in the database; median requests/s over {args.rounds} rounds")
    report(figures, cases, variants, baseline="off")


if __name__ == "__main__":
    main()
