"""The measures of a statistics cell (docs/metrics.md), added up from rollup rows, pending changes or raw rows.

Every source yields rows of the same shape (:data:`ROW_COLUMNS`): the period it belongs to (-1: before
the window, for the stock measures), the keys it knows, the seven event counts of docs/metrics.md and the
two histograms (comma-separated buckets and counts). A :class:`Tally` adds them up
per (key, period) and turns them into the measures.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from .histograms import MAX_BUCKET, decode_ints, representative_seconds

ROW_COLUMNS = (
    "idx", "layer_id", "area_id", "service_id", "department_id", "status", "detailed_status", "channel",
    "opened", "closed", "closed_with_target", "closed_on_time", "responded", "due", "due_closed",
    "close_buckets", "close_counts", "response_buckets", "response_counts",
)  # fmt: skip
COUNTS = ("opened", "closed", "closed_with_target", "closed_on_time", "responded", "due", "due_closed")
PREFIX = -1


@dataclass
class Sums:
    """The event counts of one (key, period) and the parts of its two histograms."""

    counts: np.ndarray = field(default_factory=lambda: np.zeros(len(COUNTS), dtype=np.int64))
    close: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    response: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)


#: The duration (seconds) each bucket stands for, looked up rather than computed per cell.
_REPRESENTATIVE = representative_seconds(np.arange(MAX_BUCKET + 1))


def _percentiles(parts: list[tuple[np.ndarray, np.ndarray]], fractions: tuple[float, ...]) -> list[float | None]:
    """Percentiles in hours of the durations in ``parts`` (interpolated like percentile_cont). Called for
    every cell: one numpy call per step (the per-call overheads were most of a statistics answer)."""
    if not parts:
        return [None for _ in fractions]
    if len(parts) == 1:
        buckets, weights = parts[0]
    else:
        buckets = np.concatenate([b for b, _ in parts])
        weights = np.concatenate([c for _, c in parts])
    if buckets.size and (buckets.min() < 0 or buckets.max() > MAX_BUCKET):
        buckets = np.clip(buckets, 0, MAX_BUCKET)
    cumulative = np.cumsum(np.bincount(buckets, weights=weights))
    total = int(cumulative[-1] + 0.5) if cumulative.size else 0
    if total <= 0:
        return [None for _ in fractions]
    ranks = [fraction * (total - 1) for fraction in fractions]
    # the bucket of the k-th smallest duration (0-based) is the first whose cumulative count exceeds k
    wanted = [k + 0.5 for rank in ranks for k in (math.floor(rank), math.ceil(rank))]
    found = np.minimum(np.searchsorted(cumulative, wanted, side="left"), MAX_BUCKET)
    values = _REPRESENTATIVE[found].tolist()
    return [
        (values[2 * i] + (rank - math.floor(rank)) * (values[2 * i + 1] - values[2 * i])) / 3600.0
        for i, rank in enumerate(ranks)
    ]


class Tally:
    """Sums per (key, period index) and stock sums per key before the window."""

    def __init__(self) -> None:
        self.sums: dict[tuple, dict[int, Sums]] = defaultdict(dict)
        self.before: dict[tuple, np.ndarray] = defaultdict(lambda: np.zeros(2, dtype=np.int64))

    def add(self, key: tuple, row) -> None:
        """Add one source row under ``key``."""
        counts = np.array([row.opened or 0, row.closed or 0, row.closed_with_target or 0, row.closed_on_time or 0,
                           row.responded or 0, row.due or 0, row.due_closed or 0], dtype=np.int64)  # fmt: skip
        if row.idx == PREFIX:
            self.before[key] += (counts[0] - counts[1], counts[5] - counts[6])
            return
        sums = self.sums[key].get(row.idx)
        if sums is None:
            sums = self.sums[key][row.idx] = Sums()
        sums.counts += counts
        for parts, buckets, weights in (
            (sums.close, row.close_buckets, row.close_counts),
            (sums.response, row.response_buckets, row.response_counts),
        ):
            if buckets:
                parts.append((decode_ints(buckets), decode_ints(weights)))

    def keys(self) -> list[tuple]:
        """Every key seen, in the window or before it."""
        return list(dict.fromkeys([*self.sums, *self.before]))


@dataclass(frozen=True)
class Stock:
    """What is open at the end of a period: backlog and overdue."""

    backlog: int
    overdue: int


def measures(sums: Sums | None, stock: Stock, min_sample: int) -> dict:
    """The measures of one cell, sample-based ones withheld below ``min_sample`` (docs/metrics.md)."""
    sums = sums or Sums()
    opened, closed, with_target, on_time, responded, _due, _due_closed = (int(v) for v in sums.counts)
    median_close, p90_close = _percentiles(sums.close, (0.5, 0.9)) if closed >= min_sample else (None, None)
    median_response = _percentiles(sums.response, (0.5,))[0] if responded >= min_sample else None
    on_time_pct = round(100.0 * on_time / with_target, 1) if with_target >= min_sample else None
    reasons = []
    if closed < min_sample:
        reasons.append(f"fewer than {min_sample} closed requests")
    elif with_target < min_sample:
        reasons.append(f"fewer than {min_sample} closed requests with an expected_datetime")
    if responded < min_sample:
        reasons.append(f"fewer than {min_sample} first responses")
    return {
        "opened": opened,
        "closed": closed,
        "backlog": stock.backlog,
        "overdue": stock.overdue,
        "closed_on_time_pct": on_time_pct,
        "median_hours_to_close": _hours(median_close),
        "p90_hours_to_close": _hours(p90_close),
        "median_hours_to_first_response": _hours(median_response),
    }, "; ".join(reasons) or None


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
