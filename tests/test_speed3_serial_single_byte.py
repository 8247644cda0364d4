"""Single-byte encodings read without Python's codec: the numpy transcoding and checks
against what the codec gives; amounts' non-digits counted in a byte; the write-offs' names
found without a sort."""
from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.io.fec_fields import _utf8_column
from lettrage.io.fec_layout import _BLOCK, _has_c1_bytes, _single_byte_maps_all
from lettrage.io.fec_values import parse_amounts, reference_parse_amounts
from lettrage.io.report_writer import _first_rows

CODECS = ["cp1252", "iso8859-15", "iso8859-1"]


def _mapped_bytes(codec: str) -> list[int]:
    mapped = []
    for byte in range(256):
        try:
            bytes([byte]).decode(codec)
        except UnicodeDecodeError:
            continue
        mapped.append(byte)
    return mapped


_MAPPED = {codec: set(_mapped_bytes(codec)) for codec in CODECS}


@pytest.mark.parametrize("codec", CODECS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_utf8_column_is_the_codecs_text(codec: str, data: st.DataObject) -> None:
    texts = data.draw(st.lists(st.binary(max_size=12).map(
        lambda raw: bytes(b for b in raw if b in _MAPPED[codec])), max_size=20))
    skip = data.draw(st.integers(0, len(texts)))
    column = pa.array(texts, type=pa.large_binary()).view(pa.large_string())[skip:]
    converted = _utf8_column(column, codec)
    assert converted.to_pylist() == [text.decode(codec) for text in texts[skip:]]
    converted.validate(full=True)


def test_utf8_column_refuses_a_byte_the_codec_does_not_map() -> None:
    column = pa.array([b"abc", b"d\x81e"], type=pa.large_binary()).view(pa.large_string())
    assert _utf8_column(column, "cp1252") is None


def test_utf8_column_keeps_ascii_as_is() -> None:
    column = pa.array(["abc", "", "de"], type=pa.large_string())
    assert _utf8_column(column, "cp1252") is column


@pytest.mark.parametrize("at", [None, 0, 5, _BLOCK - 1, _BLOCK, 2 * _BLOCK + 3])
@pytest.mark.parametrize("byte", [0x80, 0x9F, 0xA0, 0x7F])
def test_c1_bytes_found_as_the_regular_expression_finds_them(at: int | None, byte: int) -> None:
    data = bytearray(b"a" * (2 * _BLOCK + 10))
    if at is not None:
        data[at] = byte
    data = bytes(data)
    assert _has_c1_bytes(data) == (re.search(rb"[\x80-\x9f]", data) is not None)


@pytest.mark.parametrize("codec", CODECS + ["ascii"])
@pytest.mark.parametrize("byte", [0x41, 0x81, 0x8D, 0x9D, 0xA4, 0xFF])
def test_single_byte_maps_all_as_the_codec_decodes(codec: str, byte: int) -> None:
    data = bytes(b"x" * (_BLOCK + 5)) + bytes([byte]) + b"yz"
    try:
        data.decode(codec)
        decodes = True
    except UnicodeDecodeError:
        decodes = False
    assert _single_byte_maps_all(data, codec) == decodes


@pytest.mark.parametrize("filler", [255, 256, 257, 511, 512])
def test_long_amounts_whose_non_digits_wrap_a_byte_are_the_references(filler: int) -> None:
    """Non-digits are counted in a byte (modulo 256): values that long never pass as amounts."""
    texts = ["x" * filler + "1,00", "-" + "," * filler + "12", "12,34", "-" * (filler + 1)
             + "5", "7"]
    fast, slow = parse_amounts(pd.Series(texts, dtype="str")), reference_parse_amounts(texts)
    assert fast.values.tolist() == slow.values.tolist()
    assert fast.bad.tolist() == slow.bad.tolist()
    assert fast.reasons.tolist() == slow.reasons.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["401", "411", "4", None]),
                          st.sampled_from(["", "F1", "C2", None]), st.text(max_size=3)),
                max_size=40))
def test_first_rows_are_those_a_walk_keeps(rows: list[tuple]) -> None:
    """The write-offs' account names: each key combination's first row, in row order (a row
    with a missing key value stands alone)."""
    accounts = pd.Series([row[0] for row in rows], dtype=object)
    auxes = pd.Series([row[1] for row in rows], dtype=object)
    names = pd.Series([row[2] for row in rows], dtype=object)
    seen, expected = set(), []
    for at, (account, aux, name) in enumerate(rows):
        key = tuple(("missing", at) if value is None else value for value in (account, aux))
        if key not in seen:
            seen.add(key)
            expected.append(((account, aux), name))
    assert _first_rows([accounts, auxes], names) == expected
