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
from functools import lru_cache

import numpy as np

from lettrage.arrays import distinct

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
#: Up to this many items, the anchors' searches are done together by halves, every subset's
#: sum of each half listed in one array per number of items.
ARRAY_ITEMS = 26
#: Most subset sums of one half listed in one array.
ARRAY_SUMS = 1 << 16


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
    contested = np.zeros(len(values), dtype=bool)
    found: list[tuple[int, ...]] = []
    _search_anchors(_Lines(values, firsts, lasts), np.arange(len(values)), large, False, found,
                    contested)
    return found, contested


def large_ones_within(
    values: np.ndarray, firsts: np.ndarray, lasts: np.ndarray, large: int
) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """:func:`one_for_many_within`, but of the groups of fewer than ``large`` lines besides
    the anchor only those that share a line with a larger one (all the rivals a caller
    checking the large groups needs): the anchors that cannot have a large answer are
    searched only when their window holds a line of a large group."""
    lines = _Lines(values, firsts, lasts)
    contested = np.zeros(len(values), dtype=bool)
    found: list[tuple[int, ...]] = []
    _search_anchors(lines, np.arange(len(values)), large, bool(large), found, contested)
    if not large:
        return found, contested  # every anchor was searched
    touched = np.zeros(len(values), dtype=np.int64)
    touched[[row for rows in found if len(rows) > large for row in rows]] = 1
    if touched.any():
        # Every answer of the anchors whose window holds a line of a large group (again for
        # those searched already: a group found twice is the same group).
        held = np.concatenate(([0], np.cumsum(touched)))
        rivals = np.flatnonzero(held[lines.lasts] > held[lines.firsts])
        _search_anchors(lines, rivals, large, False, found, contested)
    return found, contested


class _Lines:
    """What the search of each anchor reads: per line, its sign, magnitude (as an array and
    a list) and window ``firsts`` to ``lasts - 1``."""

    def __init__(self, values: np.ndarray, firsts: np.ndarray, lasts: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.int64)
        self.signs, self.magnitudes = np.sign(values), np.abs(values)
        self.magnitude_list = self.magnitudes.tolist()
        self.firsts = np.asarray(firsts, dtype=np.int64)
        self.lasts = np.asarray(lasts, dtype=np.int64)
        self.lengths = np.maximum(self.lasts - self.firsts, 0)


def _search_anchors(lines: _Lines, anchors: np.ndarray, large: int, reaching: bool,
                    found: list[tuple[int, ...]], contested: np.ndarray) -> None:
    """Search the ``anchors`` (ascending) in blocks whose windows hold a bounded number of
    lines in all; only those that may have an answer of ``large`` items or more when
    ``reaching`` (the contested ones all noted)."""
    reach = np.cumsum(lines.lengths[anchors])
    start = 0
    while start < len(anchors):
        before = int(reach[start - 1]) if start else 0
        stop = max(int(np.searchsorted(reach, before + PAIRS_PER_BLOCK, side="right")),
                   start + 1)
        _one_for_many_block(lines, anchors[start:stop], large, reaching, found, contested)
        start = stop


