"""Mergeable histograms of durations (time to close, time to first response) and their percentiles.

A duration of ``s`` seconds falls in bucket 0 when ``s < 60``, else in bucket
``1 + floor(ln(s / 60) / ln(GAMMA))``: bucket ``k >= 1`` holds ``[60 GAMMA^(k-1), 60 GAMMA^k)``. The
database computes buckets (``stats_bucket()``, migration insight1); this module only reads them. Each
bucket stands for the value ``2 lo GAMMA / (1 + GAMMA)``, within ``RELATIVE_ERROR`` (1%) of every
duration in it; bucket 0 stands for 30 s (within 30 s of every duration under a minute). A percentile
interpolates between two such values as ``percentile_cont`` interpolates between two rows, so it is
within 1% + 30 s of the exact ``percentile_cont`` (tested in tests/logic/test_statistics_exact.py).
"""

from __future__ import annotations

import math

import numpy as np

from ...text_cache import TextKeyedCache

GAMMA = 1.0202
BASE_SECONDS = 60.0
RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1)
ABSOLUTE_ERROR_SECONDS = BASE_SECONDS / 2
#: Buckets up to this one are kept in dense arrays while merging (about 2,000 years).
MAX_BUCKET = 2048
#: Extension: the histogram texts a worker keeps parsed, in characters (their numbers take about twice
#: as many bytes again): a statistics call reads up to a few million, mostly read by the calls before it.
PARSED_CHARACTERS = 4_000_000
_PARSED = TextKeyedCache(PARSED_CHARACTERS)


def representative_seconds(buckets: np.ndarray) -> np.ndarray:
    """The duration (seconds) each bucket stands for."""
    buckets = np.asarray(buckets, dtype=np.float64)
    low = BASE_SECONDS * np.power(GAMMA, buckets - 1)
    return np.where(buckets <= 0, BASE_SECONDS / 2, low * 2 * GAMMA / (1 + GAMMA))


def bucket_of(seconds: float) -> int:
    """The bucket of a duration (the database's stats_bucket(), for tests and the raw path's checks)."""
    if seconds < BASE_SECONDS:
        return 0
    return 1 + math.floor(math.log(seconds / BASE_SECONDS) / math.log(GAMMA))


def decode_ints(data: str | None) -> np.ndarray:
    """Comma-separated integers (a histogram's buckets or counts, as the rollups store them) as numpy."""
    if not data:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(data, dtype=np.int64, sep=",")


def decode_many(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The integers of many comma-separated texts end to end, and how many each text holds. Parsing the
    texts was the main cost of a statistics call: each text is parsed once per worker (the texts not
    parsed yet in one numpy call), its integers kept read-only (shared by the calls reading it)."""
    arrays = [_PARSED.get(text) for text in texts]
    missing = [index for index, values in enumerate(arrays) if values is None]
    if missing:
        new = [texts[index] for index in missing]
        ends = np.cumsum([text.count(",") + 1 if text else 0 for text in new]).tolist()
        values = decode_ints(",".join(text for text in new if text))
        values.flags.writeable = False
        parts = [values[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]
        for index, part in zip(missing, parts, strict=True):
            arrays[index] = part
        _PARSED.put_many([(text, len(text), part) for text, part in zip(new, parts, strict=True)])
    lengths = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
    return (np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)), lengths
