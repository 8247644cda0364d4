"""The bulk parsers on columns where each shape is rare, common or everywhere (speed4-io):
only the values of a shape are sliced and cast, and each distinct eight bytes of a date is
read once. The reference parsers are the oracle."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.io.fec_values import (
    parse_amounts,
    parse_dates,
    reference_parse_amounts,
    reference_parse_dates,
)


def _column(texts: list[str]) -> pd.Series:
    return pd.Series(texts, dtype="str")


def _assert_same(fast, slow) -> None:
    np.testing.assert_array_equal(fast.values, slow.values)
    assert fast.values.dtype == slow.values.dtype
    assert fast.bad.tolist() == slow.bad.tolist()
    assert fast.reasons.tolist() == slow.reasons.tolist()
    assert fast.dotted == slow.dotted


def test_amounts_all_of_the_cents_shape() -> None:
    texts = ["1437,12", "-69,40", "0,00", "10000000000000000,99", "-0,01", "12.50"] * 50
    _assert_same(parse_amounts(_column(texts)), reference_parse_amounts(texts))


def test_amounts_of_the_cents_shape_among_empty_values() -> None:
    texts = [""] * 500 + ["11785,33", "-5,10"] + [""] * 300 + ["7", "-12"] + ["1,5"]
    _assert_same(parse_amounts(_column(texts)), reference_parse_amounts(texts))


def test_amounts_all_whole_units() -> None:
    texts = ["15000", "-3", "0", "9999999999999999"] * 20
    _assert_same(parse_amounts(_column(texts)), reference_parse_amounts(texts))


def test_dates_with_eight_bytes_that_are_not_all_digits() -> None:
    texts = ["2024-1-1", "20240131", "01/02/24", "20240131", "2024013a", "20240201", "",
             "20240230", "01/02/24", "20240201", "2024-1-1", "19000101"] * 10
    fast, fast_format = parse_dates(_column(texts))
    slow, slow_format = reference_parse_dates(texts)
    _assert_same(fast, slow)
    assert fast_format == slow_format


_EIGHT_BYTES = st.text(alphabet="0123456789-/a ", min_size=8, max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_EIGHT_BYTES, st.sampled_from(["20240131", "20231231", ""])),
                min_size=1, max_size=40))
def test_dates_of_eight_bytes_agree_with_the_reference(texts: list[str]) -> None:
    fast, fast_format = parse_dates(_column(texts))
    slow, slow_format = reference_parse_dates(texts)
    _assert_same(fast, slow)
    assert fast_format == slow_format
