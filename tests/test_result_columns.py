"""The result's columns built with pyarrow against the object arrays they replaced."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.engine import _give_letters, _joined_lines
from lettrage.ledger import line_positions
from lettrage.result import sparse_texts, written_texts
from lettrage.settings import Settings


def _old_written(texts: pd.Series, rows: np.ndarray, values: list) -> pd.Series:
    letter = texts.fillna("").astype(str).to_numpy(dtype=object).copy()
    letter[rows] = np.asarray(values, dtype=object)
    return pd.DataFrame({"x": letter})["x"]


def _old_sparse(size: int, rows: np.ndarray, values: list) -> pd.Series:
    out = np.full(size, None, dtype=object)
    out[rows] = np.asarray(values, dtype=object)
    return pd.DataFrame({"x": out})["x"]


_TEXT = st.one_of(st.none(), st.text(max_size=3), st.just(float("nan")))


@settings(max_examples=150, deadline=None)
@given(st.lists(_TEXT, max_size=12), st.sampled_from(["str", "object"]), st.data())
def test_written_texts_as_the_object_array(texts, dtype, data):
    column = pd.Series(texts, dtype=dtype)
    rows = np.array(data.draw(st.lists(st.integers(0, max(len(texts) - 1, 0)), max_size=len(texts))),
                    dtype=np.int64)
    values = data.draw(st.lists(st.text(min_size=1, max_size=3), min_size=len(rows), max_size=len(rows)))
    got = pd.Series(written_texts(column, rows, np.asarray(values, dtype=object)), name="x")
    pd.testing.assert_series_equal(got, _old_written(column, rows, values))


def test_written_texts_of_values_that_are_not_strings():
    column = pd.Series([1, None, "AB", 2.5], dtype=object)
    rows = np.array([3], dtype=np.int64)
    got = pd.Series(written_texts(column, rows, np.array(["C"], dtype=object)), name="x")
    pd.testing.assert_series_equal(got, _old_written(column, rows, ["C"]))


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10), st.data())
def test_sparse_texts_as_the_object_array(size, data):
    rows = np.array(data.draw(st.lists(st.integers(0, max(size - 1, 0)), unique=True,
                                       max_size=size)), dtype=np.int64)
    values = data.draw(st.lists(st.sampled_from(["exact", "subset", "fifo"]), min_size=len(rows),
                                max_size=len(rows)))
    got = pd.Series(sparse_texts(size, rows, np.asarray(values, dtype=object)), name="x")
    pd.testing.assert_series_equal(got, _old_sparse(size, rows, values))


@given(st.lists(st.integers(-5, 10**6), unique=True, max_size=20), st.data())
def test_rows_of_lines_in_order_or_not(lines, data):
    all_lines = np.array(lines, dtype=np.int64)
    wanted = np.array(data.draw(st.lists(st.sampled_from(lines), max_size=10)) if lines else [],
                      dtype=np.int64)
    expected = pd.Series(np.arange(len(all_lines)), index=all_lines).reindex(wanted).to_numpy()
    assert line_positions(all_lines, wanted).tolist() == expected.tolist()
    in_order = np.sort(all_lines)
    expected = pd.Series(np.arange(len(in_order)), index=in_order).reindex(wanted).to_numpy()
    assert line_positions(in_order, wanted).tolist() == expected.tolist()


def _old_joined(lines: np.ndarray, sizes: np.ndarray) -> list[str]:
    text = lines.astype(str).tolist()
    joined, start = [], 0
    for size in sizes.tolist():
        joined.append(" ".join(text[start:start + size]))
        start += size
    return joined


@given(st.lists(st.lists(st.integers(-10, 10**12), min_size=1, max_size=5), min_size=1, max_size=8))
def test_joined_lines_as_joined_in_python(groups):
    lines = np.array([line for group in groups for line in group], dtype=np.int64)
    sizes = np.array([len(group) for group in groups], dtype=np.int64)
    assert list(_joined_lines(lines, sizes)) == _old_joined(lines, sizes)


def test_letters_continue_after_the_highest_code_per_party():
    lines = pd.DataFrame({"line": [1, 2, 3, 4, 5, 6], "party_id": [0, 0, 1, 1, 2, 2],
                          "account": ["411"] * 6, "aux": ["A", "A", "B", "B", "C", "C"],
                          "date": pd.to_datetime(["2025-01-01"] * 6),
                          "amount": [100, -100, 5, -5, 7, -7], "letter": ["AB", "", "zz", "", "", ""]})
    members = pd.DataFrame({"line": [2, 4, 5, 6], "group": [0, 1, 2, 2]})
    groups = pd.DataFrame({"group": [0, 1, 2], "pass": ["x"] * 3, "gap": [0] * 3,
                           "currency": [""] * 3, "reason": [""] * 3})
    for width, expected in ((None, ["AC", "AAA", "AA"]), (3, ["AAA", "AAA", "AAA"])):
        given_letters = _give_letters(groups, members, lines, Settings(letter_width=width))
        assert given_letters["letter"].tolist() == expected
        assert given_letters["lines"].tolist() == ["2", "4", "5 6"]
