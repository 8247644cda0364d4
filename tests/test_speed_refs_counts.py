"""The blocked running counts of :mod:`lettrage.reference_text` against a plain cumsum."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage import reference_text as text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), max_size=60), st.data(), st.integers(1, 8))
def test_counts_before_as_cumsum_counts(flags, data, block):
    flags = np.array(flags, dtype=bool)
    positions = np.sort(np.array(data.draw(st.lists(st.integers(0, len(flags)), max_size=20)),
                                 dtype=np.int64))
    expected = np.r_[0, np.cumsum(flags)][positions]
    old_block, text._COUNT_BLOCK = text._COUNT_BLOCK, block
    try:
        found = text.counts_before(flags, positions)
    finally:
        text._COUNT_BLOCK = old_block
    assert found.tolist() == expected.tolist()
