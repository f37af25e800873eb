"""Export bodies are written in chunks: whatever the chunk size, the bytes are the same document."""

from __future__ import annotations

import json

import pytest

from open311.logic.opendata import export
from open311.logic.opendata.export import _chunked


@pytest.mark.parametrize("chunk_bytes", [1, 7, 64 * 1024])
def test_chunks_join_into_the_same_document(monkeypatch, chunk_bytes):
    monkeypatch.setattr(export, "CHUNK_BYTES", chunk_bytes)
    items = [json.dumps({"n": n}).encode() for n in range(25)]
    lines = b"".join(_chunked(items, b"\r\n", trailing=True))
    assert lines == b"".join(item + b"\r\n" for item in items)
    features = b"[" + b"".join(_chunked(items, b",\n", trailing=False)) + b"]"
    assert json.loads(features) == [{"n": n} for n in range(25)]
    assert list(_chunked([], b"\n", trailing=True)) == []
