"""The histograms of many statistics cells are merged and read at once, densely or sparsely: both ways give
each cell's percentiles as reading its own durations one by one would."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from open311.logic.insight import histograms as histogram_texts
from open311.logic.insight import measures
from open311.logic.insight.histograms import MAX_BUCKET, representative_seconds


@pytest.fixture(autouse=True)
def _nothing_read_before():
    """Each test reads its histograms itself (the per-worker caches of what texts hold are emptied)."""
    measures._READ.clear()
    histogram_texts._PARSED.clear()


def _one_by_one(parts: list[tuple[list[int], list[int]]], fraction: float) -> float | None:
    """percentile_cont over the representative durations of one cell, written out."""
    net: dict[int, int] = {}
    for buckets, counts in parts:
        for bucket, count in zip(buckets, counts, strict=True):
            bucket = min(max(bucket, 0), MAX_BUCKET)
            net[bucket] = net.get(bucket, 0) + count
    durations = sorted(
        float(representative_seconds(np.array([bucket]))[0]) for bucket, n in net.items() for _ in range(max(n, 0))
    )
    if not durations:
        return None
    rank = fraction * (len(durations) - 1)
    low, high = durations[math.floor(rank)], durations[math.ceil(rank)]
    return (low + (rank - math.floor(rank)) * (high - low)) / 3600.0


@pytest.mark.parametrize("dense", [True, False])
def test_every_cell_reads_its_own_histogram(dense, monkeypatch):
    monkeypatch.setattr(measures, "DENSE_CELLS", 10**9 if dense else 0)
    rng = random.Random(7)
    slots = 40
    histograms = measures._Histograms()
    parts: dict[int, list] = {slot: [] for slot in range(slots)}
    for _ in range(150):
        slot = rng.randrange(slots - 3)  # the last three cells have no histogram
        buckets = sorted(rng.sample(range(0, 900), rng.randint(1, 12)))
        counts = [rng.randint(1, 5) for _ in buckets]
        if rng.random() < 0.2 and parts[slot]:  # a pending change taking a request back off
            previous = parts[slot][0]
            buckets, counts = [previous[0][0]], [-1]
        parts[slot].append((buckets, counts))
        histograms.add(slot, ",".join(map(str, buckets)), ",".join(map(str, counts)))
    found = histograms.percentiles(slots, (0.5, 0.9))
    for slot in range(slots):
        for column, fraction in enumerate((0.5, 0.9)):
            expected = _one_by_one(parts[slot], fraction)
            if expected is None:
                assert math.isnan(found[slot, column]), slot
            else:
                assert found[slot, column] == pytest.approx(expected, rel=1e-9), (slot, fraction)


def test_a_histogram_read_again_gives_the_same_percentiles_and_a_changed_one_its_own():
    first = measures._Histograms()
    first.add(0, "10,20,30", "1,1,1")
    first.add(1, "40", "3")
    expected = first.percentiles(2, (0.5,))
    again = measures._Histograms()  # the same texts in new objects: read from the cache
    again.add(0, ",".join(["10", "20", "30"]), ",".join(["1", "1", "1"]))
    again.add(1, "4" + "0", "3")
    assert np.array_equal(again.percentiles(2, (0.5,)), expected)
    changed = measures._Histograms()
    changed.add(0, "10,20,30", "1,1,5")  # one count more: not the cached percentile
    changed.add(1, "40", "3")
    found = changed.percentiles(2, (0.5,))
    assert found[0, 0] == pytest.approx(float(representative_seconds(np.array([30]))[0]) / 3600.0)
    assert found[0, 0] != expected[0, 0]
    assert found[1, 0] == expected[1, 0]