def _one_for_many_block(lines, anchors, large, reaching, found, contested):
    """:func:`_search_anchors` for the ``anchors`` of one block: the lines of their windows
    of the other sign and no larger, all at once; then each anchor's search."""
    signs, magnitudes, magnitude_list = lines.signs, lines.magnitudes, lines.magnitude_list
    count = lines.lengths[anchors]
    offsets = np.repeat(np.arange(len(anchors)), count)
    near = (np.arange(len(offsets)) - np.repeat(np.cumsum(count) - count, count)
            + np.repeat(lines.firsts[anchors], count))
    keep = (signs[near] == -signs[anchors[offsets]]) & (magnitudes[near] <= magnitudes[anchors[offsets]])
    offsets, near = offsets[keep], near[keep]
    items = np.bincount(offsets, minlength=len(anchors))
    bounds = np.concatenate(([0], np.cumsum(items)))
    totals = np.concatenate(([0], np.cumsum(magnitudes[near])))
    totals = totals[bounds[1:]] - totals[bounds[:-1]]
    target = magnitudes[anchors]
    # Too many lines or cents to search: the anchor and its lines are contested.
    over = (items > 0) & ((items > MAX_ITEMS) | (target > MAX_TARGET))
    if over.any():
        contested[anchors[over]] = True
        contested[near[over[offsets]]] = True
    # Fewer cents than the anchor's in all: nothing to find.
    search = (items > 0) & ~over & (totals >= target)
    if reaching:
        search &= items >= large
    few = search & (items <= ARRAY_ITEMS)
    for count in distinct(items[few]).tolist():
        _unique_subsets(np.flatnonzero(few & (items == count)), count, magnitudes, near, bounds,
                        target, anchors, large, reaching, found, contested)
    near_list, bound_list = near.tolist(), bounds.tolist()
    for offset in np.flatnonzero(search & ~few).tolist():
        anchor, magnitude = int(anchors[offset]), magnitude_list[int(anchors[offset])]
        window = near_list[bound_list[offset]:bound_list[offset + 1]]
        amounts = [magnitude_list[j] for j in window]
        if reaching and sum(sorted(amounts)[:large]) > magnitude:
            continue  # no answer of ``large`` items or more
        _record(anchor, window, unique_subset(amounts, magnitude, large), found, contested)


def _unique_subsets(offsets, count, magnitudes, near, bounds, target, anchors, large,
                    reaching, found, contested):
    """:func:`unique_subset` for the anchors ``anchors[offsets]``, each with ``count`` items
    (the lines ``near[bounds[o]:bounds[o + 1]]``), all at once by halves: every subset's sum
    of each half listed, the second half's sorted, and the complement of each sum of the
    first half looked up in it. When ``reaching``, only the anchors whose ``large`` smallest
    items do not exceed their amount (the others have no large answer)."""
    if reaching:
        lines = near[bounds[offsets][:, None] + np.arange(count)]
        smallest = np.sort(magnitudes[lines], axis=1)[:, :large].sum(axis=1)
        offsets = offsets[smallest <= target[offsets]]
    middle = count // 2
    step = max(ARRAY_SUMS >> (count - middle), 1)
    for first in range(0, len(offsets), step):
        some = offsets[first:first + step]
        lines = near[bounds[some][:, None] + np.arange(count)]
        goals = target[some]
        keys = _SortedHalf(magnitudes[lines[:, middle:]], goals)
        if not keys.fits:  # amounts too large to pack: one anchor at a time
            for anchor, offset, row in zip(anchors[some].tolist(), some.tolist(), lines.tolist()):
                _record(anchor, row, unique_subset(magnitudes[row].tolist(),
                                                           int(target[offset]), large),
                        found, contested)
            continue
        needs = goals[:, None] - _subset_sums(magnitudes[lines[:, :middle]])
        lows, highs = keys.equal_range(needs)
        answers = (highs - lows).sum(axis=1)
        several = answers >= 2
        if large:  # several answers count only when one of them is large
            sizes = np.where(highs > lows, _subset_sizes(middle) + keys.size_at(highs - 1), -1)
            several &= sizes.max(axis=1) >= large
        for row in np.flatnonzero(several).tolist():
            contested[anchors[some[row]]] = True
            contested[lines[row]] = True
        unique = np.flatnonzero(answers == 1)
        left = (highs[unique] > lows[unique]).argmax(axis=1)
        chosen = left | keys.subset_at(lows[unique, left]) << middle
        _add_groups(anchors[some[unique]], lines[unique], chosen, found)


