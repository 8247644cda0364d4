"""Exact enumeration of the subsets of a few amounts whose sum falls in a range.

Two exact methods, chosen by the size of the search: every combination at once (numpy, for
small candidate sets), and meet-in-the-middle (each half enumerated, sums sorted, ranges
found by binary search). Both count every solution, so a caller can prove that an answer is
unique. Larger searches go to CP-SAT (:mod:`lettrage.solver`).
"""
from __future__ import annotations

from functools import lru_cache
from math import comb

import numpy as np

from lettrage.arrays import stable_order

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
    if pick > size:
        return np.zeros((0, pick), dtype=np.int64)
    # In order: those starting with 0, then with 1..., each followed by a combination of
    # the elements after it.
    parts = []
    for head in range(size - pick + 1):
        rest = _combinations(size - head - 1, pick - 1) + head + 1
        parts.append(np.hstack((np.full((len(rest), 1), head, dtype=np.int64), rest)))
    rows = np.concatenate(parts)
    rows.flags.writeable = False
    return rows


def searched_directly(size: int, max_pick: int) -> bool:
    """True when :func:`subsets_in_range` lists every combination at once (else by halves)."""
    return combination_count(size, max_pick) <= DIRECT_LIMIT


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
    if searched_directly(size, max_pick):
        return _direct(amounts, low, high, max_pick, limit)
    return _meet_in_the_middle(amounts, low, high, max_pick, limit)


def first_solutions(
    amounts: np.ndarray, solutions: list[tuple[int, ...]], max_pick: int, limit: int
) -> list[tuple[int, ...]]:
    """The ``limit`` solutions :func:`subsets_in_range` reports when it finds more than
    ``limit``, given every solution (index tuples, sorted): the first in its search order."""
    values = [int(a) for a in amounts]
    if searched_directly(len(values), max_pick):
        return sorted(solutions, key=lambda s: (len(s), s))[:limit]  # by size, then in order
    middle = len(values) // 2

    def order(solution):  # by halves' sizes, then each half by sum, then in order
        left = tuple(i for i in solution if i < middle)
        right = tuple(i - middle for i in solution if i >= middle)
        return (len(left), len(right), sum(values[i] for i in left), left,
                sum(values[middle + i] for i in right), right)
    return sorted(solutions, key=order)[:limit]


@lru_cache(maxsize=512)
def _columns(size: int, pick: int) -> np.ndarray:
    """:func:`_combinations` by column (one row per position in the combination)."""
    columns = np.ascontiguousarray(_combinations(size, pick).T)
    columns.flags.writeable = False
    return columns


def _sums(amounts: np.ndarray, size: int, pick: int) -> np.ndarray:
    """The sum of the amounts of each ``pick``-element combination (a column at a time:
    several times faster than a sum along rows)."""
    if pick == 0:
        return np.zeros(1, dtype=np.int64)
    columns = _columns(size, pick)
    sums = amounts[columns[0]]
    for column in columns[1:]:
        sums += amounts[column]
    return sums


def _direct(amounts, low, high, max_pick, limit):
    found: list[tuple[int, ...]] = []
    for pick in range(1, min(len(amounts), max_pick) + 1):
        sums = _sums(amounts, len(amounts), pick)
        hits = _combinations(len(amounts), pick)[(sums >= low) & (sums <= high)]
        found.extend(map(tuple, hits.tolist()))
        if len(found) > limit:
            return found[:limit], False
    return found, True


def _half_of_size(amounts: np.ndarray, pick: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``pick``-element subsets of one half by sum (then in order): their sums, and
    their rows in :func:`_combinations` (only the few solutions' rows are ever built)."""
    sums = _sums(amounts, len(amounts), pick)
    order = stable_order(sums)
    return sums[order], order


def _half(amounts: np.ndarray, max_pick: int) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Every subset (empty included) of one half, by size, then by sum (then in order):
    sums, per size the rows in :func:`_combinations`, and the first subset of each size."""
    parts = [_half_of_size(amounts, pick) for pick in range(min(len(amounts), max_pick) + 1)]
    starts = np.cumsum([0] + [len(sums) for sums, _ in parts])
    return np.concatenate([sums for sums, _ in parts]), [order for _, order in parts], starts


def _meet_in_the_middle(amounts, low, high, max_pick, limit):
    middle = len(amounts) // 2
    right_sums, right_orders, right_starts = _half(amounts[middle:], max_pick)
    # One sorted key for the right half: its size, then its sum (sizes kept apart).
    base = int(right_sums.min())
    stride = int(right_sums.max()) - base + 1
    right_sizes = np.repeat(np.arange(len(right_starts) - 1), np.diff(right_starts))
    keys = right_sizes * stride + (right_sums - base)
    # Every pair of sizes, the left size first, then the right one, each left subset (by
    # sum) a query: the order of the solutions. Once more than ``limit`` are known, the
    # first ones are the answer.
    reported = max(limit, 1)  # too many: the first ``limit`` (at least one)
    found: list[tuple[int, ...]] = []
    total = 0
    for left_pick in range(min(middle, max_pick) + 1):
        picks = [right_pick for right_pick in range(len(right_starts) - 1)
                 if 0 < left_pick + right_pick <= max_pick]
        if not picks:
            continue
        sums, order = _half_of_size(amounts[:middle], left_pick)
        blocks = np.array(picks, dtype=np.int64)[:, None] * stride
        starts = np.searchsorted(
            keys, (blocks + np.clip(low - sums - base, 0, stride)).ravel(), side="left")
        stops = np.searchsorted(
            keys, (blocks + np.clip(high - sums - base, -1, stride - 1)).ravel(), side="right")
        spans = stops - starts
        total += int(spans.sum())
        for query in np.flatnonzero(spans).tolist():
            if len(found) >= reported and total > limit:
                break
            left = _combinations(middle, left_pick)[order[query % len(sums)]].tolist()
            right_pick = picks[query // len(sums)]
            first = int(right_starts[right_pick])  # right subsets of that size, by sum
            rights = _combinations(len(amounts) - middle, right_pick)[
                right_orders[right_pick][int(starts[query]) - first:int(stops[query]) - first]] + middle
            found.extend(tuple(left + right) for right in rights.tolist())
        if total > limit:
            return found[:reported], False
    return found, True
