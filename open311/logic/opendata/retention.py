"""Extension: retention (the city file's ``retention``; docs/open-data.md).

For each jurisdiction that sets them:

- ``contact_months``: the personal data of a request (its contact row: names, e-mail, phone, device and
  account ids; and the contact given with citizens' updates of it) is deleted that many months after the
  request was closed (``closed_datetime``; a reopened request is open again and keeps it).
- ``media_months``: that many months after a request was closed, its photos go: the files the server
  keeps are deleted and every photo URL of the request and of its history is cleared (URLs of other
  servers too: they would point at photos of people's streets after the city chose to drop them).
- ``sandbox_days``: requests of the jurisdiction's sandbox twin made that long ago are deleted, with
  their history, areas, contact, events and photos.

Work is done in batches of requests, each committed on its own (files are deleted before their URLs
are cleared, so that a crash between the two leaves no photo behind). Nothing else is touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy import ColumnElement, Select, delete, func, or_, select, update
from sqlalchemy.orm import Session

from ...models import Jurisdiction, RequestUpdate, RequestUpdateContact, ServiceRequest, ServiceRequestContact

BATCH_SIZE = 1000
#: The names of the photos the server keeps (open311/media.py): 128 random bits and the type.
MEDIA_FILE = re.compile(r"^[0-9a-f]{32}\.(jpg|png|gif|webp)$")


@dataclass
class RetentionCounts:
    """What retention deletes (or would delete) in one jurisdiction."""

    jurisdiction_id: str
    contacts: int = 0
    update_contacts: int = 0
    media_requests: int = 0
    media_files: int = 0
    sandbox_requests: int = 0

    def summary(self) -> str:
        """One line for the operator."""
        return (
            f"{self.jurisdiction_id}: {self.contacts} contacts and {self.update_contacts} update contacts, "
            f"photos of {self.media_requests} requests ({self.media_files} files), "
            f"{self.sandbox_requests} sandbox requests"
        )


@dataclass
class RetentionReport:
    """Per jurisdiction; ``applied`` is false for a dry run."""

    applied: bool
    jurisdictions: list[RetentionCounts] = field(default_factory=list)


def _updates_of(requests) -> Select:
    """The ids of the updates of these requests (a list of ids or a SELECT of them)."""
    return select(RequestUpdate.id).where(RequestUpdate.request_id.in_(requests))


def _closed_before(months: int) -> ColumnElement:
    return ServiceRequest.closed_datetime < func.now() - func.make_interval(0, months)


def _contacts_due(jurisdiction: Jurisdiction) -> tuple[ColumnElement, ...] | None:
    """Requests whose personal data is due for deletion (None: the jurisdiction keeps it)."""
    months = jurisdiction.retention_contact_months
    if months is None:
        return None
    has_contact = or_(
        select(ServiceRequestContact.request_id).where(ServiceRequestContact.request_id == ServiceRequest.id).exists(),
        select(RequestUpdateContact.update_id)
        .join(RequestUpdate, RequestUpdate.id == RequestUpdateContact.update_id)
        .where(RequestUpdate.request_id == ServiceRequest.id)
        .exists(),
    )
    return ServiceRequest.jurisdiction_id == jurisdiction.id, _closed_before(months), has_contact


def _media_due(jurisdiction: Jurisdiction) -> tuple[ColumnElement, ...] | None:
    months = jurisdiction.retention_media_months
    if months is None:
        return None
    has_media = or_(
        ServiceRequest.media_url.is_not(None),
        select(RequestUpdate.id)
        .where(RequestUpdate.request_id == ServiceRequest.id, RequestUpdate.media_url.is_not(None))
        .exists(),
    )
    return ServiceRequest.jurisdiction_id == jurisdiction.id, _closed_before(months), has_media


def _sandbox_due(session: Session, jurisdiction: Jurisdiction) -> tuple[ColumnElement, ...] | None:
    days = jurisdiction.retention_sandbox_days
    sandbox = session.scalar(select(Jurisdiction.id).where(Jurisdiction.sandbox_of_id == jurisdiction.id))
    if days is None or sandbox is None:
        return None
    return (
        ServiceRequest.jurisdiction_id == sandbox,
        ServiceRequest.requested_datetime < func.now() - func.make_interval(0, 0, 0, days),
    )


def local_media_file(url: str | None, media_dir: Path) -> Path | None:
    """The file under ``media_dir`` that ``url`` serves, if it is one of the server's photos."""
    if not url:
        return None
    name = urlparse(url).path.rsplit("/", 1)[-1]
    if not urlparse(url).path.endswith(f"/media/{name}") or not MEDIA_FILE.match(name):
        return None
    return media_dir / name


