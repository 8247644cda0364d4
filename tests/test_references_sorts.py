"""Stable orders by the faster sort (lettrage/references.py, _stable_order): each code made
distinct by its position gives np.argsort's stable order; codes too wide for that take the
stable sort itself."""
from __future__ import annotations

import numpy as np
import pytest

from lettrage.references import _stable_order


@pytest.mark.parametrize("size, top", [(0, 1), (1, 1), (7, 2), (1000, 5), (100_000, 1_000_000)])
def test_stable_order_is_the_stable_argsort(size, top):
    codes = np.random.default_rng(size + top).integers(0, top, size)
    assert _stable_order(codes).tolist() == np.argsort(codes, kind="stable").tolist()


@pytest.mark.parametrize("codes", [[2**62, 1, 2**62, 0], [-3, 5, -3, 0, 5]])
def test_stable_order_of_wide_or_negative_codes(codes):
    codes = np.array(codes, dtype=np.int64)
    assert _stable_order(codes).tolist() == np.argsort(codes, kind="stable").tolist()
