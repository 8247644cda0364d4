"""The reader's fast paths: strip without copy, the CSV parser's pool, reasons without an array."""
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


def test_reasons_of_clean_columns_are_empty_texts() -> None:
    import pandas as pd

    from lettrage.io.fec_values import parse_amounts, parse_dates

    amounts = parse_amounts(pd.Series(["1,00", "", "-2"], dtype="str"))
    dates, _ = parse_dates(pd.Series(["20240131", ""], dtype="str"))
    assert amounts.reasons.tolist() == ["", "", ""]
    assert dates.reasons.tolist() == ["", ""]
    mixed = parse_amounts(pd.Series(["1,00", "x", "1,234"], dtype="str"))
    assert mixed.reasons.tolist() == ["", "not a number", "more than two decimals"]
    bad_date, _ = parse_dates(pd.Series(["20240231", "20240131"], dtype="str"))
    assert bad_date.reasons.tolist() == ["not a valid date", ""]
    assert bad_date.bad.tolist() == [True, False]