def _add_groups(anchors: np.ndarray, lines: np.ndarray, chosen: np.ndarray,
                found: list[tuple[int, ...]]) -> None:
    """Add to ``found`` each anchor's group: the anchor and the lines of its row of ``lines``
    whose bit is set in ``chosen`` (one subset number per row), as sorted tuples."""
    picked = (chosen[:, None] >> np.arange(lines.shape[1])) & 1 == 1
    sizes = picked.sum(axis=1)
    for size in distinct(sizes).tolist():
        rows = np.flatnonzero(sizes == size)
        members = lines[rows][picked[rows]].reshape(len(rows), size)
        groups = np.sort(np.hstack((anchors[rows, None], members)), axis=1)
        found.extend(map(tuple, groups.tolist()))


def _record(anchor, lines, answer, found, contested):
    """Note :func:`unique_subset`'s ``answer`` for ``anchor`` and the ``lines`` it searched."""
    chosen, several = answer
    if several:
        contested[anchor] = True
        contested[lines] = True
    elif chosen is not None:
        found.append(tuple(sorted([anchor, *(lines[j] for j in chosen)])))


def _subset_sums(amounts: np.ndarray) -> np.ndarray:
    """Per row of ``amounts``, the sum of every subset of its items: subset number ``k``
    holds item ``j`` when bit ``j`` of ``k`` is set (the empty one first)."""
    rows, count = amounts.shape
    sums = np.zeros((rows, 1 << count), dtype=np.int64)
    for j in range(count):
        width = 1 << j
        np.add(sums[:, :width], amounts[:, j:j + 1], out=sums[:, width:2 * width])
    return sums


@lru_cache(maxsize=64)
def _subset_sizes(count: int) -> np.ndarray:
    """The number of items of each subset of ``count`` items, numbered as by
    :func:`_subset_sums` (read-only)."""
    sizes = np.zeros(1 << count, dtype=np.int64)
    for j in range(count):
        width = 1 << j
        np.add(sizes[:width], 1, out=sizes[width:2 * width])
    sizes.flags.writeable = False
    return sizes


class _SortedHalf:
    """The subsets of the items of each row, sorted by (row, sum, size, number), packed in
    one integer each: the sums clipped one above the row's goal (no answer is larger)."""

    def __init__(self, amounts: np.ndarray, goals: np.ndarray) -> None:
        rows, count = amounts.shape
        self._number_bits = count
        self._size_bits = count.bit_length()
        self._sum_shift = self._number_bits + self._size_bits
        self._row_shift = self._sum_shift + (int(goals.max()) + 1).bit_length()
        self.fits = self._row_shift + max(rows - 1, 1).bit_length() <= 62
        if not self.fits:
            return
        sums = np.minimum(_subset_sums(amounts), goals[:, None] + 1)
        keys = sums << self._sum_shift
        keys |= (_subset_sizes(count) << self._number_bits) | np.arange(1 << count)
        keys |= np.arange(rows, dtype=np.int64)[:, None] << self._row_shift
        self._keys = np.sort(keys, axis=1).ravel()

    def equal_range(self, needs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per sum needed (one row of ``needs`` per row), the positions ``[low, high)`` of
        the subsets of its row with that sum (none for a negative need)."""
        rows = np.broadcast_to(np.arange(len(needs), dtype=np.int64)[:, None], needs.shape)
        valid = np.flatnonzero(needs >= 0)
        queries = rows.ravel()[valid] << self._row_shift
        needs = needs.ravel()[valid] << self._sum_shift
        lows, highs = np.zeros((2, rows.size), dtype=np.int64)
        lows[valid] = np.searchsorted(self._keys, queries | needs)
        highs[valid] = np.searchsorted(self._keys, queries | (needs + (1 << self._sum_shift)))
        return lows.reshape(rows.shape), highs.reshape(rows.shape)

    def size_at(self, positions: np.ndarray) -> np.ndarray:
        """The number of items of the subsets at ``positions``."""
        return (self._keys[positions] >> self._number_bits) & ((1 << self._size_bits) - 1)

    def subset_at(self, positions: np.ndarray) -> np.ndarray:
        """The subset numbers (see :func:`_subset_sums`) of the subsets at ``positions``."""
        return self._keys[positions] & ((1 << self._number_bits) - 1)
