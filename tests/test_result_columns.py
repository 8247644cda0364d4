"""The result's columns built with pyarrow against the object arrays they replaced."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.engine import _rows_of
from lettrage.result import sparse_texts, written_texts


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
    assert _rows_of(all_lines, wanted).tolist() == expected.tolist()
    in_order = np.sort(all_lines)
    expected = pd.Series(np.arange(len(in_order)), index=in_order).reindex(wanted).to_numpy()
    assert _rows_of(in_order, wanted).tolist() == expected.tolist()
