"""large_ones_within (what the subset pass asks of the one-for-many search) against
one_for_many_within, which lists every answer: the same contested lines, the same large
groups, and through each line of a large group the same groups (hypothesis)."""
from __future__ import annotations

from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.passes import large_groups
from lettrage.passes.large_groups import large_ones_within, one_for_many_within

# Few distinct magnitudes: several answers are common, and so are unique ones.
MAGNITUDES = [100, 200, 300, 250, 500, 1000, 1001, 999, 1500, 2500]


@st.composite
def crowded_lines(draw):
    """Up to 45 lines of a few days, both signs, a few much larger: anchors with many items
    to search, by halves and by bitsets; the windows of each line, as the pass gives them."""
    size = draw(st.integers(1, 45))
    magnitudes = draw(st.lists(st.sampled_from(MAGNITUDES + [0]), min_size=size, max_size=size))
    signs = draw(st.lists(st.sampled_from([1, -1, -1, -1]), min_size=size, max_size=size))
    values = np.array(magnitudes, dtype=np.int64) * np.array(signs, dtype=np.int64)
    for at in draw(st.lists(st.integers(0, size - 1), max_size=5)):
        values[at] = -np.sign(values[at] or 1) * draw(st.integers(2000, 9000))
    days = np.array(sorted(draw(st.lists(st.integers(0, 5), min_size=size, max_size=size))),
                    dtype=np.int64)
    window = draw(st.integers(0, 5))
    firsts = np.searchsorted(days, days - window, side="left")
    lasts = np.searchsorted(days, days + window, side="right")
    return values, firsts, lasts


def _through(groups: set[tuple[int, ...]], line: int) -> set[tuple[int, ...]]:
    return {rows for rows in groups if line in rows}


@settings(max_examples=300, deadline=None)
@given(crowded_lines(), st.sampled_from([0, 1, 2, 3, 4, 6, 8]),
       st.sampled_from([large_groups.PAIRS_PER_BLOCK, 1, 7]),
       st.sampled_from([(large_groups.ARRAY_ITEMS, large_groups.ARRAY_SUMS), (0, 1), (5, 64)]),
       st.sampled_from([(large_groups.MAX_ITEMS, large_groups.MAX_TARGET), (20, 10**9),
                        (40, 2000)]))
def test_large_ones_against_every_answer(lines, large, block, arrays, limits):
    values, firsts, lasts = lines
    patches = {"PAIRS_PER_BLOCK": block, "ARRAY_ITEMS": arrays[0], "ARRAY_SUMS": arrays[1],
               "MAX_ITEMS": limits[0], "MAX_TARGET": limits[1]}
    with mock.patch.multiple(large_groups, **patches):
        every, every_contested = one_for_many_within(values, firsts, lasts, large)
        some, contested = large_ones_within(values, firsts, lasts, large)
    every_set, some_set = set(every), set(some)
    assert (contested == every_contested).all()
    assert some_set <= every_set
    assert {g for g in some_set if len(g) > large} == {g for g in every_set if len(g) > large}
    for rows in every_set:
        if len(rows) > large:
            for line in rows:
                assert _through(some_set, line) == _through(every_set, line)
    if not large:
        assert some_set == every_set
