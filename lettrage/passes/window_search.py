"""Every anchor of a third party searched at once: the groups of 2 to ``max_size`` lines,
the earliest of them the anchor and the others dated within its window, that net to zero
within a spread.

The per-anchor search (:mod:`lettrage.passes.subset_search`) rebuilds the subset sums of
nearly the same candidates for every anchor. Here a group of ``g`` lines, in line order, is
cut into its first ``floor(g / 2)`` lines (the *head*, which starts at the anchor) and the
others (the *tail*); heads and tails are both *windowed tuples* — lines ``x1 < ... < xk``
with ``xk`` in the window of ``x1`` — built once for the whole party. Tails are sorted by
sum, and each head finds the tails that complete it by binary search; a pair is a group
when the tail starts after the head ends and ends inside the anchor's window. Each group is
found once, by its one cut. The counts are exact, so a caller proves an answer unique as
before.

The work is bounded: anchors whose heads, tails or sum matches would cost too much are
left to the caller (``handled`` False), who searches them one by one.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from itertools import combinations
from math import comb

import numpy as np

#: Most windowed tuples built for one chunk of anchors (heads and tails of every size): few
#: enough that a chunk's arrays stay in the processor's caches (at 10^6 lines, chunks of
#: 150 000 took 10-20 % less time than of 400 000, and touched less new memory).
CHUNK_BUDGET = 150_000
#: Up to this many subsets in all, the anchors' subsets are simply listed, one by one.
LISTED_SUBSETS = 600
#: Most head-tail pairs with the right sum examined for one anchor; beyond, the anchor is
#: left to the per-anchor search (crowded amounts: it stops at its solution limit).
PAIRS_PER_ANCHOR = 4_000
#: A head with more tails of its sum than this (and no spread) looks for those that start
#: after it and can end in its window only (a binary search more: worth it when crowded).
NARROWED_SPAN = 16


_COLEX: dict[int, tuple[int, np.ndarray]] = {}


def _colex(size: int, pick: int) -> np.ndarray:
    """The ``pick``-element combinations of ``range(size)`` in colex order: those within
    ``range(j)`` are the first ``comb(j, pick)`` rows, for every ``j`` (so one table per
    ``pick``, grown when needed, serves every size)."""
    if pick == 0:
        return np.zeros((1, 0), dtype=np.int64)
    known, table = _COLEX.get(pick, (-1, None))
    if size > known:
        grown = max(size, 2 * known)
        flat = np.fromiter((i for combo in combinations(range(grown), pick) for i in combo),
                           dtype=np.int64, count=comb(grown, pick) * pick)
        rows = flat.reshape(-1, pick)
        table = rows[np.lexsort(rows.T)]  # last column is the primary key: colex
        table.flags.writeable = False
        _COLEX[pick] = (grown, table)
    return table[:comb(size, pick)]


def _comb_table(size: int, pick: int) -> np.ndarray:
    """``comb(j, pick)`` for ``j`` in ``0..size`` (at most ``2**62``: beyond any budget)."""
    return np.array([min(comb(j, pick), 1 << 62) for j in range(size + 1)], dtype=np.int64)


class _Tuples:
    """The windowed tuples of one size starting at some lines, sorted by sum: each one by
    its first and last lines (sorted positions), its other lines kept in the order they were
    made in (spelt out only for the few that match)."""

    def __init__(self, values: np.ndarray, starts: np.ndarray, room: np.ndarray, size: int,
                 base: np.ndarray | None = None):
        self.size = size
        widest = int(room.max()) if len(room) else 0
        counts = _comb_table(widest, size - 1)[room]
        total = int(counts.sum())
        first = np.repeat(starts, counts)
        lines = [first]
        if size > 1:
            # The rank of each tuple among the combinations of the lines after its first.
            within = np.arange(total)
            within -= np.repeat(np.cumsum(counts) - counts, counts)
            for column in _colex(widest, size - 1).T:
                line = (column + 1)[within]
                line += first
                lines.append(line)
        # Each part's sums apart from the others': its base counted with the first line.
        sums = (values if base is None else values + base)[first]
        for line in lines[1:]:
            sums += values[line]
        # Equal sums by first line (the order they were made in).
        self._made, self.sums = _sorted(sums)
        self.first, self.last = first[self._made], lines[-1][self._made]
        self._middle = lines[1:-1]
        self._keys: np.ndarray | None = None
        self._runs: tuple[np.ndarray, np.ndarray] | None = None

    def equal_range(self, need: np.ndarray, spread: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per ``need``, the sorted positions ``[low, high)`` of the tuples whose sum is within
        ``spread`` of it: with no spread, one binary search per run of equal needs, the end of
        the run of its sum looked up (the same as a second binary search)."""
        sums = self.sums
        if spread.any() or not len(sums):
            return (_search_runs(sums, need - spread, side="left"),
                    _search_runs(sums, need + spread, side="right"))
        bounds, rank = self.runs()

        def run_of(need: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            lows = np.searchsorted(sums, need, side="left")
            at = np.minimum(lows, len(sums) - 1)
            return lows, np.where(sums[at] == need, bounds[rank[at] + 1], lows)

        return _by_runs(need, run_of)

    def runs(self) -> tuple[np.ndarray, np.ndarray]:
        """The first sorted position of each distinct sum (and one past the last), and per
        tuple (sorted positions) the rank of its sum among them."""
        if self._runs is None:
            change = self.sums[1:] != self.sums[:-1]
            bounds = np.concatenate(([0], np.flatnonzero(change) + 1, [len(self.sums)]))
            rank = np.zeros(len(self.sums), dtype=np.int64)
            np.cumsum(change, out=rank[1:])
            self._runs = bounds, rank
        return self._runs

    def opposite_range(self, heads: np.ndarray, base: np.ndarray | None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`equal_range` with no spread of the sums that complete the tuples where
        ``heads`` (per sorted position) is true to zero (with ``base``, to twice their part's
        base): one binary search per pair of opposite sums, not per tuple. Only for the
        tuples that some tuple completes: their sorted positions, by decreasing sum, then
        their ranges."""
        bounds, rank = self.runs()
        if not len(self.sums):
            return (np.zeros(0, dtype=np.int64),) * 3
        starts = bounds[:-1]
        distinct = self.sums[starts]
        need = -distinct if base is None else 2 * base[self.first[starts]] - distinct
        # A sum's tuples complete those of its opposite exactly when those complete its own:
        # the sums up to their part's base look for their opposite, which is told.
        half = np.flatnonzero(need >= distinct)
        need = need[half]
        at = np.searchsorted(distinct, need, side="left")
        found = distinct[np.minimum(at, len(distinct) - 1)] == need
        low, high = half[found], at[found]
        opposite = np.full(len(distinct), -1, dtype=np.int64)
        opposite[low] = high
        opposite[high] = low
        opposites = opposite[rank]
        picked = np.flatnonzero(heads & (opposites >= 0))[::-1]
        at = opposites[picked]
        return picked, bounds[at], bounds[at + 1]

    def keys(self, origin: int, width: int) -> np.ndarray:
        """Per tuple (sorted positions), the rank of its sum among the distinct sums times
        ``width``, plus its first line less ``origin``: increasing, so that the tuples of one
        sum starting in a range of lines are found by binary search."""
        if self._keys is None:
            self._keys = self.runs()[1] * width + (self.first - origin)
        return self._keys

    def rows(self, picked: np.ndarray, out: np.ndarray, column: int) -> None:
        """The lines of the tuples at ``picked`` (sorted positions) into ``out``, one row
        each, from ``column`` on."""
        out[:, column] = self.first[picked]
        if self._middle:
            made = self._made[picked]
            for at, lines in enumerate(self._middle, start=column + 1):
                out[:, at] = lines[made]
        if self.size > 1:
            out[:, column + self.size - 1] = self.last[picked]


def _sorted(sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A stable order sorting ``sums``, and the sorted sums (a plain sort of sum and
    position packed in one integer when they fit: several times faster than an argsort).
    ``sums`` may be overwritten."""
    count = len(sums)
    bits = max(count - 1, 1).bit_length()
    if count and max(int(sums.max()), -int(sums.min())) < 1 << (61 - bits):
        sums <<= bits
        sums |= np.arange(count, dtype=np.int64)
        sums.sort()
        order = sums & ((1 << bits) - 1)
        sums >>= bits
        return order, sums
    order = np.argsort(sums, kind="stable")
    return order, sums[order]


def _search_runs(haystack: np.ndarray, needles: np.ndarray, side: str) -> np.ndarray:
    """``np.searchsorted(haystack, needles, side=side)``, one binary search per run of equal
    needles next to each other (heads of one sum and anchor need the same bound)."""
    return _by_runs(needles, lambda some: (np.searchsorted(haystack, some, side=side),))[0]


def _by_runs(needles: np.ndarray, find: Callable[[np.ndarray], tuple[np.ndarray, ...]]
             ) -> tuple[np.ndarray, ...]:
    """``find(needles)`` (a tuple of arrays, one number per needle each), called only on the
    first of each run of equal needles next to each other."""
    if len(needles) < 2:
        return find(needles)
    new = np.empty(len(needles), dtype=bool)
    new[0] = True
    np.not_equal(needles[1:], needles[:-1], out=new[1:])
    firsts = np.flatnonzero(new)
    lengths = np.diff(firsts, append=len(needles))
    return tuple(np.repeat(found, lengths) for found in find(needles[firsts]))


def window_subsets(
    values: np.ndarray, ends: np.ndarray, anchors: np.ndarray, spread: int | np.ndarray,
    max_size: int, *, parts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, ...]]]:
    """Search the groups anchored at ``anchors`` (positions, increasing).

    ``values`` are the amounts in cents, ``ends[i]`` one past the last line in the window of
    line ``i`` (non-decreasing). A group is the anchor and 1 to ``max_size - 1`` lines after
    it, before ``ends[anchor]``, whose amounts sum into ``[-spread, spread]`` (``spread`` one
    number, or one per line: the anchor's applies).

    ``parts`` (non-decreasing, one per line) may tell apart several third parties searched at
    once: no window crosses from one part to the next, and only the tuples of the anchor's
    part are matched (the others could only make work).

    Returns ``(handled, counts, groups)``: which anchors were searched here, how many groups
    each has, and every group of the handled anchors (sorted positions, anchor first).
    Anchors not handled are for the caller to search one by one.
    """
    handled, counts, blocks = window_groups(values, ends, anchors, spread, max_size, parts=parts)
    groups: list[tuple[int, ...]] = []
    for block in blocks:
        groups.extend(map(tuple, block.tolist()))
    return handled, counts, groups