def _media_files(session: Session, request_ids: Iterable[int], media_dir: Path) -> list[Path]:
    ids = list(request_ids)
    urls = session.scalars(select(ServiceRequest.media_url).where(ServiceRequest.id.in_(ids))).all()
    urls += session.scalars(select(RequestUpdate.media_url).where(RequestUpdate.request_id.in_(ids))).all()
    files = {local_media_file(url, media_dir) for url in urls}
    return sorted(path for path in files if path is not None and path.exists())


def _run(session: Session, statement) -> int:
    """A set-based statement (no ORM objects to bring up to date): the rows it touched."""
    return session.execute(statement.execution_options(synchronize_session=False)).rowcount


def _batches(session: Session, conditions: tuple, batch_size: int) -> Iterable[list[int]]:
    """Ids of the requests matching ``conditions``, a batch at a time (each handled before the next is
    read: what was handled no longer matches)."""
    while True:
        ids = session.scalars(
            select(ServiceRequest.id).where(*conditions).order_by(ServiceRequest.id).limit(batch_size)
        ).all()
        if not ids:
            return
        yield list(ids)


def _count(session: Session, jurisdiction: Jurisdiction, media_dir: Path) -> RetentionCounts:
    counts = RetentionCounts(jurisdiction.jurisdiction_id)
    due = _contacts_due(jurisdiction)
    if due is not None:
        requests = select(ServiceRequest.id).where(*due)
        counts.contacts = session.scalar(select(func.count()).where(ServiceRequestContact.request_id.in_(requests)))
        counts.update_contacts = session.scalar(
            select(func.count()).where(RequestUpdateContact.update_id.in_(_updates_of(requests)))
        )
    due = _media_due(jurisdiction)
    if due is not None:
        ids = session.scalars(select(ServiceRequest.id).where(*due)).all()
        counts.media_requests = len(ids)
        counts.media_files = len(_media_files(session, ids, media_dir))
    due = _sandbox_due(session, jurisdiction)
    if due is not None:
        counts.sandbox_requests = session.scalar(select(func.count()).select_from(ServiceRequest).where(*due))
    return counts


def _apply(
    session: Session, jurisdiction: Jurisdiction, media_dir: Path, batch_size: int, say: Callable[[str], None]
) -> RetentionCounts:
    counts = RetentionCounts(jurisdiction.jurisdiction_id)
    due = _contacts_due(jurisdiction)
    for ids in _batches(session, due, batch_size) if due is not None else ():
        counts.contacts += _run(session, delete(ServiceRequestContact).where(ServiceRequestContact.request_id.in_(ids)))
        counts.update_contacts += _run(
            session, delete(RequestUpdateContact).where(RequestUpdateContact.update_id.in_(_updates_of(ids)))
        )
        session.commit()
        say(f"{jurisdiction.jurisdiction_id}: personal data of {len(ids)} requests deleted")
    due = _media_due(jurisdiction)
    for ids in _batches(session, due, batch_size) if due is not None else ():
        counts.media_files += _unlink(_media_files(session, ids, media_dir))
        _run(session, update(ServiceRequest).where(ServiceRequest.id.in_(ids)).values(media_url=None))
        _run(session, update(RequestUpdate).where(RequestUpdate.request_id.in_(ids)).values(media_url=None))
        session.commit()
        counts.media_requests += len(ids)
        say(f"{jurisdiction.jurisdiction_id}: photos of {len(ids)} requests deleted")
    due = _sandbox_due(session, jurisdiction)
    for ids in _batches(session, due, batch_size) if due is not None else ():
        counts.media_files += _unlink(_media_files(session, ids, media_dir))
        counts.sandbox_requests += _run(session, delete(ServiceRequest).where(ServiceRequest.id.in_(ids)))
        session.commit()
        say(f"{jurisdiction.jurisdiction_id}: {len(ids)} sandbox requests deleted")
    return counts


def _unlink(paths: list[Path]) -> int:
    for path in paths:
        path.unlink(missing_ok=True)
    return len(paths)


def retention(
    session: Session,
    media_dir: Path,
    *,
    apply: bool,
    jurisdiction: Jurisdiction | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[str], None] | None = None,
) -> RetentionReport:
    """Count (``apply=False``) or delete what the retention periods say is due, in every jurisdiction
    (or one). Applying commits batch by batch."""
    say = progress or (lambda _message: None)
    query = select(Jurisdiction).where(Jurisdiction.sandbox_of_id.is_(None)).order_by(Jurisdiction.id)
    if jurisdiction is not None:
        query = query.where(Jurisdiction.id == jurisdiction.id)
    report = RetentionReport(applied=apply)
    for each in session.scalars(query).all():
        if apply:
            report.jurisdictions.append(_apply(session, each, media_dir, batch_size, say))
        else:
            report.jurisdictions.append(_count(session, each, media_dir))
    return report
