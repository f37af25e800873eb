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

from ...text_cache import TextKeyedCache
from .histograms import MAX_BUCKET, decode_many, representative_seconds

ROW_COLUMNS = (
    "idx", "layer_id", "area_id", "service_id", "department_id", "status", "detailed_status", "channel",
    "opened", "closed", "closed_with_target", "closed_on_time", "responded", "due", "due_closed",
    "close_buckets", "close_counts", "response_buckets", "response_counts",
)  # fmt: skip
COUNTS = ("opened", "closed", "closed_with_target", "closed_on_time", "responded", "due", "due_closed")
PREFIX = -1


@dataclass
class Sums:
    """The event counts of one (key, period) and the slot of its two histograms in the :class:`Tally`."""

    slot: int
    #: In the order of COUNTS (Python integers: adding seven of them is cheaper than a numpy call).
    counts: list[int] = field(default_factory=lambda: [0] * len(COUNTS))


#: The duration (seconds) each bucket stands for, looked up rather than computed per cell.
_REPRESENTATIVE = representative_seconds(np.arange(MAX_BUCKET + 1))
#: Quantiles kept per histogram: median and p90 (time to close), median (time to first response).
CLOSE_FRACTIONS, RESPONSE_FRACTIONS = (0.5, 0.9), (0.5,)
#: Largest slots x buckets matrix merged densely (8 bytes each); larger tallies are merged sparsely.
DENSE_CELLS = 4_000_000
#: Extension: the percentiles a worker keeps, by the fractions and the histogram texts of their cell
#: (open311/text_cache.py), bounded by those texts' characters (mostly the same texts as histograms._PARSED's).
READ_CHARACTERS = 8_000_000
_READ = TextKeyedCache(READ_CHARACTERS)


class _Histograms:
    """The histogram parts of every slot (one slot per (key, period)), merged and read in a few numpy
    calls for all slots at once: per-cell calls were most of a statistics answer."""

    def __init__(self) -> None:
        self.slots: list[int] = []
        self.buckets: list[str] = []
        self.counts: list[str] = []

    def add(self, slot: int, buckets: str, counts: str) -> None:
        self.slots.append(slot)
        self.buckets.append(buckets)
        self.counts.append(counts)

    def percentiles(self, slots: int, fractions: tuple[float, ...]) -> np.ndarray:
        """Hours per slot and fraction (NaN for an empty histogram), interpolated like percentile_cont.

        Extension: a slot whose histogram texts this worker has read before, in any call, is not read
        again (:data:`_READ`): most cells of a call are periods no write has touched since."""
        result = np.full((slots, len(fractions)), np.nan)
        texts: dict[int, list] = {}
        for slot, buckets, counts in zip(self.slots, self.buckets, self.counts, strict=True):
            texts.setdefault(slot, [fractions]).extend((buckets, counts))
        keys = {slot: tuple(key) for slot, key in texts.items()}
        missing: dict[int, int] = {}  # slot -> its row among those read now
        for slot, key in keys.items():
            found = _READ.get(key)
            if found is None:
                missing[slot] = len(missing)
            else:
                result[slot] = found
        if missing:
            parts = [index for index, slot in enumerate(self.slots) if slot in missing]
            read = _Histograms._read(
                [missing[self.slots[index]] for index in parts], [self.buckets[index] for index in parts],
                [self.counts[index] for index in parts], len(missing), fractions,
            )  # fmt: skip
            result[list(missing)] = read
            values = read.tolist()
            _READ.put_many([(keys[slot], sum(map(len, keys[slot][1:])), tuple(values[row]))
                            for slot, row in missing.items()])  # fmt: skip
        return result

    @staticmethod
    def _read(owners: list[int], bucket_texts: list[str], count_texts: list[str], slots: int,
              fractions: tuple[float, ...]) -> np.ndarray:  # fmt: skip
        """:meth:`percentiles` of histogram parts (``owners[i]`` is the slot of part ``i``), all computed."""
        result = np.full((slots, len(fractions)), np.nan)
        buckets, lengths = decode_many(bucket_texts)
        weights, _lengths = decode_many(count_texts)
        owner = np.repeat(np.array(owners, dtype=np.int64), lengths)
        buckets = np.clip(buckets, 0, MAX_BUCKET)
        width = int(buckets.max()) + 1
        if slots * width <= DENSE_CELLS:
            return _Histograms._dense(result, slots, width, owner, buckets, weights, fractions)
        # one entry per (slot, bucket), in order: the signed parts of a bucket are summed first
        combined, inverse = np.unique(owner * (MAX_BUCKET + 1) + buckets, return_inverse=True)
        net = np.maximum(np.bincount(inverse, weights=weights).astype(np.int64), 0)
        owner, buckets = combined // (MAX_BUCKET + 1), combined % (MAX_BUCKET + 1)
        cumulative = np.cumsum(net)
        first = np.searchsorted(owner, np.arange(slots), side="left")
        last = np.searchsorted(owner, np.arange(slots), side="right")
        before = np.where(first > 0, cumulative[np.maximum(first - 1, 0)], 0)
        totals = np.where(last > first, cumulative[np.maximum(last - 1, 0)] - before, 0)
        # within a slot the cumulative count is "before + running"
        scale = int(cumulative[-1]) + 1 if cumulative.size else 1
        key = owner * scale + (cumulative - before[owner])
        present = np.flatnonzero(totals > 0)

        def bucket_of_rank(k: np.ndarray) -> np.ndarray:
            return buckets[np.minimum(np.searchsorted(key, present * scale + k + 0.5, side="left"), len(key) - 1)]

        return _interpolated(result, present, totals[present], fractions, bucket_of_rank)

    @staticmethod
    def _dense(result, slots, width, owner, buckets, weights, fractions) -> np.ndarray:
        """:meth:`percentiles` over a slots x buckets matrix (when it is small enough), read through one
        running count over the whole matrix: slot ``s``'s k-th duration is in the first bucket of its row
        where that count exceeds the count before the row by more than k (a binary search per rank)."""
        net = np.bincount(owner * width + buckets, weights=weights, minlength=slots * width)
        cumulative = np.cumsum(np.maximum(net, 0, out=net), out=net)  # (sums of integers: exact in float64)
        ends = cumulative[width - 1 :: width]
        before = np.concatenate(([0.0], ends[:-1]))
        totals = ends - before
        present = np.flatnonzero(totals > 0)
        before, starts = before[present], present * width

        def bucket_of_rank(k: np.ndarray) -> np.ndarray:
            return np.searchsorted(cumulative, before + k + 0.5, side="left") - starts

        return _interpolated(result, present, totals[present], fractions, bucket_of_rank)


