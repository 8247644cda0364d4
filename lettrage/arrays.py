"""Small numpy helpers the passes share."""
from __future__ import annotations

import numpy as np


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values of a 1-D array, sorted: ``np.unique(values)`` by a sort and a
    comparison of neighbours. numpy 2.4's ``np.unique`` hashes first and is 20 to 50 times
    slower on integers (10^5 values: 84 ms against 1.4 ms)."""
    ordered = np.sort(np.asarray(values), kind="stable")
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]
