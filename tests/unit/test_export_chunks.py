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


def _row(text: bytes) -> bytes:
    return b"\x00\x01" + len(text).to_bytes(4, "big") + text


@pytest.mark.parametrize("header_alone", [False, True])
def test_json_lines_are_the_binary_copys_texts_untouched(header_alone):
    texts = [b'{"a":"\\\\ \\" \\n"}', b'{"b":"\xc3\xa9"}']
    messages = [export.BINARY_HEADER + _row(texts[0]), _row(texts[1]), export.BINARY_TRAILER]
    if header_alone:
        messages = [export.BINARY_HEADER, _row(texts[0]), _row(texts[1]), export.BINARY_TRAILER]
    assert b"".join(export._json_lines(messages)) == texts[0] + b"\n" + texts[1] + b"\n"


def test_an_empty_binary_copy_has_no_lines_and_another_copy_is_refused():
    assert list(export._json_lines([export.BINARY_HEADER + export.BINARY_TRAILER])) == []
    with pytest.raises(ValueError, match="not a binary COPY"):
        list(export._json_lines([b"1,2\n"]))


def test_an_item_longer_than_a_chunk_comes_in_pieces_of_a_chunk(monkeypatch):
    monkeypatch.setattr(export, "CHUNK_BYTES", 10)
    items = [b"a" * 3, b"b" * 25, b"c" * 4, b"d" * 5]
    chunks = list(_chunked(items, b"\n", trailing=True))
    assert b"".join(chunks) == b"".join(item + b"\n" for item in items)
    assert max(len(chunk) for chunk in chunks) == 10


def test_lines_that_fit_are_never_cut_and_fill_their_chunks(monkeypatch):
    monkeypatch.setattr(export, "CHUNK_BYTES", 10)
    chunks = list(_chunked([b"abc"] * 9, b"\r\n", trailing=True))
    assert chunks == [b"abc\r\nabc\r\n"] * 4 + [b"abc\r\n"]


@pytest.mark.parametrize(
    "message",
    [b"\x00\x02\x00\x00\x00\x01a\x00\x00\x00\x01b", b"\x00\x01\x00\x00\x00\x05abc", b"\x00\x01\xff\xff\xff\xff"],
)
def test_a_binary_copy_row_that_is_not_one_field_filling_it_is_refused(message):
    with pytest.raises(ValueError, match="one row of one non-null field"):
        list(export._json_lines([export.BINARY_HEADER + _row(b"{}"), message, export.BINARY_TRAILER]))


@pytest.mark.parametrize(
    ("count", "low", "high", "ids"),
    [
        (0, None, None, None),
        (1_000, 1, 1_000, 64),
        (10, 1, 1_000, None),
        (600, 1, 1_000, 107),
        (101, 1, 1_000, 634),
        (5, 7, 9, 64),
    ],
)
def test_a_json_block_spans_the_ids_of_about_block_rows_rows_of_a_dense_export(count, low, high, ids):
    assert export.block_ids(count, low, high) == ids
