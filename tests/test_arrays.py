"""lettrage.arrays.distinct is np.unique of a 1-D array, sorted."""
from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lettrage.arrays import distinct


@given(arrays(np.int64, st.integers(0, 60), elements=st.integers(-(2**62), 2**62))
       | arrays(np.int64, st.integers(0, 60), elements=st.integers(0, 5)))
def test_distinct_is_numpy_unique(values):
    found = distinct(values)
    assert found.dtype == values.dtype
    np.testing.assert_array_equal(found, np.unique(values))


def test_distinct_of_a_list_and_of_nothing():
    assert distinct([3, 1, 3, 2]).tolist() == [1, 2, 3]
    assert distinct(np.array([], dtype=np.int64)).tolist() == []
