"""Exact enumeration of the subsets of a few amounts whose sum falls in a range.

Two exact methods, chosen by the size of the search: every combination at once (numpy, for
small candidate sets), and meet-in-the-middle (each half enumerated, sums sorted, ranges
found by binary search). Both count every solution, so a caller can prove that an answer is
unique. Larger searches go to CP-SAT (:mod:`lettrage.solver`).
"""
from __future__ import annotations

from functools import lru_cache
from itertools import combinations
from math import comb

import numpy as np

#: Largest number of combinations enumerated at once.
DIRECT_LIMIT = 40_000
#: Largest number of combinations per half in meet-in-the-middle.
HALF_LIMIT = 250_000


def combination_count(size: int, max_pick: int) -> int:
    """How many subsets of 1 to ``max_pick`` elements a set of ``size`` has."""
    return sum(comb(size, pick) for pick in range(1, min(size, max_pick) + 1))


@lru_cache(maxsize=512)
def _combinations(size: int, pick: int) -> np.ndarray:
    """All ``pick``-element index combinations of ``range(size)``, as rows."""
    if pick == 0:
        return np.zeros((1, 0), dtype=np.int64)
    flat = np.fromiter(
        (i for combo in combinations(range(size), pick) for i in combo), dtype=np.int64
    )
    return flat.reshape(-1, pick)


@lru_cache(maxsize=1024)
def can_enumerate(size: int, max_pick: int) -> bool:
    """True when :func:`subsets_in_range` handles this search without a solver."""
    if combination_count(size, max_pick) <= DIRECT_LIMIT:
        return True
    half = (size + 1) // 2
    return combination_count(half, max_pick) + 1 <= HALF_LIMIT


def subsets_in_range(
    amounts: np.ndarray, low: int, high: int, max_pick: int, limit: int
) -> tuple[list[tuple[int, ...]], bool]:
    """Non-empty subsets of at most ``max_pick`` positions whose amounts sum into
    ``[low, high]``.

    Returns ``(solutions, complete)``: at most ``limit`` index tuples (sorted), and whether
    they are all the solutions (False when there are more than ``limit``).
    """
    size = len(amounts)
    if size == 0 or max_pick < 1:
        return [], True
    amounts = np.asarray(amounts, dtype=np.int64)
    if combination_count(size, max_pick) <= DIRECT_LIMIT:
        return _direct(amounts, low, high, max_pick, limit)
    return _meet_in_the_middle(amounts, low, high, max_pick, limit)


def first_solutions(
    amounts: np.ndarray, solutions: list[tuple[int, ...]], max_pick: int, limit: int
) -> list[tuple[int, ...]]:
    """The ``limit`` solutions :func:`subsets_in_range` reports when it finds more than
    ``limit``, given every solution (index tuples, sorted): the first in its search order."""
    values = [int(a) for a in amounts]
    if combination_count(len(values), max_pick) <= DIRECT_LIMIT:
        return sorted(solutions, key=lambda s: (len(s), s))[:limit]  # by size, then in order
    middle = len(values) // 2

    def order(solution):  # by halves' sizes, then each half by sum, then in order
        left = tuple(i for i in solution if i < middle)
        right = tuple(i - middle for i in solution if i >= middle)
        return (len(left), len(right), sum(values[i] for i in left), left,
                sum(values[middle + i] for i in right), right)
    return sorted(solutions, key=order)[:limit]


def _direct(amounts, low, high, max_pick, limit):
    found: list[tuple[int, ...]] = []
    for pick in range(1, min(len(amounts), max_pick) + 1):
        rows = _combinations(len(amounts), pick)
        sums = amounts[rows].sum(axis=1)
        hits = rows[(sums >= low) & (sums <= high)]
        found.extend(map(tuple, hits.tolist()))
        if len(found) > limit:
            return found[:limit], False
    return found, True


def _half(amounts: np.ndarray, offset: int, max_pick: int):
    """Every subset (empty included) of one half: sums, sizes, and index rows by size."""
    per_size = []
    for pick in range(min(len(amounts), max_pick) + 1):
        rows = _combinations(len(amounts), pick)
        sums = amounts[rows].sum(axis=1) if pick else np.zeros(1, dtype=np.int64)
        order = np.argsort(sums, kind="stable")
        per_size.append((sums[order], rows[order] + offset))
    return per_size


def _meet_in_the_middle(amounts, low, high, max_pick, limit):
    middle = len(amounts) // 2
    left = _half(amounts[:middle], 0, max_pick)
    right = _half(amounts[middle:], middle, max_pick)
    matches = []  # (left rows, right rows, starts, stops) per pair of subset sizes
    total = 0
    for left_pick, (left_sums, left_rows) in enumerate(left):
        for right_pick, (right_sums, right_rows) in enumerate(right):
            if left_pick + right_pick == 0 or left_pick + right_pick > max_pick:
                continue
            starts = np.searchsorted(right_sums, low - left_sums, side="left")
            stops = np.searchsorted(right_sums, high - left_sums, side="right")
            total += int((stops - starts).sum())
            matches.append((left_rows, right_rows, starts, stops))
    found: list[tuple[int, ...]] = []
    for left_rows, right_rows, starts, stops in matches:
        for i in np.flatnonzero(stops > starts).tolist():
            for j in range(int(starts[i]), int(stops[i])):
                found.append(tuple(sorted(left_rows[i].tolist() + right_rows[j].tolist())))
                if len(found) >= limit and total > limit:
                    return found, False
    return found, True
