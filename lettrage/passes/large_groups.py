"""One line settled by many: a payment for many invoices, or an invoice paid in many parts,
beyond the size the general subset search enumerates.

For each anchor line, a dynamic programme over cents — two bitsets, "reachable at least
once" and "reachable at least twice" — counts the subsets of the opposite-sign lines of its
window that sum to the anchor's amount. Only a subset that is the *only* one is a candidate;
an anchor with two or more, or too many lines or cents to search, makes every line of its
window *contested*: no large group through them is lettered.
"""
from __future__ import annotations

import numpy as np

#: Most opposite-sign lines searched for one anchor.
MAX_ITEMS = 40
#: Largest amount searched, in cents (the bitsets hold one bit per cent).
MAX_TARGET = 5_000_000


def unique_subset(
    items: list[int], target: int, large: int | None = None
) -> tuple[list[int] | None, bool]:
    """The positions of the only subset of ``items`` (positive cents) summing to
    ``target``; ``(None, True)`` when there are several, ``(None, False)`` when none.

    With ``large``, several answers count only when one of them has at least ``large``
    items (smaller ones are the general search's to judge): otherwise ``(None, False)``.
    """
    mask = (1 << (target + 1)) - 1
    once, twice = 1, 0
    prefixes = [once]
    by_size = [1] + [0] * (large or 0)  # exact sizes 0..large-1, then "large or more"
    for amount in items:
        shifted = (once << amount) & mask
        twice = (twice | ((twice << amount) & mask) | (once & shifted)) & mask
        once = once | shifted
        prefixes.append(once)
        if large:
            top = by_size[large] | ((by_size[large] << amount) & mask) \
                | ((by_size[large - 1] << amount) & mask)
            for size in range(large - 1, 0, -1):
                by_size[size] |= (by_size[size - 1] << amount) & mask
            by_size[large] = top
    if (twice >> target) & 1:
        if large and not (by_size[large] >> target) & 1:
            return None, False
        return None, True
    if not (once >> target) & 1:
        return None, False
    chosen: list[int] = []
    remaining = target
    for position in range(len(items) - 1, -1, -1):
        before = prefixes[position]
        if (before >> remaining) & 1:
            continue  # formed without this item
        chosen.append(position)
        remaining -= items[position]
    assert remaining == 0
    return sorted(chosen), False


def one_for_many(
    values: np.ndarray, days: np.ndarray, window: int, large: int
) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """For every anchor settled by exactly one subset of the opposite-sign lines of its
    window, that group (anchor included, any size); and the mask of contested lines: the
    windows of anchors with several answers, one of them of ``large`` lines or more besides
    the anchor (rivals the general search cannot see).

    Every one-for-many group with a unique answer is listed, whatever its size, so that a
    caller can check a large group against its rivals of the same shape."""
    size = len(values)
    contested = np.zeros(size, dtype=bool)
    found: list[tuple[int, ...]] = []
    for anchor in range(size):
        value = int(values[anchor])
        near = np.flatnonzero((np.abs(days - days[anchor]) <= window)
                              & (np.sign(values) == -np.sign(value)))
        near = near[np.abs(values[near]) <= abs(value)]
        if not len(near):
            continue
        if len(near) > MAX_ITEMS or abs(value) > MAX_TARGET:
            contested[anchor] = True
            contested[near] = True
            continue
        chosen, several = unique_subset(np.abs(values[near]).astype(int).tolist(), abs(value),
                                        large)
        if several:
            contested[anchor] = True
            contested[near] = True
        elif chosen is not None:
            found.append(tuple(sorted([anchor, *near[chosen].tolist()])))
    return found, contested
