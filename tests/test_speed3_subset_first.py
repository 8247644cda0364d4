"""The window search with ``enough``: of an anchor with more groups than that, only the
first ``enough`` in a direct search's order (by size, then in order) are listed, on every
path (listed one by one, heads and tails, small chunks, crowded anchors left to the caller),
against itertools.combinations (hypothesis)."""
from __future__ import annotations

from itertools import combinations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_subset_search_properties import (
    _ends,
    _patched,
    budgets,
    parties,
    signed_amounts,
)

from lettrage.passes import window_search


def _brute(values, ends, anchor, spread, max_size):
    """Every group anchored at ``anchor``, by size, then in order."""
    after = range(anchor + 1, int(ends[anchor]))
    return [(anchor, *rest) for k in range(1, max_size) for rest in combinations(after, k)
            if abs(int(values[anchor]) + sum(int(values[j]) for j in rest)) <= spread]


@settings(max_examples=400, deadline=None)
@given(parties(max_lines=16), st.data(), budgets)
def test_window_groups_lists_the_first_enough(party, data, budget):
    values, days, window = party
    size = len(values)
    ends = _ends(days, window)
    anchors = np.array(sorted(data.draw(st.sets(st.integers(0, size - 1)))), dtype=np.int64)
    spread = data.draw(st.sampled_from([0, 0, 1, 100]))
    max_size = data.draw(st.integers(2, 6))
    enough = np.array(data.draw(st.lists(st.sampled_from([0, 1, 2, 5, 1 << 62]),
                                         min_size=size, max_size=size)), dtype=np.int64)
    with _patched(window_search, budget):
        handled, counts, blocks = window_search.window_groups(values, ends, anchors, spread,
                                                              max_size, enough=enough)
    groups = [tuple(row) for block in blocks for row in block.tolist()]
    assert len(groups) == len(set(groups)), "a group reported twice"
    for anchor in range(size):
        found = {g for g in groups if g[0] == anchor}
        if not handled[anchor]:
            assert not found and counts[anchor] == 0
            continue
        expected = _brute(values, ends, anchor, spread, max_size)
        if len(expected) <= enough[anchor]:
            assert found == set(expected) and counts[anchor] == len(expected)
        else:
            assert found == set(expected[:enough[anchor]])
            assert enough[anchor] < counts[anchor] <= len(expected)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 60).flatmap(signed_amounts), st.integers(0, 4))
def test_lex_sorted_as_lexsort(values, extra):
    """Rows packed in one integer sort as numpy's lexsort sorts them (wide rows included)."""
    rng = np.random.default_rng(len(values) + extra)
    width = 1 + extra
    anchors = rng.integers(0, 1 << rng.integers(1, 40), size=len(values))
    rest = np.sort(rng.integers(1, 1 << rng.integers(1, 12), size=(len(values), width)), axis=1)
    rows = np.hstack((anchors[:, None], anchors[:, None] + rest))
    rows = np.unique(rows, axis=0)[rng.permutation(len(np.unique(rows, axis=0)))]
    expected = rows[np.lexsort(rows.T[::-1])]
    assert (window_search._lex_sorted(rows) == expected).all()