def window_groups(
    values: np.ndarray, ends: np.ndarray, anchors: np.ndarray, spread: int | np.ndarray,
    max_size: int, *, parts: np.ndarray | None = None, enough: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """:func:`window_subsets`, the groups as blocks: arrays of one row per group (sorted
    positions, anchor first), every row of a block of the same length.

    ``enough`` (one number per line): of an anchor with more than ``enough[anchor]`` groups,
    only the first ``enough[anchor]`` in the order of a direct search (smaller groups first,
    then in order) are listed, and its larger groups may be left uncounted (its count then
    is still more than ``enough[anchor]``)."""
    size = len(values)
    values = np.asarray(values, dtype=np.int64)
    room = np.maximum(ends - np.arange(size) - 1, 0)
    handled = np.zeros(size, dtype=bool)
    counts = np.zeros(size, dtype=np.int64)
    blocks: list[np.ndarray] = []
    if not len(anchors) or max_size < 2:
        return handled, counts, blocks
    anchors = np.asarray(anchors, dtype=np.int64)
    spreads = np.broadcast_to(np.asarray(spread, dtype=np.int64), (size,))
    subsets = sum(_subset_count(int(r), max_size - 1) for r in room[anchors].tolist()) \
        if len(anchors) <= LISTED_SUBSETS else LISTED_SUBSETS + 1
    if subsets <= LISTED_SUBSETS:
        groups: list[tuple[int, ...]] = []
        _list_subsets(values, ends, anchors, spreads, max_size, handled, counts, groups, enough)
        by_length: dict[int, list[tuple[int, ...]]] = {}
        for group in groups:
            by_length.setdefault(len(group), []).append(group)
        blocks = [np.array(rows, dtype=np.int64) for _, rows in sorted(by_length.items())]
        return handled, counts, blocks
    base = _part_bases(values, spreads, parts, (max_size + 1) // 2)
    if base is False:  # sums too large to keep the parts apart: one part at a time
        cut = np.flatnonzero(parts[anchors][1:] != parts[anchors][:-1]) + 1
        for some in np.split(anchors, cut):
            done, found, more = window_groups(values, ends, some, spreads, max_size,
                                              enough=enough)
            handled |= done
            counts += found
            blocks += more
        return handled, counts, blocks
    # Heads no longer than tails: every anchor's heads search the tails, fewer searches.
    cuts = [(g // 2, (g + 1) // 2) for g in range(2, max_size + 1)]
    sizes = sorted({k for cut in cuts for k in cut})
    # Windowed tuples starting at each line, all sizes: the cost of a line as head or tail.
    widest = int(room.max())
    cost = np.zeros(size, dtype=np.int64)
    for k in sizes:
        cost += np.minimum(_comb_table(widest, k - 1)[room], CHUNK_BUDGET + 1) if k > 1 else 1
    prefix = np.concatenate(([0], np.cumsum(cost)))
    # Runs of anchors whose heads and tails fit the budget: the cost up to the end of an
    # anchor's window grows with the anchor.
    reach = prefix[ends[anchors]]
    begin = prefix[anchors]
    start = 0
    while start < len(anchors):
        stop = int(np.searchsorted(reach, begin[start] + CHUNK_BUDGET, side="right"))
        if stop <= start:
            start += 1  # one anchor alone is too costly: the caller searches it
            continue
        chunk = anchors[start:stop]
        _search_chunk(values, ends, room, chunk, spreads, cuts, handled, counts, blocks, base,
                      enough)
        start = stop
    return handled, counts, blocks


def _part_bases(values: np.ndarray, spreads: np.ndarray, parts: np.ndarray | None,
                longest: int) -> np.ndarray | None | bool:
    """Per line, a number added to the sums of the tuples it starts so that the sums of
    different parts fall in disjoint ranges (None: one part; False: too wide for int64)."""
    if parts is None or not len(parts) or parts[0] == parts[-1]:
        return None
    bound = int(np.abs(values).max()) * longest + int(spreads.max())
    stride = 2 * bound + 1
    dense = np.concatenate(([0], np.cumsum(parts[1:] != parts[:-1])))
    if stride * (int(dense[-1]) + 2) >= 1 << 62:
        return False
    return dense * stride


@lru_cache(maxsize=4096)
def _subset_count(size: int, max_pick: int) -> int:
    """How many subsets of 1 to ``max_pick`` elements a set of ``size`` has."""
    return sum(comb(size, k) for k in range(1, max_pick + 1))


def _list_subsets(values, ends, anchors, spreads, max_size, handled, counts, groups,
                  enough=None):
    """Few subsets in all: every one of them, summed in plain Python (each from the one a
    line shorter), by size, then in order; of an anchor's, the first ``enough[anchor]``
    listed (all counted)."""
    amounts = values.tolist()
    for anchor in anchors.tolist():
        need, end, spread = -amounts[anchor], int(ends[anchor]), int(spreads[anchor])
        listed = int(enough[anchor]) if enough is not None else 1 << 62
        level = [((anchor,), 0)]
        for _ in range(max_size - 1):
            level = [(lines + (j,), total + amounts[j])
                     for lines, total in level for j in range(lines[-1] + 1, end)]
            if not level:
                break
            for lines, total in level:
                if abs(total - need) <= spread:
                    counts[anchor] += 1
                    if counts[anchor] <= listed:
                        groups.append(lines)
        handled[anchor] = True


def _search_chunk(values, ends, room, chunk, spreads, cuts, handled, counts, blocks, base,
                  enough=None):
    # Windowed tuples of each size starting from the first anchor to the end of the last
    # window, sorted by sum: the tails; those starting at an anchor: the heads, by
    # decreasing sum, so that the sums they need come in increasing order (a merge).
    stop = int(ends[chunk[-1]])
    origin = int(chunk[0])
    starts = np.arange(origin, stop, dtype=np.int64)
    is_anchor = np.zeros(len(values), dtype=bool)
    is_anchor[chunk] = True
    if base is not None:
        base = base - base[int(chunk[0])]  # the chunk's keys small: a faster sort
    tuples, heads = {}, {}
    for size in sorted({k for cut in cuts for k in cut}):
        # A tuple ending past the last anchor's window is no one's tail.
        tuples[size] = _Tuples(values, starts, np.minimum(room[starts], stop - starts - 1), size,
                               base)
        if size in {head for head, _ in cuts}:
            heads[size] = is_anchor[tuples[size].first]
    # Matches by sum, per cut; an anchor with too many is left to the caller.
    matched = []
    load = np.zeros(len(values), dtype=np.int64)
    no_spread = not spreads[chunk].any()
    for head_size, tail_size in cuts:
        head, tail = tuples[head_size], tuples[tail_size]
        if head is tail and no_spread:
            # Only the heads some tail completes: most have none.
            picked, lows, highs = tail.opposite_range(heads[head_size], base)
            owners = head.first[picked]
            spread = spreads[owners]
        else:
            picked = np.flatnonzero(heads[head_size])[::-1]
            owners = head.first[picked]
            spread = spreads[owners]
            # head.sums holds the part's base once; the tail's must hold it too.
            need = -head.sums[picked] if base is None else 2 * base[owners] - head.sums[picked]
            lows, highs = tail.equal_range(need, spread)
        # Exact sums (no spread): only the tails of that sum that start after the head, and
        # early enough to end inside the anchor's window.
        exact = np.flatnonzero((spread == 0) & (highs - lows > NARROWED_SPAN))
        if len(exact):
            width = stop - origin + 1
            keys = tail.keys(origin, width)
            rank = (keys[lows[exact]] // width) * width
            lows[exact] = _search_runs(
                keys, rank + head.last[picked[exact]] + 1 - origin, side="left")
            highs[exact] = _search_runs(
                keys, rank + ends[owners[exact]] - tail_size - origin, side="right")
        spans = np.maximum(highs - lows, 0)
        hit = np.flatnonzero(spans)
        anchors = owners[hit]
        load += np.bincount(anchors, weights=spans[hit], minlength=len(values)).astype(np.int64)
        matched.append((head, tail, picked[hit], anchors, lows[hit], spans[hit]))
    crowded = load > PAIRS_PER_ANCHOR
    handled[chunk] = ~crowded[chunk]
    # By size (the cuts' order): an anchor with more than enough smaller groups is done.
    for head, tail, picked, anchors, lows, spans in matched:
        keep = ~crowded[anchors]
        if enough is not None:
            keep &= counts[anchors] <= enough[anchors]
        if not keep.any():
            continue
        picked, anchors, lows, spans = picked[keep], anchors[keep], lows[keep], spans[keep]
        pair_heads, pair_tails = _fitting_pairs(head.last[picked], ends[anchors], lows, spans,
                                                tail.first, tail.last)
        pair_heads = picked[pair_heads]
        if len(pair_heads):
            rows = np.empty((len(pair_heads), head.size + tail.size), dtype=np.int64)
            head.rows(pair_heads, rows, 0)
            tail.rows(pair_tails, rows, head.size)
            found = np.bincount(rows[:, 0], minlength=len(values))
            if enough is not None:
                rows = _first_rows(rows, found, enough - counts)
            counts += found
            blocks.append(rows)


def _first_rows(rows: np.ndarray, found: np.ndarray, room: np.ndarray) -> np.ndarray:
    """``rows`` (groups of one size, anchor first, ``found[a]`` of anchor ``a``) less those
    after the first ``room[a]`` of their anchor in order (all kept where there is room)."""
    anchors = rows[:, 0]
    over = found[anchors] > room[anchors]
    if not over.any():
        return rows
    first = _lex_sorted(rows[over])
    first = first[_rank_in_run(first[:, 0]) < room[first[:, 0]]]
    return np.concatenate((rows[~over], first))


def _lex_sorted(rows: np.ndarray) -> np.ndarray:
    """``rows`` (groups, anchor first, then the lines after it in order) sorted: by anchor,
    then by lines (one sort of integers packing each row, when they fit)."""
    anchors = rows[:, 0]
    relative = rows[:, 1:] - anchors[:, None]
    line_bits = max(int(relative.max()), 1).bit_length()
    shift = line_bits * relative.shape[1]
    if int(anchors.max()).bit_length() + shift > 62:
        return rows[np.lexsort(rows.T[::-1])]
    key = anchors << shift
    for at, column in enumerate(relative.T, start=1):
        key |= column << (shift - line_bits * at)
    key.sort()
    out = np.empty_like(rows)
    out[:, 0] = key >> shift
    mask = (1 << line_bits) - 1
    for at in range(1, rows.shape[1]):
        out[:, at] = out[:, 0] + ((key >> (shift - line_bits * at)) & mask)
    return out


def _rank_in_run(keys: np.ndarray) -> np.ndarray:
    """Per element of ``keys`` (equal ones together), how many equal ones come before it."""
    positions = np.arange(len(keys))
    new = np.ones(len(keys), dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    return positions - np.maximum.accumulate(np.where(new, positions, 0))


def _fitting_pairs(head_last: np.ndarray, head_end: np.ndarray, lows: np.ndarray,
                   spans: np.ndarray, tail_first: np.ndarray,
                   tail_last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (head, tail) pairs, head ``i`` with the tails at ``lows[i]`` to
    ``lows[i] + spans[i] - 1``, whose tail follows the head (first line after ``head_last``)
    and ends inside the anchor's window (last line before ``head_end``): head indices and
    tail positions. Only the pairs that fit are spelt out in full."""
    total = int(spans.sum())
    offsets = np.cumsum(spans)
    pair_tails = np.arange(total, dtype=np.int64)
    pair_tails += np.repeat(lows - offsets + spans, spans)
    fits = tail_first[pair_tails] > np.repeat(head_last, spans)
    fits &= tail_last[pair_tails] < np.repeat(head_end, spans)
    fits = np.flatnonzero(fits)
    return np.searchsorted(offsets, fits, side="right"), pair_tails[fits]
