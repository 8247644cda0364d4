"""Unit and property tests of the FEC amount and date parsers."""
from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.io.fec_values import (
    parse_amount,
    parse_amounts,
    parse_date,
    parse_dates,
    reference_parse_amounts,
    reference_parse_dates,
)

# --- amounts -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("0", 0),
        ("0,00", 0),
        ("15000", 1_500_000),
        ("69,6", 6960),
        ("69,60", 6960),
        ("0000000069,60", 6960),
        ("+000000069,40", 6940),
        ("-69,40", -6940),
        ("69,40-", -6940),
        ("69,40+", 6940),
        (" 000000000001437,12", 143712),
        ("1437,12   ", 143712),
        ("1 437,12", 143712),
        ("1\xa0437,12", 143712),
        (",50", 50),
        ("12,", 1200),
        ("12,300", 1230),
        ("-0,00", 0),
        ("999999999999,99", 99_999_999_999_999),
    ],
)
def test_parse_amount_reads_fec_amounts(text: str, cents: int) -> None:
    assert parse_amount(text) == (cents, "", False)


@pytest.mark.parametrize(("text", "cents"), [("1234.56", 123456), ("-0.5", -50), ("7.", 700)])
def test_parse_amount_reads_a_dot_but_says_so(text: str, cents: int) -> None:
    assert parse_amount(text) == (cents, "", True)


@pytest.mark.parametrize("text", ["", "   ", "\xa0"])
def test_parse_amount_empty_is_zero_without_problem(text: str) -> None:
    assert parse_amount(text) == (0, "", False)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("12,345", "more than two decimals"),
        ("0,001", "more than two decimals"),
        ("-", "not a number"),
        (",", "not a number"),
        ("abc", "not a number"),
        ("1.234,56", "not a number"),
        ("1,234.56", "not a number"),
        ("12,34,56", "not a number"),
        ("1e5", "not a number"),
        ("--5", "not a number"),
        ("+5-", "two signs"),
        ("-5-", "two signs"),
    ],
)
def test_parse_amount_refuses_what_is_not_cents(text: str, problem: str) -> None:
    cents, reason, _ = parse_amount(text)
    assert (cents, reason) == (0, problem)


def test_parse_amounts_column_keeps_positions_and_marks_bad_values() -> None:
    parsed = parse_amounts(["1,00", "x", "1,00", "", "2.50", "12,345"])
    assert parsed.values.dtype == np.int64
    assert parsed.values.tolist() == [100, 0, 100, 0, 250, 0]
    assert parsed.bad.tolist() == [False, True, False, False, False, True]
    assert parsed.reasons.tolist() == ["", "not a number", "", "", "", "more than two decimals"]
    assert parsed.dotted


def test_parse_amounts_empty_column() -> None:
    parsed = parse_amounts([])
    assert parsed.values.tolist() == [] and parsed.bad.tolist() == [] and not parsed.dotted


# --- property: every FEC style of an amount reads back as the same cents -------------------

def _styles(cents: int) -> list[str]:
    sign = "-" if cents < 0 else ""
    units, hundredths = divmod(abs(cents), 100)
    comma = f"{units},{hundredths:02d}"
    return [
        f"{sign}{comma}",                                  # 1437,12
        f"{sign}{units:013d},{hundredths:02d}",            # 0000000001437,12
        f" {sign}{units:015d},{hundredths:02d}",           # padded, zero-filled
        (f"+{comma}" if cents >= 0 else f"-{comma}"),      # leading sign always
        (f"{comma}-" if cents < 0 else f"{comma}+"),       # trailing sign
        f"{sign}{units}.{hundredths:02d}",                 # non-compliant dot
        f"{sign}{comma}".ljust(20),                        # right padding
    ]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_every_fec_style_of_an_amount_parses_back(cents: int) -> None:
    for text in _styles(cents):
        value, problem, dotted = parse_amount(text)
        assert (value, problem) == (cents, ""), text
        assert dotted == ("." in text), text


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_whole_units_and_trimmed_decimals_parse_back(cents: int) -> None:
    units, hundredths = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    text = f"{sign}{units},{hundredths:02d}".rstrip("0").rstrip(",")
    if hundredths == 0:
        text = f"{sign}{units}"
    assert parse_amount(text)[:2] == (cents, "")


# --- dates -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "iso", "fmt"),
    [
        ("20240115", "2024-01-15", "%Y%m%d"),
        (" 20240229 ", "2024-02-29", "%Y%m%d"),
        ("2024-01-15", "2024-01-15", "%Y-%m-%d"),
        ("15/01/2024", "2024-01-15", "%d/%m/%Y"),
        ("19991231", "1999-12-31", "%Y%m%d"),
    ],
)
def test_parse_date_reads_fec_dates(text: str, iso: str, fmt: str) -> None:
    assert parse_date(text) == (np.datetime64(iso, "D"), "", fmt)


@pytest.mark.parametrize("text", ["", "   "])
def test_parse_date_empty_is_nat_without_problem(text: str) -> None:
    date, problem, fmt = parse_date(text)
    assert np.isnat(date) and problem == "" and fmt == ""


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("20230230", "not a valid date"),
        ("20231301", "not a valid date"),
        ("2023-02-30", "not a valid date"),
        ("00000000", "not a valid date"),
        ("2024011", "not a date (expected AAAAMMJJ)"),
        ("15.01.2024", "not a date (expected AAAAMMJJ)"),
        ("2024/01/15", "not a date (expected AAAAMMJJ)"),
        ("hier", "not a date (expected AAAAMMJJ)"),
    ],
)
def test_parse_date_refuses_what_is_not_a_date(text: str, problem: str) -> None:
    date, reason, _ = parse_date(text)
    assert np.isnat(date) and reason == problem


