"""one_for_many's anchors searched together by halves (``_unique_subsets``) against each
searched alone by :func:`unique_subset` (``ARRAY_ITEMS`` 0), on windows of up to 30 items:
the same groups and the same contested lines (hypothesis)."""
from __future__ import annotations

from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.passes import large_groups
from lettrage.passes.large_groups import one_for_many

# Few distinct magnitudes: several answers are common, and so are unique ones.
MAGNITUDES = [100, 200, 300, 250, 500, 1000, 1001, 999, 1500, 2500]


@st.composite
def crowded_parties(draw, scale=1):
    """Up to 40 lines of a few days, both signs: windows of many opposite-sign items."""
    size = draw(st.integers(1, 40))
    magnitudes = draw(st.lists(st.sampled_from(MAGNITUDES), min_size=size, max_size=size))
    signs = draw(st.lists(st.sampled_from([1, -1, -1, -1]), min_size=size, max_size=size))
    values = np.array(magnitudes, dtype=np.int64) * np.array(signs, dtype=np.int64) * scale
    # A few lines much larger: anchors with many items to search.
    for at in draw(st.lists(st.integers(0, size - 1), max_size=4)):
        values[at] = -np.sign(values[at]) * draw(st.integers(2000, 9000)) * scale
    days = np.array(sorted(draw(st.lists(st.integers(0, 5), min_size=size, max_size=size))),
                    dtype=np.int64)
    return values, days, draw(st.integers(0, 5))


def _alone(values, days, window, large, limits=None):
    patches = {"ARRAY_ITEMS": 0, **(limits or {})}
    with mock.patch.multiple(large_groups, **patches):
        return one_for_many(values, days, window, large)


def _same(got, expected):
    assert sorted(got[0]) == sorted(expected[0])
    assert (got[1] == expected[1]).all()


@settings(max_examples=300, deadline=None)
@given(crowded_parties(), st.integers(1, 8),
       st.sampled_from([large_groups.ARRAY_SUMS, 1, 64, 4096]))
def test_halves_against_one_by_one(party, large, array_sums):
    values, days, window = party
    with mock.patch.object(large_groups, "ARRAY_SUMS", array_sums):
        got = one_for_many(values, days, window, large)
    _same(got, _alone(values, days, window, large))


@settings(max_examples=100, deadline=None)
@given(crowded_parties(scale=10**12))
def test_halves_too_large_to_pack(party):
    """Amounts whose sums do not fit the packed keys: each anchor searched alone (no bitsets
    of 10**16 bits: at most 16 items, every answer counts)."""
    values, days, window = party
    limits = {"MAX_TARGET": 10**17, "MAX_ITEMS": 16}
    with mock.patch.multiple(large_groups, **limits):
        got = one_for_many(values, days, window, 0)
    _same(got, _alone(values, days, window, 0, limits))
