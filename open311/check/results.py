"""What a run found: one result per check, with its evidence, and the score."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum

from .checklist import BY_ID, CHECKS, SECTIONS


class Status(StrEnum):
    """A check's outcome (warn and fail count against the score, skip does not count)."""

    PASS = "pass"  # noqa: S105 (an outcome, not a password)
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


#: How much each graded outcome is worth in the score.
WEIGHTS = {Status.PASS: 1.0, Status.WARN: 0.5, Status.FAIL: 0.0}


@dataclass
class Evidence:
    """One HTTP exchange shown as proof: what was asked and an excerpt of the answer."""

    method: str
    url: str
    sent: str | None
    status: int | None
    content_type: str | None
    excerpt: str
    elapsed_ms: float | None = None
    note: str = ""


@dataclass
class Result:
    """The outcome of one check."""

    id: str
    status: Status
    detail: str
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def check(self):
        """The check's definition (section, title, spec reference)."""
        return BY_ID[self.id]

    def as_dict(self) -> dict:
        """Plain data for the JSON report."""
        check = self.check
        return {
            "id": self.id,
            "section": check.section,
            "title": check.title,
            "spec": check.spec,
            "status": self.status.value,
            "detail": self.detail,
            "evidence": [asdict(item) for item in self.evidence],
        }


@dataclass
class Report:
    """Everything one run of the checker produced."""

    target: str
    endpoint: str | None = None
    jurisdiction_id: str | None = None
    started: str = ""
    duration_s: float = 0.0
    request_count: int = 0
    write: bool = False
    created: list[str] = field(default_factory=list)
    results: dict[str, Result] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def ordered(self) -> list[Result]:
        """Results in checklist order (section by section)."""
        rank = {section: index for index, section in enumerate(SECTIONS)}
        order = {check.id: index for index, check in enumerate(CHECKS)}
        return sorted(self.results.values(), key=lambda r: (rank[r.check.section], order[r.id]))

    def counts(self) -> dict[str, int]:
        """How many checks ended in each status."""
        counts = {status.value: 0 for status in Status}
        for result in self.results.values():
            counts[result.status.value] += 1
        return counts

    def score(self) -> float | None:
        """Percentage of the graded checks passed (a warn is worth half); None when nothing was graded."""
        graded = [r for r in self.results.values() if r.status in WEIGHTS]
        if not graded:
            return None
        return round(100 * sum(WEIGHTS[r.status] for r in graded) / len(graded), 1)

    @property
    def failed(self) -> bool:
        """Whether any check failed (the command then exits non-zero)."""
        return any(result.status is Status.FAIL for result in self.results.values())

    def as_dict(self) -> dict:
        """Plain data for the JSON report."""
        from .transport import VERSION

        return {
            "tool": "open311 check",
            "version": VERSION,
            "target": self.target,
            "endpoint": self.endpoint,
            "jurisdiction_id": self.jurisdiction_id,
            "started": self.started,
            "duration_s": round(self.duration_s, 2),
            "requests": self.request_count,
            "write": self.write,
            "created": self.created,
            "score": self.score(),
            "counts": self.counts(),
            "notes": self.notes,
            "checks": [result.as_dict() for result in self.ordered()],
        }
