"""Write open311/cities/paris/dansmarue_sidewalks_2023-11_2024-12.csv: the 6,003 real DansMaRue sidewalk reports
(../shared/data/dansmarue, ODbL 1.0, Ville de Paris) trimmed to the columns the importer reads;
the demo imports them and the tests check the assignment against them.

Run from the project root: ``.venv/bin/python scripts/trim_dansmarue.py [--shared ../shared]``.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = [
    "id_dmr",
    "type",
    "soustype",
    "adresse",
    "code_postal",
    "arrondissement",
    "datedecl",
    "prefixe",
    "intervenant",
    "latitude",
    "longitude",
]


def main() -> None:
    """Trim the export."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    source = args.shared / "data/dansmarue/reports_sidewalks_2023-11_2024-12.csv"
    target = ROOT / "open311/cities/paris/dansmarue_sidewalks_2023-11_2024-12.csv"
    with source.open(encoding="utf-8", newline="") as src, target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(csv.DictReader(src))


if __name__ == "__main__":
    main()
