"""One line settled by many: a payment for many invoices, or an invoice paid in many parts,
beyond the size the general subset search enumerates.

For each anchor line, a dynamic programme over cents — two bitsets, "reachable at least
once" and "reachable at least twice" — counts the subsets of the opposite-sign lines of its
window that sum to the anchor's amount. Only a subset that is the *only* one is a candidate;
an anchor with two or more, or too many lines or cents to search, makes every line of its
window *contested*: no large group through them is lettered.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

#: Most opposite-sign lines searched for one anchor.
MAX_ITEMS = 40
#: Largest amount searched, in cents (the bitsets hold one bit per cent).
MAX_TARGET = 5_000_000
#: Up to this many items, every subset's sum is listed instead (cheaper than the bitsets).
SMALL_ITEMS = 6
#: Up to this many items, every subset's sum of each half is listed (cheaper than the bitsets).
HALVES_ITEMS = 16
#: Most (line, line of its window) pairs looked at in one array operation.
PAIRS_PER_BLOCK = 1 << 21
#: Up to this many items, the anchors' searches are done together, every subset's sum listed
#: in one array per number of items.
ARRAY_ITEMS = 12
#: Most subset sums listed in one array.
ARRAY_SUMS = 1 << 22


def unique_subset(
    items: list[int], target: int, large: int | None = None
) -> tuple[list[int] | None, bool]:
    """The positions of the only subset of ``items`` (positive cents) summing to
    ``target``; ``(None, True)`` when there are several, ``(None, False)`` when none.

    With ``large``, several answers count only when one of them has at least ``large``
    items (smaller ones are the general search's to judge): otherwise ``(None, False)``.
    """
    total = sum(items)
    if total < target:
        return None, False
    if total == target and target > 0:  # every item and only they (amounts are positive)
        return list(range(len(items))), False
    if len(items) <= SMALL_ITEMS:
        return _every_subset(items, target, large)
    if len(items) <= HALVES_ITEMS:
        return _by_halves(items, target, large)
    # Bit r of a state: some subset leaves r cents of the target to find (bit 0: reached).
    # Adding an item shifts right, which drops the subsets that overshoot; the bits above
    # what the items still to come add up to are dropped too. Largest items first: the
    # states shrink soonest.
    order = sorted(range(len(items)), key=lambda j: -items[j])
    amounts = [items[j] for j in order]
    left = total
    once, twice = 1 << target, 0
    prefixes = [once]
    for amount in amounts:
        left -= amount
        shifted = once >> amount
        twice |= (twice >> amount) | (once & shifted)
        once |= shifted
        if left < target:
            keep = (1 << (left + 1)) - 1
            once &= keep
            twice &= keep
        prefixes.append(once)
    if twice & 1:
        if large and not _large_reaches(items, target, large):
            return None, False
        return None, True
    if not once & 1:
        return None, False
    chosen: list[int] = []
    remaining = target
    for position in range(len(amounts) - 1, -1, -1):
        before = prefixes[position]
        if (before >> (target - remaining)) & 1:
            continue  # formed without this item
        chosen.append(order[position])
        remaining -= amounts[position]
    assert remaining == 0
    return sorted(chosen), False


def _every_subset(
    items: list[int], target: int, large: int | None
) -> tuple[list[int] | None, bool]:
    """:func:`unique_subset` by listing the sums of every subset (a few items)."""
    sums = [0]
    for amount in items:  # subset number k holds item j when bit j of k is set
        sums += [total + amount for total in sums]
    hits = [subset for subset, total in enumerate(sums) if total == target]
    if len(hits) >= 2:
        if large and all(subset.bit_count() < large for subset in hits):
            return None, False
        return None, True
    if not hits:
        return None, False
    return [j for j in range(len(items)) if hits[0] >> j & 1], False


def _by_halves(
    items: list[int], target: int, large: int | None
) -> tuple[list[int] | None, bool]:
    """:func:`unique_subset` by listing the sums of every subset of each half, and matching
    them (a dozen items)."""
    middle = len(items) // 2
    left, right = [0], [0]
    for amount in items[:middle]:  # subset number k holds item j when bit j of k is set
        left += [total + amount for total in left]
    for amount in items[middle:]:
        right += [total + amount for total in right]
    counts = Counter(right)
    hits = [(k, target - total) for k, total in enumerate(left) if target - total in counts]
    answers = sum(counts[need] for _, need in hits)
    if answers >= 2:
        if large and not _large_reaches(items, target, large):
            return None, False
        return None, True
    if not answers:
        return None, False
    k, need = hits[0]
    chosen = k | right.index(need) << middle
    return [j for j in range(len(items)) if chosen >> j & 1], False


def _large_reaches(items: list[int], target: int, large: int) -> bool:
    """True when a subset of at least ``large`` items sums to ``target``."""
    if len(items) < large or sum(sorted(items)[:large]) > target:
        return False
    # As in unique_subset, bit r: r cents left to find; by exact size, then "large or more";
    # largest items first, and the bits above what the items to come can add dropped.
    amounts = sorted(items, reverse=True)
    left = sum(amounts)
    by_size = [1 << target] + [0] * large
    for amount in amounts:
        left -= amount
        by_size[large] |= (by_size[large] >> amount) | (by_size[large - 1] >> amount)
        if by_size[large] & 1:
            return True
        for size in range(large - 1, 0, -1):
            by_size[size] |= by_size[size - 1] >> amount
        if left < target:
            keep = (1 << (left + 1)) - 1
            by_size = [state & keep for state in by_size]
    return False


def one_for_many(
    values: np.ndarray, days: np.ndarray, window: int, large: int
) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """For every anchor settled by exactly one subset of the opposite-sign lines of its
    window, that group (anchor included, any size); and the mask of contested lines: the
    windows of anchors with several answers, one of them of ``large`` lines or more besides
    the anchor (rivals the general search cannot see).

    Every one-for-many group with a unique answer is listed, whatever its size, so that a
    caller can check a large group against its rivals of the same shape."""
    firsts = np.searchsorted(days, days - window, side="left")
    lasts = np.searchsorted(days, days + window, side="right")
    return one_for_many_within(values, firsts, lasts, large)


def one_for_many_within(
    values: np.ndarray, firsts: np.ndarray, lasts: np.ndarray, large: int
) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """:func:`one_for_many`, the window of each line given: lines ``firsts[i]`` to
    ``lasts[i] - 1`` (several third parties may so be searched at once)."""
    size = len(values)
    contested = np.zeros(size, dtype=bool)
    found: list[tuple[int, ...]] = []
    values = np.asarray(values, dtype=np.int64)
    firsts = np.asarray(firsts, dtype=np.int64)
    signs, magnitudes = np.sign(values), np.abs(values)
    magnitude_list = magnitudes.tolist()
    # Blocks of anchors whose windows hold a bounded number of lines in all.
    lengths = np.maximum(np.asarray(lasts, dtype=np.int64) - firsts, 0)
    reach = np.cumsum(lengths)
    start = 0
    while start < size:
        stop = max(int(np.searchsorted(reach, reach[start] - lengths[start] + PAIRS_PER_BLOCK,
                                       side="right")), start + 1)
        _one_for_many_block(signs, magnitudes, magnitude_list, firsts, lengths, start, stop, large,
                            found, contested)
        start = stop
    return found, contested


def _one_for_many_block(signs, magnitudes, magnitude_list, firsts, lengths, start, stop, large,
                        found, contested):
    """:func:`one_for_many_within` for the anchors ``start`` to ``stop - 1``: the lines of
    their windows of the other sign and no larger, all at once; then each anchor's search."""
    count = lengths[start:stop]
    anchors = np.repeat(np.arange(start, stop), count)
    near = (np.arange(len(anchors)) - np.repeat(np.cumsum(count) - count, count)
            + np.repeat(firsts[start:stop], count))
    keep = (signs[near] == -signs[anchors]) & (magnitudes[near] <= magnitudes[anchors])
    anchors, near = anchors[keep], near[keep]
    bounds = np.searchsorted(anchors, np.arange(start, stop + 1))
    items = np.bincount(anchors - start, minlength=stop - start)
    totals = np.concatenate(([0], np.cumsum(magnitudes[near])))
    totals = totals[bounds[1:]] - totals[bounds[:-1]]
    target = magnitudes[start:stop]
    # Too many lines or cents to search: the anchor and its lines are contested.
    over = (items > 0) & ((items > MAX_ITEMS) | (target > MAX_TARGET))
    if over.any():
        contested[start + np.flatnonzero(over)] = True
        contested[near[over[anchors - start]]] = True
    # Fewer cents than the anchor's in all: nothing to find.
    search = (items > 0) & ~over & (totals >= target)
    few = search & (items <= ARRAY_ITEMS)
    for count in np.unique(items[few]).tolist():
        _unique_subsets(np.flatnonzero(few & (items == count)), count, magnitudes, near, bounds,
                        target, start, large, found, contested)
    near_list, bound_list = near.tolist(), bounds.tolist()
    for offset in np.flatnonzero(search & ~few).tolist():
        anchor, magnitude = start + offset, magnitude_list[start + offset]
        lines = near_list[bound_list[offset]:bound_list[offset + 1]]
        chosen, several = unique_subset([magnitude_list[j] for j in lines], magnitude, large)
        if several:
            contested[anchor] = True
            contested[lines] = True
        elif chosen is not None:
            found.append(tuple(sorted([anchor, *(lines[j] for j in chosen)])))


def _unique_subsets(offsets, count, magnitudes, near, bounds, target, start, large, found,
                    contested):
    """:func:`unique_subset` for the anchors ``start + offsets``, each with ``count`` items
    (the lines ``near[bounds[o]:bounds[o + 1]]``): every subset's sum listed at once."""
    subsets = np.arange(1 << count)
    sizes = np.zeros(1 << count, dtype=np.int64)
    for j in range(count):  # subset number k holds item j when bit j of k is set
        sizes += (subsets >> j) & 1
    step = max(ARRAY_SUMS >> count, 1)
    for first in range(0, len(offsets), step):
        some = offsets[first:first + step]
        lines = near[bounds[some][:, None] + np.arange(count)]
        sums = np.zeros((len(some), 1), dtype=np.int64)
        for j in range(count):
            sums = np.hstack((sums, sums + magnitudes[lines[:, j]][:, None]))
        hits = sums == target[some][:, None]
        answers = hits.sum(axis=1)
        several = answers >= 2
        if large:  # several answers count only when one of them is large
            several &= np.where(hits, sizes, -1).max(axis=1) >= large
        for row in np.flatnonzero(several).tolist():
            contested[start + some[row]] = True
            contested[lines[row]] = True
        unique = np.flatnonzero(answers == 1)
        chosen = hits[unique].argmax(axis=1)
        for anchor, row, subset in zip((start + some[unique]).tolist(), unique.tolist(),
                                       chosen.tolist()):
            picked = [int(lines[row, j]) for j in range(count) if subset >> j & 1]
            found.append(tuple(sorted([anchor, *picked])))