def test_parse_dates_column_and_common_format() -> None:
    parsed, fmt = parse_dates(["2024-01-15", "", "2024-01-16", "20240117", "bad"])
    assert parsed.values.dtype == np.dtype("datetime64[D]")
    assert [str(v) for v in parsed.values] == [
        "2024-01-15", "NaT", "2024-01-16", "2024-01-17", "NaT"
    ]
    assert parsed.bad.tolist() == [False, False, False, False, True]
    assert fmt == "%Y-%m-%d"


def test_parse_dates_without_any_date_defaults_to_the_fec_format() -> None:
    parsed, fmt = parse_dates(["", ""])
    assert np.isnat(parsed.values).all() and fmt == "%Y%m%d"
    assert parse_dates([])[1] == "%Y%m%d"


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2199, 12, 31)))
def test_every_fec_style_of_a_date_parses_back(day: datetime.date) -> None:
    for fmt in ("%Y%m%d", "%Y-%m-%d", "%d/%m/%Y"):
        assert parse_date(day.strftime(fmt)) == (np.datetime64(day, "D"), "", fmt)


# --- the bulk parsers against their slow twins ---------------------------------------------

_AMOUNT_TEXTS = st.one_of(
    st.integers(-(10**17), 10**17).map(lambda c: f"{c // 100},{c % 100:02d}"),
    st.integers(-(10**17), 10**17).map(lambda c: f"{c // 100}.{c % 100:02d}"),
    st.integers(-(10**16), 10**16).map(str),
    st.sampled_from(["", " ", "0", "0,00", "-0,00", "+5", "5-", "1,5", "1,234", "12,34,5",
                     "1.234,56", "abc", "\xa0", "1 437,12", "١٢,٣٤", "00000000000000000001,00"]),
    st.text(alphabet="0123456789,.-+ a", max_size=22),
)
_DATE_TEXTS = st.one_of(
    st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: f"{d.year:04d}{d.month:02d}{d.day:02d}"),
    st.dates().map(lambda d: d.strftime("%Y-%m-%d")),
    st.sampled_from(["", "00000000", "20230230", "99999999", "16770101", "22630101", "hier",
                     "15/01/2024", "2024011", "١٢٣٤٥٦٧٨"]),
    st.text(alphabet="0123456789-/ ", max_size=10),
)


def _column(texts: list[str]) -> pd.Series:
    return pd.Series(texts, dtype="str")


def _assert_same(fast, slow) -> None:
    np.testing.assert_array_equal(fast.values, slow.values)
    assert fast.values.dtype == slow.values.dtype
    assert fast.bad.tolist() == slow.bad.tolist()
    assert fast.reasons.tolist() == slow.reasons.tolist()
    assert fast.dotted == slow.dotted


@settings(max_examples=300, deadline=None)
@given(st.lists(_AMOUNT_TEXTS, min_size=1, max_size=30))
def test_bulk_amounts_agree_with_the_reference(texts: list[str]) -> None:
    _assert_same(parse_amounts(_column(texts)), reference_parse_amounts(texts))


@settings(max_examples=300, deadline=None)
@given(st.lists(_DATE_TEXTS, min_size=1, max_size=30))
def test_bulk_dates_agree_with_the_reference(texts: list[str]) -> None:
    fast, fast_format = parse_dates(_column(texts))
    slow, slow_format = reference_parse_dates(texts)
    _assert_same(fast, slow)
    assert fast_format == slow_format


def test_bulk_parsers_on_a_column_of_usual_values() -> None:
    amounts = _column(["1437,12", "", "-69,40", "15000", "0,00", "1.50"] * 1000)
    parsed = parse_amounts(amounts)
    _assert_same(parsed, reference_parse_amounts(amounts))
    assert parsed.values[:6].tolist() == [143712, 0, -6940, 1500000, 0, 150] and parsed.dotted
    dates = _column(["20240131", "", "2024-02-01", "20240230"] * 1000)
    parsed_dates, fmt = parse_dates(dates)
    assert fmt == "%Y%m%d" and parsed_dates.bad[:4].tolist() == [False, False, False, True]
    _assert_same(parsed_dates, reference_parse_dates(dates)[0])


def test_bulk_dates_at_the_edges_of_the_plain_years_and_months() -> None:
    texts = ["18991231", "19000101", "22001231", "22010101", "20240229", "20230229",
             "20241231", "20240431", "20240100", "20241301", "17000101", "99991231", "00010101"]
    fast, fast_format = parse_dates(_column(texts * 3))
    slow, slow_format = reference_parse_dates(texts * 3)
    _assert_same(fast, slow)
    assert fast_format == slow_format == "%Y%m%d"
    assert fast.bad[:13].tolist() == [parse_date(text)[1] != "" for text in texts]


# Columns where each shape is rare, common or everywhere: the bulk parsers slice and cast
# only the values of a shape, and read each distinct eight bytes of a date once.

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
