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
