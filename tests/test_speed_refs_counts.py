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


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text("AB12", min_size=1, max_size=6), max_size=30, unique=True),
       st.lists(st.text("AB12", min_size=1, max_size=6), max_size=30))
def test_lookup_finds_what_index_in_finds(known, values):
    import pyarrow as pa
    import pyarrow.compute as pc

    lookup = text.Lookup(pa.array(known, type=pa.large_string()))
    values = pa.array(values, type=pa.large_string())
    position = lookup.positions(text._string_hashes(values))
    hashed = np.flatnonzero(position >= 0)
    found = np.full(len(values), -1, dtype=np.int64)
    found[hashed] = lookup.index(values.take(pa.array(hashed)), position[hashed])
    expected = pc.index_in(values, value_set=pa.array(known, type=pa.large_string())).fill_null(-1)
    assert found.tolist() == expected.to_pylist()
