"""Extension: an identical POST requests from the same key within OPEN311_SUBMISSION_FOLD_SECONDS gets
the first one's answer, and nothing more is stored (see logic/submission_folding.py).

Each worker remembers the fingerprints it has seen in the window: a repeat it has seen is answered
before any work (one lookup); a repeat first seen here is found when its fingerprint is written,
and rolled back.
"""

from __future__ import annotations

import hashlib
import threading
import time

from cachetools import TTLCache
from flask import current_app, g, request

from ..db import get_session
from ..errors import ServiceUnavailable, TooManyRequests
from ..logic.submission_folding import claim_answer, count_and_claim, earlier_answer, forget_old_fingerprints
from .rate_limiting import counted_by_the_request, refuse_known_spent_writes

#: Seconds between two sweeps of old fingerprints by a worker.
SWEEP_SECONDS = 600


class Folding:
    """One worker's memory of recent fingerprints, and when it last swept the old ones."""

    def __init__(self, window: int):
        self.window = window
        self.seen: TTLCache = TTLCache(maxsize=50_000, ttl=max(window, 1))
        self.lock = threading.Lock()
        self.swept = time.monotonic()


def submission_fingerprint(api_key_id: int, jurisdiction_id: int) -> bytes:
    """A digest of everything the submission carries but its key: every form field, the photo."""
    digest = hashlib.sha256(f"{api_key_id}\n{jurisdiction_id}\n".encode())
    for name, value in sorted(request.form.items(multi=True)):
        if name != "api_key":
            digest.update(f"{len(name)}:{name}={len(value)}:{value}\n".encode())
    media = request.files.get("media")
    if media is not None:
        digest.update(hashlib.sha256(media.stream.read()).digest())
        media.stream.seek(0)
    return digest.digest()


def _folding() -> Folding | None:
    window = current_app.config["SUBMISSION_FOLD_SECONDS"]
    if not window:
        return None
    folding = current_app.extensions.get("open311.folding")
    if folding is None or folding.window != window:
        folding = current_app.extensions["open311.folding"] = Folding(window)
    return folding


def known_answer(api_key_id: int, jurisdiction_id: int) -> tuple[bytes | None, list | None]:
    """The submission's fingerprint (None when folding is off) and, if this worker has seen the same
    submission in the window, its first answer; else 429 when its write quota is known spent."""
    folding = _folding()
    fingerprint = earlier = None
    if folding is not None:
        fingerprint = submission_fingerprint(api_key_id, jurisdiction_id)
        with folding.lock:
            seen = fingerprint in folding.seen
        earlier = earlier_answer(get_session(), fingerprint, folding.window) if seen else None
    if earlier is None:
        refuse_known_spent_writes()
    return fingerprint, earlier


def fold(fingerprint: bytes | None, answer: list) -> list | None:
    """Before the commit: write this submission's fingerprint and answer (and count it against its
    key's write quota); the first answer instead (the transaction rolled back) when an identical
    submission got there first; 429 (rolled back) when the write quota is spent."""
    folding = _folding()
    writes = g.get("open311_writes")
    if writes is None and (fingerprint is None or folding is None):
        return None
    session = get_session()
    window = folding.window if folding else 0
    if folding is not None and fingerprint is not None:
        now = time.monotonic()
        with folding.lock:
            folding.seen[fingerprint] = True
            sweep = now - folding.swept >= SWEEP_SECONDS
            if sweep:
                folding.swept = now
        if sweep:
            forget_old_fingerprints(session, window)
    if writes is not None:
        name, policy = writes
        limiter = current_app.extensions["open311.limiter"]
        start, _reset = limiter.window(policy)
        hits, claimed = count_and_claim(session, f"{policy.name}:{name}", start, fingerprint, answer, window)
        try:
            counted_by_the_request(limiter.counted(name, policy, hits))
        except TooManyRequests:
            session.rollback()  # nothing of this submission is kept
            raise
    else:
        claimed = claim_answer(session, fingerprint, answer, window)
    if fingerprint is None or claimed:
        return None
    session.rollback()  # nothing of this submission is kept
    earlier = earlier_answer(session, fingerprint, 2 * window)
    if earlier is None:  # swept between the two statements: only at the window's very end
        raise ServiceUnavailable("The same submission was being stored at the same moment: send it again.")
    return earlier
