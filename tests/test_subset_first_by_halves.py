"""The helpers of the subset pass's search by halves against numpy's own (hypothesis):
``_row_sums`` against a sum along rows, and ``_leading`` (one sort of its keys packed, or a
lexsort when they do not fit) against the same rows chosen after a lexsort."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.passes.subset import _leading, _row_sums


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6).flatmap(lambda width: st.lists(
    st.lists(st.integers(-10**12, 10**12), min_size=width, max_size=width), max_size=30)),
    st.booleans())
def test_row_sums_as_sum(rows, as_bools):
    if not rows:
        return
    table = np.array(rows, dtype=np.int64)
    if as_bools:
        table = table > 0
    assert _row_sums(table).tolist() == table.sum(axis=1).tolist()


def _leading_by_lexsort(limit, group, *keys):
    order = np.lexsort([*keys[::-1], group])
    group = group[order]
    positions = np.arange(len(order))
    new_group = np.concatenate(([True], group[1:] != group[:-1]))
    new_key = new_group.copy()
    for key in keys:
        key = key[order]
        new_key[1:] |= key[1:] != key[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, positions, 0))
    key_start = np.maximum.accumulate(np.where(new_key, positions, 0))
    return np.sort(order[key_start - group_start < limit])


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 60).flatmap(lambda size: st.tuples(
    st.lists(st.integers(0, 4), min_size=size, max_size=size),
    st.lists(st.integers(0, 3), min_size=size, max_size=size),
    st.lists(st.integers(0, 3), min_size=size, max_size=size),
    # sums of a few cents apart (ties), or far apart (keys too wide to pack)
    st.lists(st.integers(-3, 3), min_size=size, max_size=size)
    | st.lists(st.integers(-2**61, 2**61), min_size=size, max_size=size))),
    st.integers(1, 5))
def test_leading_as_by_lexsort(columns, limit):
    group, *keys = (np.array(column, dtype=np.int64) for column in columns)
    assert _leading(limit, group, *keys).tolist() == _leading_by_lexsort(limit, group, *keys).tolist()
