"""The fast path's strip: the column itself when nothing can be trimmed, else pyarrow's trim."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from lettrage.io.fec_fields import _parser_pool, _strip

VALUES = [
    ["", "A", "AB", "1437,12"],
    [" A", "B"],
    ["A ", "B"],
    ["\tA", ""],
    ["A\x0b"],
    ["\xa0A"],
    ["A\u3000"],
    ["é", "Aé", "éA"],
    ["\x1cA"],
    ["", ""],
    [],
]


@pytest.mark.parametrize("values", VALUES)
def test_strip_is_pyarrows_trim(values: list[str]) -> None:
    column = pa.array(values, pa.large_string())
    assert _strip(column).to_pylist() == pc.utf8_trim_whitespace(column).to_pylist()


def test_strip_of_a_slice() -> None:
    column = pa.array([" A", "B", "C", "D "], pa.large_string()).slice(1, 2)
    assert _strip(column).to_pylist() == ["B", "C"]


def test_parser_pool_is_a_pool() -> None:
    assert isinstance(_parser_pool(), pa.MemoryPool)
