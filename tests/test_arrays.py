"""lettrage.arrays against numpy: distinct (np.unique), stable_order (the stable argsort),
packed_keys (lexsort keys packed in one)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lettrage.arrays import distinct, packed_keys, stable_order


@given(arrays(np.int64, st.integers(0, 60), elements=st.integers(-(2**62), 2**62))
       | arrays(np.int64, st.integers(0, 60), elements=st.integers(0, 5)))
def test_distinct_is_numpy_unique(values):
    found = distinct(values)
    assert found.dtype == values.dtype
    np.testing.assert_array_equal(found, np.unique(values))


def test_distinct_of_a_list_and_of_nothing():
    assert distinct([3, 1, 3, 2]).tolist() == [1, 2, 3]
    assert distinct(np.array([], dtype=np.int64)).tolist() == []


@given(arrays(np.int64, st.integers(0, 60), elements=st.integers(0, 9))
       | arrays(np.int64, st.integers(0, 60), elements=st.integers(-(2**62), 2**62)))
def test_stable_order_is_the_stable_argsort(values):
    # Small values are sorted packed with their positions; values too wide, by the stable sort.
    assert stable_order(values).tolist() == np.argsort(values, kind="stable").tolist()


@pytest.mark.parametrize("size, top", [(0, 1), (1, 1), (7, 2), (1000, 5), (100_000, 1_000_000)])
def test_stable_order_of_many_values(size, top):
    values = np.random.default_rng(size + top).integers(-top, top, size)
    assert stable_order(values).tolist() == np.argsort(values, kind="stable").tolist()


@given(st.integers(1, 4).flatmap(lambda count: st.tuples(*[
    st.sampled_from([st.integers(0, 3), st.integers(-50, 50), st.integers(-(2**40), 2**40)])
    .flatmap(lambda elements: arrays(np.int64, 12, elements=elements)) for _ in range(count)])))
def test_packed_keys_sort_as_the_keys(keys):
    # One packed key when the ranges fit, else the keys: the same order as lexsort of the keys.
    expected = np.lexsort(keys[::-1]).tolist()
    assert np.lexsort(packed_keys(*keys)).tolist() == expected