def _interpolated(result, present, totals, fractions, bucket_of_rank) -> np.ndarray:
    """Fill ``result``'s rows ``present`` with each fraction's percentile in hours, interpolated like
    percentile_cont between the durations of ranks floor and ceil; ``bucket_of_rank(k)`` gives, per row,
    the bucket of the k-th smallest duration (0-based): the first whose running count exceeds k."""
    for column, fraction in enumerate(fractions):
        ranks = fraction * (totals - 1)
        low, high = np.floor(ranks), np.ceil(ranks)
        at_low, at_high = _REPRESENTATIVE[bucket_of_rank(low)], _REPRESENTATIVE[bucket_of_rank(high)]
        result[present, column] = (at_low + (ranks - low) * (at_high - at_low)) / 3600.0
    return result


class Tally:
    """Sums per (key, period index) and stock sums per key before the window."""

    def __init__(self) -> None:
        self.sums: dict[tuple, dict[int, Sums]] = defaultdict(dict)
        #: Per key: opened - closed and due - due_closed before the window.
        self.before: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
        self.slots = 0
        self.close = _Histograms()
        self.response = _Histograms()
        self._quantiles: tuple[list, list] | None = None

    def add(self, key: tuple, row) -> None:
        """Add one source row under ``key``."""
        if row.idx == PREFIX:
            before = self.before[key]
            before[0] += int(row.opened or 0) - int(row.closed or 0)
            before[1] += int(row.due or 0) - int(row.due_closed or 0)
            return
        by_period = self.sums[key]
        sums = by_period.get(row.idx)
        if sums is None:
            sums = by_period[row.idx] = Sums(self.slots)
            self.slots += 1
        counts = sums.counts
        for index, value in enumerate((row.opened, row.closed, row.closed_with_target, row.closed_on_time,
                                       row.responded, row.due, row.due_closed)):  # fmt: skip
            if value:
                counts[index] += int(value)
        if row.close_buckets:
            self.close.add(sums.slot, row.close_buckets, row.close_counts)
        if row.response_buckets:
            self.response.add(sums.slot, row.response_buckets, row.response_counts)

    def keys(self) -> list[tuple]:
        """Every key seen, in the window or before it."""
        return list(dict.fromkeys([*self.sums, *self.before]))

    def quantiles(self, sums: Sums) -> tuple[float | None, float | None, float | None]:
        """Median and p90 hours to close and median hours to first response of one (key, period)."""
        if self._quantiles is None:
            self._quantiles = (
                self.close.percentiles(self.slots, CLOSE_FRACTIONS).tolist(),
                self.response.percentiles(self.slots, RESPONSE_FRACTIONS).tolist(),
            )
        close, response = self._quantiles
        values = (*close[sums.slot], response[sums.slot][0])
        return tuple(None if math.isnan(v) else v for v in values)


@dataclass(frozen=True)
class Stock:
    """What is open at the end of a period: backlog and overdue."""

    backlog: int
    overdue: int


def measures(sums: Sums | None, stock: Stock, min_sample: int, tally: Tally | None = None) -> dict:
    """The measures of one cell, sample-based ones withheld below ``min_sample`` (docs/metrics.md)."""
    quantiles = tally.quantiles(sums) if sums is not None and tally is not None else (None, None, None)
    counts = sums.counts if sums is not None else [0] * len(COUNTS)
    opened, closed, with_target, on_time, responded, _due, _due_closed = counts
    median_close, p90_close = quantiles[:2] if closed >= min_sample else (None, None)
    median_response = quantiles[2] if responded >= min_sample else None
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
