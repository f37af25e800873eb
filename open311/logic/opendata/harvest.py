"""Extension: ``open311 export DIR``: the exports as monthly files an open data portal can harvest.

One file per month (of ``requested_datetime``, in the jurisdiction's time zone) and format, a
``manifest.json`` (for each month: the rows, the version of its content, each file's size and SHA-256)
and a ``datapackage.json`` describing every file. Rerunning compares each month's version (the same
validator as the HTTP export's ETag: rows, latest change, highest id, photos, city file) with the
manifest and rewrites only the months that changed; months left without requests lose their files.
Files are written beside their final name and renamed, so a harvester never reads half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import Jurisdiction, ServiceRequest
from ..request_search import RequestQuery
from .datapackage import datapackage, resource, resource_name, table_schema
from .export import FORMATS, RequestExport, exported_jurisdiction, request_columns
from .privacy import redaction_counts

MANIFEST = "manifest.json"
DATAPACKAGE = "datapackage.json"


@dataclass
class HarvestReport:
    """What a run did."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rows: int = 0
    #: Stored texts of the jurisdiction that the privacy transform changes, by field.
    redactions: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for the operator."""
        redactions = ", ".join(f"{count:,} {name}" for name, count in self.redactions.items())
        return (
            f"{len(self.written)} months written ({self.rows:,} rows), {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed; texts with e-mail addresses or phone numbers removed: {redactions}"
        )


def _months(session: Session, jurisdiction: Jurisdiction) -> list[tuple[int, int]]:
    """Every month from the jurisdiction's first request to its last, in its time zone."""
    zone = jurisdiction.time_zone
    first, last = session.execute(
        select(
            func.min(func.timezone(zone, ServiceRequest.requested_datetime)),
            func.max(func.timezone(zone, ServiceRequest.requested_datetime)),
        ).where(ServiceRequest.jurisdiction_id == jurisdiction.id)
    ).one()
    if first is None:
        return []
    months, (year, month) = [], (first.year, first.month)
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month_query(year: int, month: int, zone: ZoneInfo) -> RequestQuery:
    start = datetime(year, month, 1, tzinfo=zone)
    following = datetime(year + 1, 1, 1, tzinfo=zone) if month == 12 else datetime(year, month + 1, 1, tzinfo=zone)
    # end is inclusive: the last microsecond of the month (PostgreSQL keeps microseconds).
    end = datetime.fromtimestamp(following.timestamp() - 1e-6, tz=UTC)
    return RequestQuery(start_date=start, end_date=end)


def _write(path: Path, chunks) -> dict:
    """Write ``chunks`` to ``path`` through a temporary name; its size and SHA-256."""
    digest, size = hashlib.sha256(), 0
    partial = path.with_name(path.name + ".part")
    with partial.open("wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    os.replace(partial, path)
    return {"path": path.name, "bytes": size, "sha256": digest.hexdigest()}


def _unchanged(entry: dict | None, version: str, directory: Path, formats: tuple[str, ...]) -> bool:
    if not entry or entry.get("version") != version:
        return False
    files = entry.get("files", {})
    return all(
        fmt in files and (directory / files[fmt]["path"]).is_file()
        and (directory / files[fmt]["path"]).stat().st_size == files[fmt]["bytes"]
        for fmt in formats
    )  # fmt: skip


def _atomic_json(path: Path, document: dict) -> None:
    _write(path, [json.dumps(document, indent=1, ensure_ascii=False).encode() + b"\n"])


def harvest(
    sessions: Callable[[], Session],
    jurisdiction: Jurisdiction,
    directory: Path,
    formats: tuple[str, ...] = FORMATS,
    progress: Callable[[str], None] | None = None,
) -> HarvestReport:
    """Write (or bring up to date) the monthly files of ``jurisdiction`` in ``directory``. ``sessions``
    makes a new session (each month is read in a transaction of its own)."""
    report, say = HarvestReport(), progress or (lambda _message: None)
    exported_jurisdiction(jurisdiction)
    directory.mkdir(parents=True, exist_ok=True)
    manifest_path = directory / MANIFEST
    previous = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    months_before = {entry["month"]: entry for entry in previous.get("months", [])}
    with sessions() as session:
        months = _months(session, jurisdiction)
        schema = table_schema(request_columns(session, jurisdiction))
        report.redactions = redaction_counts(session, jurisdiction.id)
    zone, prefix = ZoneInfo(jurisdiction.time_zone), resource_name(jurisdiction.jurisdiction_id, "requests")
    entries = []
    for year, month in months:
        label = f"{year:04d}-{month:02d}"
        export = RequestExport(sessions(), jurisdiction, _month_query(year, month, zone))
        try:
            validator = export.validator()
            if validator.count == 0:
                continue
            entry = months_before.get(label)
            if _unchanged(entry, validator.etag, directory, formats):
                report.unchanged.append(label)
                entries.append(entry)
                say(f"{label}: {validator.count:,} rows unchanged")
                continue
            files = {fmt: _write(directory / f"{prefix}-{label}.{fmt}", export.chunks(fmt)) for fmt in formats}
        finally:
            export.close()
        entries.append({"month": label, "rows": validator.count, "version": validator.etag, "files": files})
        report.written.append(label)
        report.rows += validator.count
        say(f"{label}: {validator.count:,} rows written ({', '.join(formats)})")
    kept = {entry["month"] for entry in entries}
    for label, entry in months_before.items():
        if label not in kept:
            for file in entry.get("files", {}).values():
                (directory / file["path"]).unlink(missing_ok=True)
            report.removed.append(label)
            say(f"{label}: no requests left, files removed")
    now = datetime.now(UTC)
    _atomic_json(
        manifest_path,
        {"jurisdiction_id": jurisdiction.jurisdiction_id, "generated": now.isoformat(timespec="seconds"),
         "formats": list(formats), "months": entries},
    )  # fmt: skip
    resources = [
        resource(
            resource_name("requests", entry["month"], fmt),
            file["path"],
            fmt,
            schema,
            bytes=file["bytes"],
            hash=f"sha256:{file['sha256']}",
        )
        for entry in entries
        for fmt, file in entry["files"].items()
    ]
    _atomic_json(directory / DATAPACKAGE, datapackage(jurisdiction, resources, now))
    return report
