"""The third parties' line counts of lettrage/parallel_references.py: a table of small ids
gives what sorting gives."""
from __future__ import annotations

import numpy as np
import pytest

from lettrage.parallel_references import _party_sizes


@pytest.mark.parametrize("parties", [
    np.array([3, 0, 3, 7, 0, 3], dtype=np.int64),  # small ids, some unused
    np.array([5, -2, 5, 9_000_000_000], dtype=np.int64),  # negative, large: sorted
    np.random.default_rng(1).integers(0, 50, size=400),
])
def test_party_sizes_are_those_of_np_unique(parties):
    sizes, party_of = _party_sizes(parties)
    _, inverse, expected = np.unique(parties, return_inverse=True, return_counts=True)
    assert sizes.tolist() == expected.tolist()
    assert party_of.tolist() == inverse.tolist()
