"""lettrage.arrays.counted: a table of small ids gives what np.unique gives."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lettrage.arrays import counted


def _same_as_np_unique(ids: np.ndarray) -> None:
    distinct, sizes, index = counted(ids)
    expected, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
    assert distinct.tolist() == expected.tolist()
    assert sizes.tolist() == counts.tolist()
    assert index.tolist() == inverse.tolist()


@pytest.mark.parametrize("ids", [
    np.array([3, 0, 3, 7, 0, 3], dtype=np.int64),  # small ids, some unused: a table
    np.array([5, -2, 5, 9_000_000_000], dtype=np.int64),  # negative, large: sorted
    np.random.default_rng(1).integers(0, 50, size=400),
    np.zeros(0, dtype=np.int64),
])
def test_counted_is_np_unique(ids):
    _same_as_np_unique(ids)


@given(arrays(np.int64, st.integers(0, 60), elements=st.integers(-5, 300)))
def test_counted_is_np_unique_whatever_the_ids(ids):
    _same_as_np_unique(ids)
