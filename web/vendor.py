"""Copy the dashboard's JavaScript libraries from web/node_modules into open311/web/static/vendor/.

    cd web && npm ci && python vendor.py        (or: make vendor)

Only the files the page loads are copied, with each package's licence, and MANIFEST.json records
every package's pinned version, licence, npm integrity and the SHA-256 of each copied file (a test
checks the copies against it). The result is committed: serving the page never needs npm.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parent
VENDOR = WEB.parent / "open311" / "web" / "static" / "vendor"

#: package -> files copied (relative to the package folder), the licence first.
FILES = {
    "leaflet": [
        "LICENSE",
        "dist/leaflet.js",
        "dist/leaflet.css",
        "dist/images/layers.png",
        "dist/images/layers-2x.png",
        "dist/images/marker-icon.png",
        "dist/images/marker-icon-2x.png",
        "dist/images/marker-shadow.png",
    ],
    "uplot": ["LICENSE", "dist/uPlot.iife.min.js", "dist/uPlot.min.css"],
}


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    """Copy the files and write the manifest; fail when a package is missing or not the locked version."""
    lock = json.loads((WEB / "package-lock.json").read_text())["packages"]
    wanted = json.loads((WEB / "package.json").read_text())["dependencies"]
    manifest = {}
    shutil.rmtree(VENDOR, ignore_errors=True)
    for name, files in FILES.items():
        source = WEB / "node_modules" / name
        installed = json.loads((source / "package.json").read_text())
        locked = lock[f"node_modules/{name}"]
        if installed["version"] != wanted[name] or locked["version"] != wanted[name]:
            print(f"{name}: installed {installed['version']}, locked {locked['version']}, wanted {wanted[name]}")
            return 1
        copied = {}
        for relative in files:
            target = VENDOR / name / Path(relative).name if relative == "LICENSE" else VENDOR / name / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / relative, target)
            copied[str(target.relative_to(VENDOR))] = sha256(target)
        manifest[name] = {
            "version": installed["version"],
            "license": installed["license"],
            "integrity": locked["integrity"],
            "homepage": installed.get("homepage"),
            "files": copied,
        }
    (VENDOR / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    names = ", ".join(f"{name} {entry['version']}" for name, entry in manifest.items())
    print(f"Vendored {names} into {VENDOR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
