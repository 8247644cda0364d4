"""The window search's shortcuts against their plain numpy counterparts (hypothesis)."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.passes import window_search

small = st.integers(-20, 20)


@settings(max_examples=300, deadline=None)
@given(st.lists(small, max_size=40), st.lists(small, max_size=40),
       st.sampled_from(["left", "right"]))
def test_search_runs_is_searchsorted(haystack, needles, side):
    haystack = np.array(sorted(haystack), dtype=np.int64)
    needles = np.array(needles, dtype=np.int64)
    expected = np.searchsorted(haystack, needles, side=side)
    found = window_search._search_runs(haystack, needles, side)
    assert found.dtype == expected.dtype and (found == expected).all()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-6, 6), min_size=1, max_size=14), st.integers(1, 3), st.data())
def test_opposite_range_is_every_opposite_sum(values, size, data):
    count = len(values)
    values = np.array(values, dtype=np.int64)
    room = np.array([min(data.draw(st.integers(0, 4)), count - 1 - i) for i in range(count)])
    parts = np.array(sorted(data.draw(st.lists(st.integers(0, 2), min_size=count,
                                                max_size=count))), dtype=np.int64)
    base = window_search._part_bases(values, np.zeros(count, dtype=np.int64), parts, 3)
    tuples = window_search._Tuples(values, np.arange(count, dtype=np.int64), room, size, base)
    heads = np.array(data.draw(st.lists(st.booleans(), min_size=len(tuples.sums),
                                        max_size=len(tuples.sums))), dtype=bool)
    picked, lows, highs = tuples.opposite_range(heads, base)
    sums = tuples.sums
    expected = []
    for at in range(len(sums) - 1, -1, -1):
        need = -sums[at] if base is None else 2 * base[tuples.first[at]] - sums[at]
        same = np.flatnonzero(sums == need)
        if heads[at] and len(same):
            expected.append((at, same[0], same[-1] + 1))
    assert [tuple(row) for row in zip(picked.tolist(), lows.tolist(), highs.tolist())] == expected
