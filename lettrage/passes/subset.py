"""Subset pass: groups of lines that net to zero — one payment for several invoices,
instalments, N:M, credit notes — or to a gap the tolerance allows, or, in a foreign currency,
to zero in that currency.

For each third party, every open line is the *anchor* of a search among the lines dated
within the party's window after it: the subsets (up to ``max_group_size`` lines) that net to
zero with it. Each group is so found once, from its earliest line. Searches are exact and
count their solutions (see :mod:`lettrage.passes.subset_search`; CP-SAT for crowded ones);
a search that cannot finish marks its lines *unsure*, and they go to review.

A group is lettered only when it is *safe*: for each of its lines, no other admissible group
through that line is as good (exact beats a gap; references agreeing beat none, and
references leaving fewer of the group's lines unlinked beat more; one settlement for several
invoices, or one invoice for several settlements, beats several against several). Ties — situation 16 — letter nothing, and so does a group of several against
several whose references link half of its lines or fewer. A group is inadmissible when one of its lines cites documents
none of which is in the group (evidence against it).

:func:`subset_pass` searches every third party at once (:func:`_search_parties`): one window
search, one judgement, one one-for-many search over all their lines, with numpy; only the
choice of the safe groups is made party by party. :func:`search_party` is the same on one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from lettrage.arrays import distinct, packed_keys
from lettrage.passes.base import PassOutput
from lettrage.passes.large_groups import large_ones_within
from lettrage.passes.subset_search import (
    can_enumerate,
    searched_directly,
    subsets_in_range,
)
from lettrage.passes.window_search import window_groups
from lettrage.solver import SearchStatus, enumerate_subsets

MAX_CROWDED_SEARCHES_PER_PARTY = 20
#: After this many searches of one third party reach the solver's limit, its other crowded
#: searches are not tried: their lines go to review.
MAX_TIMEOUTS_PER_PARTY = 2
#: Beyond this many candidates, a search is not even tried with CP-SAT: its lines are unsure.
MAX_SOLVER_CANDIDATES = 200
#: Third parties are searched together in blocks of at most this many open lines (a larger
#: third party alone): at 10^6 lines, one worker's whole subset pass at once took 185 MB.
MAX_ROWS_PER_SEARCH = 30_000


@dataclass(frozen=True)
class SubsetSettings:
    """What the subset pass needs of :class:`lettrage.Settings` (cents, days, seconds)."""

    tolerance: int = 0
    tolerance_pct: Decimal = Decimal(0)
    max_group_size: int = 6
    max_solutions: int = 16
    solve_time_limit: float = 0.5


class Group(NamedTuple):  # a tuple: thousands are made, a frozen dataclass costs more
    """A group the pass letters: data line numbers, gap in company currency, and why."""

    lines: tuple[int, ...]
    gap: int
    currency: str
    reason: str


@dataclass
class PartyOutcome:
    groups: list[Group] = field(default_factory=list)
    ambiguous: list[tuple[tuple[int, ...], int]] = field(default_factory=list)
    unsure: list[int] = field(default_factory=list)
    timeouts: int = 0


class _Candidate(NamedTuple):  # a tuple: tens of thousands are made, a dataclass costs more
    rows: tuple[int, ...]
    gap: int  # in the matching currency
    eur_gap: int
    rank: tuple[int, int, int, int]  # lower is better: see _judge


def allowed_gap(base: int, settings: SubsetSettings) -> int:
    """The gap a group may leave: the absolute tolerance plus the percentage of ``base``,
    the larger of its debit and credit totals (its invoices), in cents."""
    return settings.tolerance + int(settings.tolerance_pct * abs(base) / 100)


def search_party(
    lines: np.ndarray,
    values: np.ndarray,
    eur: np.ndarray,
    days: np.ndarray,
    window: int,
    evidence: Evidence,
    settings: SubsetSettings,
    *,
    currency: str = "",
    held: np.ndarray | None = None,
) -> PartyOutcome:
    """Letter what is safe among the open lines of one third party (one currency).

    ``values`` are the amounts matched (cents of the company currency, or of the foreign
    ``currency`` when one is given), ``eur`` the company-currency amounts, ``days`` the dates as
    day numbers; all sorted by (date, line). ``held`` lines (an aggregated opening balance)
    are searched like the others but never lettered: their groups are rivals only.
    """
    size = len(lines)
    parties = _Parties(
        lines=np.asarray(lines, dtype=np.int64), values=np.asarray(values, dtype=np.int64),
        eur=np.asarray(eur, dtype=np.int64), days=np.asarray(days, dtype=np.int64),
        held=np.zeros(size, dtype=bool) if held is None else np.asarray(held, dtype=bool),
        starts=np.zeros(1, dtype=np.int64), windows=np.array([window], dtype=np.int64),
        currencies=[currency])
    return _search_parties(parties, evidence, settings)[0]


@dataclass(frozen=True)
class _Parties:
    """The open lines of several third parties (one currency each), sorted by (third party,
    currency, date, line): part ``k`` is rows ``starts[k]`` to the next start. Per row: line
    numbers, amounts matched (``values``), company-currency amounts, day numbers, held; per
    part: the window and the currency ("" for the company's)."""

    lines: np.ndarray
    values: np.ndarray
    eur: np.ndarray
    days: np.ndarray
    held: np.ndarray
    starts: np.ndarray
    windows: np.ndarray
    currencies: list[str]

    @property
    def part(self) -> np.ndarray:
        """The part of each row."""
        bounds = np.append(self.starts, len(self.lines))
        return np.repeat(np.arange(len(self.starts), dtype=np.int64), np.diff(bounds))


def _search_in_blocks(parties: _Parties, evidence: Evidence, settings: SubsetSettings) -> list[PartyOutcome]:
    """:func:`_search_parties` on blocks of consecutive parts of at most
    :data:`MAX_ROWS_PER_SEARCH` rows (a larger part alone): the search's arrays grow with the
    rows searched at once, its results are per part."""
    bounds = np.append(parties.starts, len(parties.lines))
    outcomes: list[PartyOutcome] = []
    first = 0
    while first < len(parties.starts):
        last = max(first + 1, int(np.searchsorted(bounds, bounds[first] + MAX_ROWS_PER_SEARCH, "right")) - 1)
        last = min(last, len(parties.starts))
        rows = slice(int(bounds[first]), int(bounds[last]))
        block = _Parties(
            lines=parties.lines[rows], values=parties.values[rows], eur=parties.eur[rows],
            days=parties.days[rows], held=parties.held[rows],
            starts=parties.starts[first:last] - bounds[first], windows=parties.windows[first:last],
            currencies=parties.currencies[first:last])
        outcomes += _search_parties(block, evidence, settings)
        first = last
    return outcomes


def _search_parties(parties: _Parties, evidence: Evidence, settings: SubsetSettings) -> list[PartyOutcome]:
    """:func:`search_party` on every part at once: each search and judgement done for all
    parts together, only the choice of the safe groups part by part."""
    part = parties.part
    count = len(parties.starts)
    foreign = np.array([bool(c) for c in parties.currencies], dtype=bool)
    found, unsure, timeouts = _enumerate_parts(parties.values, parties.days, part,
                                               parties.windows, foreign, settings)
    judged = _judge_blocks(found, parties.lines, parties.values, parties.eur, evidence,
                           settings, foreign[part])
    large, rivals, contested = _large_parts(parties, part, evidence, settings)
    # A line with several one-for-many answers has rivals of any size: no group through it.
    unsure |= contested
    by_part: list[list[_Candidate]] = [[] for _ in range(count)]
    part_list = part.tolist()
    for candidate in judged:
        by_part[part_list[candidate.rows[0]]].append(candidate)
    for candidate in large + rivals:
        by_part[part_list[candidate.rows[0]]].append(candidate)
    large_rows = {c.rows for c in large}
    rival_rows = {c.rows for c in rivals}
    lines, signs = parties.lines.tolist(), np.sign(parties.values).tolist()
    held = set(np.flatnonzero(parties.held).tolist())
    unsure_rows = np.flatnonzero(unsure)
    unsure_set = set(unsure_rows.tolist())
    unsure_list = unsure_rows.tolist()
    unsure_bounds = np.searchsorted(unsure_rows, np.append(parties.starts, len(lines))).tolist()
    timeouts_list = timeouts.tolist()
    closed = _closed([c.rows for c in judged + large + rivals
                      if c.rank[:3] == (0, 0, 0) and c.rows not in large_rows
                      and (c.rows in rival_rows or not unsure_set.isdisjoint(c.rows))],
                     lines, evidence)

    def letterable(candidate: _Candidate) -> bool:
        # A group touching an unsure line, a held line, or a large group that cannot be
        # proved the only one is never lettered (but it is a rival all the same) — unless
        # it nets to zero and its references close it: then it is what they say.
        if not held.isdisjoint(candidate.rows):
            return False
        if weakly_linked(candidate.rank[1] == 0, candidate.rank[3] > 0, candidate.rank[2],
                         len(candidate.rows)):
            return False
        if candidate.rows in large_rows or (candidate.rows not in rival_rows
                                            and unsure_set.isdisjoint(candidate.rows)):
            return True
        return candidate.rank[:3] == (0, 0, 0) and closed[candidate.rows]

    def group(candidate: _Candidate, index: int) -> Group:
        return Group(lines=tuple(sorted([lines[r] for r in candidate.rows])),
                     gap=candidate.eur_gap, currency=parties.currencies[index],
                     reason=_reason(candidate, signs))

    outcomes = []
    for index in range(count):
        outcome = PartyOutcome(timeouts=timeouts_list[index])
        outcomes.append(outcome)
        candidates = by_part[index]
        in_part = unsure_list[unsure_bounds[index]:unsure_bounds[index + 1]]
        if not candidates:
            outcome.unsure = [lines[r] for r in in_part]
            continue
        if len(candidates) == 1:  # the one group through its lines: safe when letterable
            candidate = candidates[0]
            if letterable(candidate):
                outcome.groups.append(group(candidate, index))
                outcome.unsure = [lines[r] for r in in_part if r not in candidate.rows]
            else:
                outcome.ambiguous.append((tuple(lines[r] for r in candidate.rows),
                                          candidate.eur_gap))
                outcome.unsure = [lines[r] for r in in_part]
            continue
        used: set[int] = set()
        # Every candidate is a rival, lettered or not: a group touching an unsure line may
        # not be lettered, but it still makes its rivals ties; so does a large group that
        # cannot be proved the only one.
        active = candidates
        while active:
            safe = [c for c in _safe(active) if letterable(c)]
            if not safe:
                break
            for candidate in safe:
                used.update(candidate.rows)
                outcome.groups.append(group(candidate, index))
            active = [c for c in active if used.isdisjoint(c.rows)]
        for candidate in candidates:
            if used.isdisjoint(candidate.rows):
                outcome.ambiguous.append((tuple(lines[r] for r in candidate.rows),
                                          candidate.eur_gap))
        outcome.unsure = [lines[r] for r in in_part if r not in used]
    return outcomes


def _closed(groups: list[tuple[int, ...]], lines: list[int],
            evidence: Evidence) -> dict[tuple[int, ...], bool]:
    """Per group (rows; ``lines``: the line number of each row), whether references close
    it (see :meth:`Evidence.closes`), all at once."""
    if not groups:
        return {}
    width = max(map(len, groups))
    padded = np.array([[lines[r] for r in rows] + [-1] * (width - len(rows)) for rows in groups],
                      dtype=np.int64)
    return dict(zip(groups, evidence.closes_all(padded).tolist()))


def _window_bounds(days: np.ndarray, part: np.ndarray, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the first row of its part dated at most its part's window before it, and one
    past the last dated at most the window after it (``days`` sorted within each part)."""
    size = len(days)
    if not size:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    widest = int(windows.max())
    low = int(days.min())
    # One sorted key, part then day, each part's keys apart by more than two windows.
    stride = int(days.max()) - low + 2 * widest + 1
    if int(windows.min()) < 0 or stride * (int(part[-1]) + 2) >= 1 << 62:
        firsts, ends = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int64)
        bounds = np.append(np.flatnonzero(np.diff(part)) + 1, size)
        start = 0
        for stop in bounds.tolist():
            some, window = days[start:stop], int(windows[part[start]])
            firsts[start:stop] = np.searchsorted(some, some - window, side="left") + start
            ends[start:stop] = np.searchsorted(some, some + window, side="right") + start
            start = stop
        return firsts, ends
    key = part * stride + (days - low + widest)
    window = windows[part]
    return (np.searchsorted(key, key - window, side="left"),
            np.searchsorted(key, key + window, side="right"))


def _enumerate(values, days, window, settings, foreign):
    """The subsets of one third party (see :func:`_enumerate_parts`): found, unsure lines,
    searches that hit the time limit."""
    size = len(values)
    blocks, unsure, timeouts = _enumerate_parts(
        np.asarray(values, dtype=np.int64), np.asarray(days, dtype=np.int64),
        np.zeros(size, dtype=np.int64), np.array([window], dtype=np.int64),
        np.array([foreign], dtype=bool), settings)
    found = {group for block in blocks for group in map(tuple, block.tolist())}
    return found, unsure, int(timeouts[0])


def _enumerate_parts(values, days, part, windows, foreign, settings):
    """Every subset that nets to zero (within the spread) with its anchor, from each row,
    among the rows of its part dated within the part's window after it, as blocks (arrays of
    one group per row, sorted rows, each found once); the rows whose search could not finish
    (unsure); per part, the searches that hit the time limit."""
    size = len(values)
    found: list[np.ndarray] = []
    more: list[tuple[int, ...]] = []
    unsure = np.zeros(size, dtype=bool)
    timeouts = np.zeros(len(windows), dtype=np.int64)
    if not size:
        return found, unsure, timeouts
    spread = _part_spreads(values, part, foreign, settings)[part]
    ends = _window_bounds(days, part, windows)[1]
    pick = settings.max_group_size - 1
    room = ends - np.arange(size) - 1
    exact = (room > 0) & (room <= _largest_enumerable(pick))
    # Every anchor an exact method can search, at once; the others one by one. A search
    # with more solutions than the limit reports the same first ones as the one-by-one
    # search would, and leaves its lines unsure.
    limit = settings.max_solutions
    # An anchor searched directly reports its smaller groups first, then in order: the window
    # search lists only its first ``limit`` (see first_solutions).
    direct = room <= _largest_direct(pick)
    enough = np.where(direct, limit, np.iinfo(np.int64).max)
    handled, counts, blocks = window_groups(values, ends, np.flatnonzero(exact), spread,
                                            settings.max_group_size, parts=part, enough=enough)
    over = counts > limit
    by_halves = over & ~direct
    found += [block[~by_halves[block[:, 0]]] for block in blocks]
    if by_halves.any():
        _first_by_halves(values, ends, blocks, by_halves, limit, found)
    if over.any():
        # Each crowded anchor's window is unsure.
        marks = np.zeros(size + 1, dtype=np.int64)
        np.add.at(marks, np.flatnonzero(over), 1)
        np.add.at(marks, ends[over], -1)
        unsure |= np.cumsum(marks[:-1]) > 0
    crowded: dict[int, int] = {}
    part_list, spread_list = part.tolist(), spread.tolist()
    for anchor in np.flatnonzero((room > 0) & ~handled).tolist():
        owner = part_list[anchor]
        end = int(ends[anchor])
        candidates = np.arange(anchor + 1, end)
        low = -int(values[anchor]) - spread_list[anchor]
        high = -int(values[anchor]) + spread_list[anchor]
        if exact[anchor]:
            solutions, complete = subsets_in_range(
                values[anchor + 1:end], low, high, pick, settings.max_solutions)
        elif (len(candidates) <= MAX_SOLVER_CANDIDATES
              and crowded.get(owner, 0) < MAX_CROWDED_SEARCHES_PER_PARTY
              and timeouts[owner] < MAX_TIMEOUTS_PER_PARTY):
            crowded[owner] = crowded.get(owner, 0) + 1
            solutions, status = enumerate_subsets(
                values[candidates], low, high, pick, settings.max_solutions,
                settings.solve_time_limit)
            complete = status is SearchStatus.COMPLETE
            timeouts[owner] += status is SearchStatus.TIMEOUT
        else:
            solutions, complete = [], False
        if not complete:
            unsure[anchor:end] = True
        offset = anchor + 1
        for solution in solutions:
            more.append((anchor, *(offset + i for i in solution)))
    by_width: dict[int, list[tuple[int, ...]]] = {}
    for group in more:
        by_width.setdefault(len(group), []).append(group)
    found += [np.array(groups, dtype=np.int64) for groups in by_width.values()]
    return found, unsure, timeouts


def _first_by_halves(values, ends, blocks, anchored, limit, found):
    """Add to ``found`` (as blocks) the ``limit`` groups a search by halves reports for each
    anchor of ``anchored``, every group of which is in ``blocks``: the first in its order
    (see :func:`first_solutions`)."""
    widest = max(block.shape[1] for block in blocks)
    padded = []
    for block in blocks:
        some = block[anchored[block[:, 0]]]
        if len(some):
            padded.append(np.pad(some, ((0, 0), (0, widest - some.shape[1])), constant_values=-1))
    rows = np.concatenate(padded)
    rows = rows[_halves_order(rows, values, ends, limit)]
    anchors, sizes = rows[:, 0], _row_sums(rows[:, 1:] >= 0)
    positions = np.arange(len(rows))
    starts = np.maximum.accumulate(
        np.where(np.concatenate(([True], anchors[1:] != anchors[:-1])), positions, 0))
    keep = positions - starts < limit
    for size in distinct(sizes[keep]).tolist():
        found.append(rows[keep & (sizes == size), :size + 1])


def _halves_order(rows, values, ends, limit):
    """The order, by anchor, then as a search by halves reports them — by the sizes of the
    halves, the first half's sum, the first half in order, then the same of the second — of
    those of ``rows`` (groups, anchor first, padded with -1) that may be among the first
    ``limit`` of their anchor: not a row with ``limit`` rows of its anchor before it on the
    sizes and first sum alone."""
    anchors, members = rows[:, 0], rows[:, 1:]
    width = members.shape[1]
    present = members >= 0
    sizes = _row_sums(present)
    middle = anchors + 1 + (ends[anchors] - anchors - 1) // 2
    first = present & (members < middle[:, None])
    in_first = _row_sums(first)
    amounts = np.where(present, values[np.maximum(members, 0)], 0)
    first_sum = _row_sums(np.where(first, amounts, 0))
    kept = _leading(limit, anchors, in_first, sizes - in_first, first_sum)
    anchors, members, first, sizes = anchors[kept], members[kept], first[kept], sizes[kept]
    in_first, first_sum = in_first[kept], first_sum[kept]
    second_sum = _row_sums(amounts[kept]) - first_sum
    at = in_first[:, None] + np.arange(width)
    second = np.where(at < sizes[:, None],
                      np.take_along_axis(members, np.minimum(at, width - 1), axis=1), -1)
    first_rows = np.where(first, members, -1)
    return kept[np.lexsort([*second.T[::-1], second_sum, *first_rows.T[::-1], first_sum,
                            sizes - in_first, in_first, anchors])]


def _leading(limit, group, *keys):
    """The rows (ascending) with fewer than ``limit`` rows of their ``group`` ordered before
    them by ``keys`` (most significant first): the only ones that can be among the first
    ``limit`` of their group in an order that begins with ``keys``."""
    # (ties in any order: a row's fate depends on its key's run only; an unstable sort of
    # one packed key is twice as fast as a stable one)
    sort_keys = packed_keys(group, *keys)
    order = np.argsort(sort_keys[0]) if len(sort_keys) == 1 else np.lexsort(sort_keys)
    group = group[order]
    positions = np.arange(len(order))
    new_group = np.concatenate(([True], group[1:] != group[:-1]))
    new_key = new_group.copy()
    for key in keys:
        key = key[order]
        new_key[1:] |= key[1:] != key[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, positions, 0))
    key_start = np.maximum.accumulate(np.where(new_key, positions, 0))
    return np.sort(order[key_start - group_start < limit])


def _row_sums(table: np.ndarray) -> np.ndarray:
    """The sum of each row of ``table`` (2-D, a few columns), as integers: its columns added
    (several times faster than a sum along rows)."""
    sums = table[:, 0].astype(np.int64)
    for column in range(1, table.shape[1]):
        sums += table[:, column]
    return sums


def _largest_direct(pick: int) -> int:
    """The most candidates :func:`subsets_in_range` searches directly (see
    :func:`searched_directly`, monotone; not cached: tests change its limit)."""
    size = 0
    while searched_directly(size + 1, pick):
        size += 1
    return size


@lru_cache(maxsize=16)
def _largest_enumerable(pick: int) -> int:
    """The most candidates an exact method searches (:func:`can_enumerate` is monotone)."""
    low, high = 0, 1
    while can_enumerate(high, pick):
        low, high = high, high * 2
    while high - low > 1:  # can_enumerate(low) and not can_enumerate(high)
        middle = (low + high) // 2
        low, high = (middle, high) if can_enumerate(middle, pick) else (low, middle)
    return low


def group_base(amounts: np.ndarray) -> int:
    """The larger of a group's debit and credit totals: what a percentage applies to."""
    return int(max(amounts[amounts > 0].sum(), -amounts[amounts < 0].sum()))


def _part_spreads(values: np.ndarray, part: np.ndarray, foreign: np.ndarray,
                  settings: SubsetSettings) -> np.ndarray:
    """Per part, :func:`_enumeration_tolerance` (0 in a foreign currency)."""
    spreads = np.full(len(foreign), settings.tolerance, dtype=np.int64)
    if settings.tolerance_pct != 0:
        largest = np.zeros(len(foreign), dtype=np.int64)
        np.maximum.at(largest, part, np.abs(values))
        spreads = np.array([allowed_gap(m * settings.max_group_size, settings)
                            for m in largest.tolist()], dtype=np.int64)
    spreads[foreign] = 0
    return spreads


def _enumeration_tolerance(values: np.ndarray, settings: SubsetSettings) -> int:
    """A bound on any group's allowed gap (the exact bound is checked per group)."""
    if settings.tolerance_pct == 0:
        return settings.tolerance
    largest = int(np.abs(values).max()) if len(values) else 0
    return allowed_gap(largest * settings.max_group_size, settings)


def _judge_all(found, lines, values, eur, evidence, settings, foreign):
    """The candidates the subsets ``found`` (row tuples) make, in their order: those that
    may be lettered (see :func:`_judge`, their one-by-one twin), judged by size at once.
    ``foreign`` is one flag, or one per row (a group's first row's applies)."""
    by_width: dict[int, list[tuple[int, ...]]] = {}
    for rows in found:
        by_width.setdefault(len(rows), []).append(rows)
    blocks = [np.array(groups, dtype=np.int64) for groups in by_width.values()]
    position = {rows: index for index, rows in enumerate(found)}
    judged = _judge_blocks(blocks, lines, values, eur, evidence, settings, foreign)
    return sorted(judged, key=lambda candidate: position[candidate.rows])


def _judge_blocks(blocks, lines, values, eur, evidence, settings, foreign):
    """:func:`_judge_all` of the groups of ``blocks`` (arrays of one group per row, sorted
    rows), the candidates in the order of their row tuples."""
    by_width: dict[int, list[np.ndarray]] = {}
    for block in blocks:
        if len(block):
            by_width.setdefault(block.shape[1], []).append(block)
    kept: list[_Candidate] = []
    kept_rows: list[np.ndarray] = []  # of each width, the rows of its candidates
    cites = evidence.cites_any(lines)
    for size, some in by_width.items():
        rows = np.concatenate(some)
        in_foreign = (np.full(len(rows), bool(foreign)) if np.ndim(foreign) == 0
                      else np.asarray(foreign, dtype=bool)[rows[:, 0]])
        members = values[rows.T]  # one array per member of the groups: sums by adding rows
        gaps = members.sum(axis=0)
        debits, credits = (members > 0).sum(axis=0), (members < 0).sum(axis=0)
        ok = (debits > 0) & (credits > 0)
        if size == 2:
            ok &= (gaps != 0) | in_foreign  # a pair the exact pass owns: what it refused stays refused
        members_eur = eur[rows.T]
        within = np.abs(gaps) <= settings.tolerance
        if settings.tolerance_pct:
            for i in np.flatnonzero(ok & ~within & ~in_foreign).tolist():
                within[i] = abs(int(gaps[i])) <= allowed_gap(group_base(members_eur[:, i]),
                                                             settings)
        ok &= np.where(in_foreign, gaps == 0, within)
        ok &= ~_zero_parts(members, ok)  # not minimal: it splits into smaller groups
        ok = np.flatnonzero(ok)
        rows = rows[ok]
        eur_gaps = members_eur[:, ok].sum(axis=0).tolist()
        shapes = (np.minimum(debits, credits)[ok] - 1).tolist()
        cited = np.flatnonzero(cites[rows.T].any(axis=0))
        agree, against = np.zeros((2, len(rows)), dtype=bool)
        unlinked = np.zeros(len(rows), dtype=np.int64)
        if len(cited):
            agree[cited], against[cited], unlinked[cited] = evidence.weigh_all(lines[rows[cited]])
        # Rank, lower is better: exact before a gap; references agreeing before none, and
        # linking more of the group's lines before fewer; one settlement for several
        # invoices (or the reverse) before several against several.
        gaps = gaps[ok]
        ranks = zip((gaps != 0).astype(np.int64).tolist(), (~agree).astype(np.int64).tolist(),
                    unlinked.tolist(), shapes)
        kept += [_Candidate(rows=group, gap=gap, eur_gap=eur_gap, rank=rank)
                 for group, gap, eur_gap, rank, refused in zip(
                     map(tuple, rows.tolist()), gaps.tolist(), eur_gaps, ranks, against.tolist())
                 if not refused]
        kept_rows.append(rows[~against])
    if not kept:
        return kept
    # In the order of the row tuples: a shorter tuple before the longer ones it begins.
    padded = np.full((len(kept), max(by_width)), -1, dtype=np.int64)
    at = 0
    for rows in kept_rows:
        padded[at:at + len(rows), :rows.shape[1]] = rows
        at += len(rows)
    return [kept[i] for i in np.lexsort(padded.T[::-1]).tolist()]


def weakly_linked(agree: bool, several: bool, unlinked: int, size: int) -> bool:
    """Whether a group of several settlements against several documents has references that
    agree but link half of its lines or fewer (``unlinked`` of ``size``): chance, not proof
    (a payment citing its discounted invoice, topped up to zero by unrelated lines)."""
    return agree and several and 2 * unlinked >= size


def _zero_parts(members: np.ndarray, among: np.ndarray) -> np.ndarray:
    """The groups (``members``: one row per member, one column per group; those flagged in
    ``among``) of which a proper, non-empty part nets to zero on its own."""
    out = np.zeros(members.shape[1], dtype=bool)
    which = np.flatnonzero(among)
    if len(members) < 2 or not len(which):
        return out
    first, *others = members[:, which]  # one array per member
    # The parts holding the first member: where the group nets to zero, the complement of
    # any other part is one of them.
    found = _some_part_nets_to_zero(first, others, whole=False)
    uneven = np.flatnonzero(first + sum(others) != 0)
    if len(uneven):  # and there, the parts without it (all the other members included)
        found[uneven] |= _some_part_nets_to_zero(
            np.zeros(len(uneven), dtype=np.int64), [o[uneven] for o in others], whole=True,
            empty=False)
    out[which] = found
    return out


def _some_part_nets_to_zero(base: np.ndarray, items: list[np.ndarray], *, whole: bool,
                            empty: bool = True) -> np.ndarray:
    """Per position, whether ``base`` plus some subset of ``items`` sums to zero: the
    empty subset only when ``empty``, all of them only when ``whole``. Each subset's sums
    are its parent's plus one item (depth first: a few arrays alive, no subset table)."""
    found = np.zeros(len(base), dtype=bool)
    count = len(items)
    stack = [(base, 0, 0)]
    while stack:
        sums, following, taken = stack.pop()
        if (taken or empty) and (taken < count or whole):
            found |= sums == 0
        for item in range(following, count):
            stack.append((sums + items[item], item + 1, taken + 1))
    return found


def _judge(rows, lines, values, eur, evidence, settings, foreign):
    """The candidate a subset makes, or None when it may not be lettered (the reference
    for :func:`_judge_all`)."""
    picked = values[list(rows)]
    gap = int(picked.sum())
    if len(rows) == 2 and gap == 0 and not foreign:
        return None  # a pair the exact pass owns: what it refused stays refused
    if not ((picked > 0).any() and (picked < 0).any()):
        return None
    amounts_eur = eur[list(rows)]
    if foreign:
        if gap != 0:
            return None
    elif abs(gap) > allowed_gap(group_base(amounts_eur), settings):
        return None
    if _has_zero_part(picked):
        return None  # not minimal: it splits into smaller groups
    group_lines = [int(lines[r]) for r in rows]
    agree, against, unlinked = evidence.weigh(group_lines)
    if against:
        return None
    # Rank, lower is better: exact before a gap; references agreeing before none, and
    # leaving fewer of the group's lines unlinked before more; one settlement for several invoices
    # (or the reverse) before several against several.
    shape = min(int((picked > 0).sum()), int((picked < 0).sum())) - 1
    return _Candidate(rows=tuple(rows), gap=gap, eur_gap=int(amounts_eur.sum()),
                      rank=(0 if gap == 0 else 1, 0 if agree else 1, unlinked, shape))


def _large_parts(parties: _Parties, part: np.ndarray, evidence: Evidence,
                 settings: SubsetSettings):
    """Groups of one line settled exactly by more lines than the general search takes (see
    :mod:`lettrage.passes.large_groups`, which counts every answer of that shape), in every
    part.

    Returns the ones that may be lettered — the only way to settle their line, touched by
    no other one-for-many answer — the ones that are only rivals (another answer touches
    them: they may not be lettered, but a smaller group through their lines is then not the
    only one either), and the contested lines."""
    firsts, ends = _window_bounds(parties.days, part, parties.windows)
    found, contested = large_ones_within(parties.values, firsts, ends, settings.max_group_size)
    groups = sorted(set(found))
    touches = [0] * len(part)
    for rows in groups:
        for row in rows:
            touches[row] += 1
    out: list[_Candidate] = []
    rivals: list[_Candidate] = []
    days, windows, eur = parties.days.tolist(), parties.windows.tolist(), parties.eur.tolist()
    lines = parties.lines.tolist()
    flagged = contested.tolist()
    for rows in groups:
        if len(rows) <= settings.max_group_size:
            continue  # the general search has it, with its rivals
        spanned = [days[r] for r in rows]
        if max(spanned) - min(spanned) > windows[part[rows[0]]]:
            continue  # rivals were searched around the anchor; a group spans one window
        agree, against, unlinked = evidence.weigh([lines[r] for r in rows])
        if against:
            continue
        candidate = _Candidate(rows=rows, gap=0, eur_gap=sum(eur[r] for r in rows),
                               rank=(0, 0 if agree else 1, unlinked, 0))
        if any(flagged[r] or touches[r] > 1 for r in rows):
            rivals.append(candidate)
        else:
            out.append(candidate)
    return out, rivals, contested


def _has_zero_part(picked: np.ndarray) -> bool:
    """True when a proper, non-empty part of the group nets to zero on its own."""
    size = len(picked)
    masks = np.arange(1, (1 << size) - 1, dtype=np.int64)
    bits = (masks[:, None] >> np.arange(size)) & 1
    return bool(((bits @ picked) == 0).any())


def _safe(active: list[_Candidate]) -> list[_Candidate]:
    """Candidates that are, for each of their lines, the one best group through it."""
    best: dict[int, tuple[int, int, int]] = {}
    ties: dict[int, int] = {}
    for candidate in active:
        for row in candidate.rows:
            current = best.get(row)
            if current is None or candidate.rank < current:
                best[row], ties[row] = candidate.rank, 1
            elif candidate.rank == current:
                ties[row] += 1
    return [c for c in active
            if all(best[r] == c.rank and ties[r] == 1 for r in c.rows)]


def _reason(candidate: _Candidate, signs: list[int]) -> str:
    """Why ``candidate`` is lettered (``signs``: of the amount matched, per row)."""
    picked = [signs[r] for r in candidate.rows]
    return _reason_text(picked.count(1), picked.count(-1), candidate.gap, candidate.rank[1] == 0)


@lru_cache(maxsize=1024)
def _reason_text(debits: int, credits: int, gap: int, cited: bool) -> str:
    """:func:`_reason` of a group of so many debit and credit lines, gap, references cited."""
    text = f"{debits} debit and {credits} credit lines net to zero"
    if gap:
        text = f"{debits} debit and {credits} credit lines, gap {gap / 100:.2f} within tolerance"
    if cited:
        text += ", reference cited"
    return text + ", the only such group"


class Evidence:
    """References of one ledger: which document keys each line carries and cites.

    A mistyped citation (``cites["near"]``, see :func:`lettrage.references.near_citations`)
    never makes a group agree, but a group without the document it nearly names is against
    it. Per line, its one key as a string (most lines), or a frozenset of several: a set per
    line would cost more to build than all the judging.
    """

    def __init__(self, documents: pd.DataFrame, cites: pd.DataFrame, *,
                 cited_elsewhere: np.ndarray | None = None) -> None:
        self._own = _keys_by_line(documents["line"], documents["key"])
        #: lines whose document a line of another third party cites, even nearly
        self._cited_elsewhere = (frozenset(np.asarray(cited_elsewhere).tolist())
                                 if cited_elsewhere is not None else frozenset())
        near = (cites["near"].to_numpy(dtype=bool) if "near" in cites.columns
                else np.zeros(len(cites), dtype=bool))
        self._cited = _keys_by_line(cites["line"][~near], cites["key"][~near])
        self._near = _keys_by_line(cites["line"][near], cites["key"][near])
        self._citing = distinct(cites["line"].to_numpy(dtype=np.int64))
        # The lines of each key, indexed when closes is first asked.
        self._pairs = (documents["line"].to_numpy(dtype=np.int64), documents["key"],
                       cites["line"].to_numpy(dtype=np.int64), cites["key"])
        self._near_mask = near
        self._carriers: _LinesByKey | None = None
        self._citers: _LinesByKey | None = None
        self._codes: _KeyCodes | None = None

    def closes(self, lines: list[int]) -> bool:
        """Whether references close the group: each document a line of it cites (or nearly
        cites) is in it with all its lines, and no line outside it cites (or nearly cites)
        a document of it. Such a group is what its references say, whatever else nets to
        zero around it. A document another third party's line cites (a payment posted there,
        lettered or not) does not close: where that line is searched depends on how the
        third parties are split between processes, so it always counts."""
        if self._cited_elsewhere and not self._cited_elsewhere.isdisjoint(lines):
            return False
        if self._carriers is None or self._citers is None:
            own_lines, own_keys, cite_lines, cite_keys = self._pairs
            self._carriers = _LinesByKey(own_lines, own_keys)
            self._citers = _LinesByKey(cite_lines, cite_keys)
        group = set(lines)
        inside: set[str] = set()
        for line in lines:
            inside |= _as_set(self._own.get(line))
        for line in lines:
            for key in _as_set(self._cited.get(line)) | _as_set(self._near.get(line)):
                if key not in inside or not group.issuperset(self._carriers.lines(key)):
                    return False
        return all(group.issuperset(self._citers.lines(key)) for key in inside)

    def cites_any(self, lines: np.ndarray) -> np.ndarray:
        """Which of ``lines`` cite a document (only they can make a group agree or not)."""
        lines = np.asarray(lines, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._citing, lines), max(len(self._citing) - 1, 0))
        return self._citing[at] == lines if len(self._citing) else np.zeros(len(lines), bool)

    def judge(self, lines: list[int]) -> tuple[bool, bool]:
        """(references agree inside the group, a line cites documents none of which is in it)."""
        return self._verdict(lines, [self._cited.get(line) for line in lines],
                             _union([self._own.get(line) for line in lines]))

    def _verdict(self, lines: list[int], cited: list[str | frozenset[str] | None],
                 inside: set[str]) -> tuple[bool, bool]:
        """:meth:`judge` of ``lines``, given what each cites and the keys the group holds."""
        agree = against = False
        for line, keys in zip(lines, cited):
            if keys is not None:
                if _meets(keys, inside):
                    agree = True
                else:
                    against = True
            elif not against:
                near = self._near.get(line)
                if near is not None and not _meets(near, inside):
                    against = True  # it nearly names a document that is not in the group
        return agree, against

    def weigh(self, lines: list[int]) -> tuple[bool, bool, int]:
        """:meth:`judge`, and, when references agree, how many lines of the group they leave
        unlinked to another of its lines. Linked are a line citing a document of the group,
        the lines carrying a document a line of the group cites, and lines carrying one
        document key together (an invoice and the credit note filed under its PieceRef).
        0 when references do not agree."""
        owns = [self._own.get(line) for line in lines]
        cited = [self._cited.get(line) for line in lines]
        agree, against = self._verdict(lines, cited, _union(owns))
        if not agree or against:
            return agree, against, 0
        # Every citing line is linked: none cites outside the group.
        shared = _union(cited)  # keys cited, or carried by two lines
        seen: set[str] = set()
        for keys in owns:
            for key in (keys if isinstance(keys, frozenset) else () if keys is None else (keys,)):
                (shared if key in seen else seen).add(key)
        return agree, against, sum(1 for own, keys in zip(owns, cited)
                                   if keys is None and (own is None or not _meets(own, shared)))

    def weigh_all(self, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`weigh` of each row of ``groups`` (line numbers, one group per row), as three
        arrays: at once, each line's keys of each kind (own, cited, nearly cited) as a few
        codes; one group at a time where a line has too many keys of a kind."""
        own, cited, near = self._key_codes().of(groups)  # (groups, lines, keys of a line) each
        inside = own.reshape(len(groups), -1)
        agrees = _among(cited, inside).any(axis=2)  # per line: it cites a key of the group
        cites = (cited >= 0).any(axis=2)
        nearly_against = (near >= 0).any(axis=2) & ~_among(near, inside).any(axis=2)
        agree = agrees.any(axis=1)
        against = ((cites & ~agrees) | (~cites & nearly_against)).any(axis=1)
        # Linked: a citing line (none cites outside the group when they agree), or one with a
        # key a line of the group cites or another line carries too.
        carried = sum((inside == inside[:, [j]]).astype(np.int64) for j in range(inside.shape[1]))
        shared = _among(own, cited.reshape(len(groups), -1)) | (carried >= 2).reshape(own.shape)
        linked = cites | (shared & (own >= 0)).any(axis=2)
        unlinked = np.where(agree & ~against, (~linked).sum(axis=1), 0)
        for row in np.flatnonzero(self._key_codes().too_many(groups).any(axis=1)).tolist():
            agree[row], against[row], unlinked[row] = self.weigh(groups[row].tolist())
        return agree, against, unlinked

    def closes_all(self, groups: np.ndarray) -> np.ndarray:
        """:meth:`closes` of each row of ``groups`` (line numbers, one group per row, padded
        with -1), at once as in :meth:`weigh_all`."""
        codes = self._key_codes()
        own, cited, near = codes.of(groups)
        size = len(groups)
        inside, named = own.reshape(size, -1), np.concatenate((cited, near), axis=2)
        # Each document a line cites (or nearly) is in the group with all its lines...
        carried = sum((named == inside[:, None, None, j]).astype(np.int64)
                      for j in range(inside.shape[1]))
        holds = (named < 0) | ((carried > 0) & (carried == codes.carriers[named]))
        # ... and the lines citing (or nearly) a document of the group are all in it.
        citing = sum(_among(inside, line_codes).astype(np.int64)
                     for line_codes in np.moveaxis(named, 1, 0))
        cited_inside = (inside < 0) | (citing == codes.citers[inside])
        closed = holds.all(axis=(1, 2)) & cited_inside.all(axis=1)
        if self._cited_elsewhere:
            elsewhere = np.isin(groups, np.fromiter(self._cited_elsewhere, dtype=np.int64))
            closed &= ~elsewhere.any(axis=1)
        for row in np.flatnonzero(codes.too_many(groups).any(axis=1)).tolist():
            closed[row] = self.closes([line for line in groups[row].tolist() if line >= 0])
        return closed

    def _key_codes(self) -> _KeyCodes:
        """The codes of every line's keys (made when first asked)."""
        if self._codes is None:
            own_lines, own_keys, cite_lines, cite_keys = self._pairs
            self._codes = _KeyCodes(own_lines, own_keys, cite_lines, cite_keys, self._near_mask)
        return self._codes


#: Most keys of one kind :class:`_KeyCodes` keeps for a line (lines with more: one by one).
MAX_KEYS_PER_LINE = 8


class _KeyCodes:
    """Per line, the codes (equal keys, equal codes) of its own keys, of the keys it cites and
    of those it nearly cites, each padded with -1; lines with more than
    :data:`MAX_KEYS_PER_LINE` keys of a kind, or a missing key, are *too many*. Per code
    (and -1 last), how many lines carry it (``carriers``) and cite or nearly cite it
    (``citers``)."""

    def __init__(self, own_lines: np.ndarray, own_keys: pd.Series, cite_lines: np.ndarray,
                 cite_keys: pd.Series, near: np.ndarray) -> None:
        keys = np.concatenate((own_keys.to_numpy(dtype=object), cite_keys.to_numpy(dtype=object)))
        codes = pd.factorize(keys, use_na_sentinel=True)[0]  # a missing key: -1
        own_codes, cite_codes = codes[:len(own_lines)], codes[len(own_lines):]
        self._lines = distinct(np.concatenate((own_lines, cite_lines)))
        self._too_many = np.zeros(len(self._lines), dtype=bool)
        self._tables = [self._table(lines, of_lines) for lines, of_lines in (
            (own_lines, own_codes), (cite_lines[~near], cite_codes[~near]),
            (cite_lines[near], cite_codes[near]))]
        count = int(codes.max()) + 2 if len(codes) else 1
        self.carriers = _lines_per_code(own_lines, own_codes, count)
        self.citers = _lines_per_code(cite_lines, cite_codes, count)

    def _table(self, lines: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """One row per line of ``self._lines``: its distinct ``codes``, padded with -1."""
        at = np.searchsorted(self._lines, lines)
        self._too_many[at[codes < 0]] = True
        # Each (line, code) once, by line: the rank of each in its line is its column.
        order = np.lexsort((codes, at))
        at, codes = at[order], codes[order]
        fresh = np.ones(len(at), dtype=bool)
        fresh[1:] = (at[1:] != at[:-1]) | (codes[1:] != codes[:-1])
        at, codes = at[fresh], codes[fresh]
        starts = np.flatnonzero(np.concatenate(([True], at[1:] != at[:-1]))) if len(at) else at
        column = np.arange(len(at)) - np.repeat(starts, np.diff(np.append(starts, len(at))))
        many = column >= MAX_KEYS_PER_LINE
        self._too_many[at[many]] = True
        width = int(column.max()) + 1 if len(at) else 1
        table = np.full((len(self._lines), min(width, MAX_KEYS_PER_LINE)), -1, dtype=np.int64)
        table[at[~many], column[~many]] = codes[~many]
        return table

    def _positions(self, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where ``lines`` are in ``self._lines``, and whether they are there."""
        at = np.minimum(np.searchsorted(self._lines, lines), max(len(self._lines) - 1, 0))
        known = (self._lines[at] == lines) if len(self._lines) else np.zeros(np.shape(lines), bool)
        return at, known

    def of(self, lines: np.ndarray) -> list[np.ndarray]:
        """Own, cited and nearly cited codes of ``lines`` (shape ``lines.shape + (keys,)``)."""
        at, known = self._positions(lines)
        if not len(self._lines):
            return [np.full((*np.shape(lines), 1), -1, dtype=np.int64) for _ in range(3)]
        return [np.where(known[..., None], table[at], -1) for table in self._tables]

    def too_many(self, lines: np.ndarray) -> np.ndarray:
        """Which ``lines`` have too many keys of a kind (or a missing one)."""
        at, known = self._positions(lines)
        return self._too_many[at] & known if len(self._lines) else known


def _lines_per_code(lines: np.ndarray, codes: np.ndarray, count: int) -> np.ndarray:
    """How many distinct ``lines`` have each code (0 to ``count - 2``; -1, last, none)."""
    order = np.lexsort((lines, codes))
    codes, lines = codes[order], lines[order]
    fresh = np.ones(len(codes), dtype=bool)
    fresh[1:] = (codes[1:] != codes[:-1]) | (lines[1:] != lines[:-1])
    return np.bincount(codes[fresh & (codes >= 0)], minlength=count)


def _among(codes: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Per cell of ``codes`` (first axis: one group each), whether it is a key (>= 0) found in
    the same group's ``keys`` (one row per group)."""
    keys = keys.reshape(len(keys), *([1] * (codes.ndim - 1)), -1)
    found = np.zeros(codes.shape, dtype=bool)
    for j in range(keys.shape[-1]):
        found |= codes == keys[..., j]
    return found & (codes >= 0)


class _LinesByKey:
    """The lines of each key, from ``(line, key)`` pairs: one sort of them all, the lines of
    a key listed only when asked (a set per key would cost more than every lookup)."""

    def __init__(self, lines: np.ndarray, keys: pd.Series) -> None:
        codes, uniques = pd.factorize(keys.to_numpy(dtype=object), use_na_sentinel=False)
        order = np.argsort(codes, kind="stable")
        self._lines = lines[order]
        self._bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1)).tolist()
        self._code = dict(zip(uniques.tolist(), range(len(uniques))))

    def lines(self, key: str) -> list[int]:
        """The lines of ``key`` (none when it is unknown)."""
        code = self._code.get(key)
        if code is None:
            return []
        return self._lines[self._bounds[code]:self._bounds[code + 1]].tolist()


def _as_set(keys: str | frozenset[str] | None) -> frozenset[str]:
    """One key, several, or none, as a set."""
    if keys is None:
        return frozenset()
    return keys if isinstance(keys, frozenset) else frozenset((keys,))


def _union(some: list[str | frozenset[str] | None]) -> set[str]:
    """The keys of ``some`` (one key, several, or none each) together."""
    keys: set[str] = set()
    for one in some:
        if isinstance(one, frozenset):
            keys |= one
        elif one is not None:
            keys.add(one)
    return keys


def _meets(keys: str | frozenset[str], inside: set[str]) -> bool:
    """Whether one of ``keys`` (one key, or several) is in ``inside``."""
    if isinstance(keys, frozenset):
        return not keys.isdisjoint(inside)
    return keys in inside


def _keys_by_line(lines: pd.Series, keys: pd.Series) -> dict[int, str | frozenset[str]]:
    """Per line, its key, or the frozenset of its keys when it has several."""
    numbers = lines.to_numpy(dtype=np.int64)
    texts = keys.tolist()
    found: dict[int, str | frozenset[str]] = dict(zip(numbers.tolist(), texts))
    order = np.argsort(numbers, kind="stable")
    ordered = numbers[order]
    again = ordered[1:] == ordered[:-1]
    several: dict[int, set[str]] = {}
    for at in order[np.flatnonzero(np.append(again, False) | np.insert(again, 0, False))].tolist():
        several.setdefault(int(numbers[at]), set()).add(texts[at])
    for line, some in several.items():
        found[line] = frozenset(some)
    return found


def subset_pass(
    remaining: pd.DataFrame,
    windows: pd.Series,
    documents: pd.DataFrame,
    cites: pd.DataFrame,
    settings: SubsetSettings,
    company_currency: str = "EUR",
    *,
    cited_elsewhere: np.ndarray | None = None,
) -> tuple[PassOutput, pd.DataFrame, list[str]]:
    """Run :func:`search_party` over every third party (and foreign currency) of ``remaining``.

    Returns the groups, the proposals (tied groups, and lines whose search could not
    finish) as rows ``(kind, lines, party_id, gap, reason)``, and messages for the run's
    issues (timeouts).
    """
    # Only the references of the lines searched ever count (a group holds no other line),
    # and whether another third party's line cites their document.
    searched = remaining["line"].to_numpy()
    evidence = Evidence(documents[documents["line"].isin(searched)],
                        cites[cites["line"].isin(searched)],
                        cited_elsewhere=(searched[np.isin(searched, cited_elsewhere)]
                                         if cited_elsewhere is not None else None))
    groups: list[Group] = []
    proposals: list[tuple[str, tuple[int, ...], int, int, str]] = []
    messages: list[str] = []
    foreign = foreign_mask(remaining, company_currency)
    # Plain arrays, sorted by (third party, currency, date, line), and slice bounds: a
    # DataFrame per third party costs more than its search.
    currency = np.asarray(np.where(foreign, remaining["currency"].astype(str), ""), dtype=object)
    dates = remaining["date"].to_numpy()
    order = np.lexsort((remaining["line"].to_numpy(), dates.astype(np.int64),
                        pd.factorize(currency, sort=True)[0], remaining["party_id"].to_numpy()))
    party_ids = remaining["party_id"].to_numpy()[order]
    currencies = currency[order]
    line_numbers = remaining["line"].to_numpy()[order]
    amounts = remaining["amount"].to_numpy(dtype=np.int64)[order]
    currency_amounts = remaining["currency_amount"].fillna(0).to_numpy(dtype=np.int64)[order]
    days = dates.astype("datetime64[D]").astype(np.int64)[order]
    held = (remaining["held"].to_numpy(dtype=bool)[order] if "held" in remaining.columns
            else np.zeros(len(remaining), dtype=bool))
    change = (party_ids[1:] != party_ids[:-1]) | (currencies[1:] != currencies[:-1])
    starts = (np.concatenate(([0], np.flatnonzero(change) + 1)) if len(remaining)
              else np.zeros(0, dtype=np.int64))
    part_ids = party_ids[starts].astype(np.int64)
    part_currencies = [str(c) for c in currencies[starts].tolist()]
    is_foreign = currencies != ""
    parties = _Parties(
        lines=line_numbers.astype(np.int64),
        values=np.where(is_foreign, currency_amounts, amounts), eur=amounts,
        days=days.astype(np.int64), held=held, starts=starts.astype(np.int64),
        windows=windows.reindex(part_ids).fillna(0).to_numpy(dtype=np.int64),
        currencies=part_currencies,
    )
    outcomes = _search_in_blocks(parties, evidence, settings)
    for start, party_id, outcome in zip(starts.tolist(), part_ids.tolist(), outcomes):
        groups.extend(outcome.groups)
        for lines, gap in outcome.ambiguous:
            proposals.append(("ambiguous", lines, party_id, gap,
                              "nets to zero, but another group through the same lines is as good"))
        for line in outcome.unsure:
            proposals.append(("unsure", (line,), party_id, 0,
                              "too many possible groups around this line to decide"))
        if outcome.timeouts:
            at = int(order[start])
            account, aux = remaining["account"].iat[at], remaining["aux"].iat[at]
            messages.append(f"third party {account}/{aux}: {outcome.timeouts} "
                            "searches hit the time limit; their lines go to review")
    count = len(groups)
    output = PassOutput(
        groups=pd.DataFrame({
            "group": np.arange(count, dtype=np.int64),
            "pass": "subset",
            "gap": np.array([g.gap for g in groups], dtype=np.int64),
            "currency": [g.currency for g in groups],
            "reason": [g.reason for g in groups],
        }),
        members=pd.DataFrame({
            "group": np.repeat(np.arange(count, dtype=np.int64), [len(g.lines) for g in groups]),
            "line": np.array([line for g in groups for line in g.lines], dtype=np.int64),
        }),
    )
    proposal_frame = pd.DataFrame(proposals, columns=["kind", "lines", "party_id", "gap", "reason"])
    return output, proposal_frame, messages


def foreign_mask(lines: pd.DataFrame, company_currency: str) -> np.ndarray:
    """Lines to match on their foreign-currency amount."""
    currency = lines["currency"].fillna("").astype(str).str.strip().str.upper()
    has_amount = lines["currency_amount"].notna().to_numpy()
    return ((currency != "") & (currency != company_currency.upper())).to_numpy() & has_amount


def party_windows(history: pd.DataFrame, parties: np.ndarray, fallback: int, widest: int) -> pd.Series:
    """Per third party, the date span a group may cover.

    ``history`` holds ``(party_id, group, date)`` of groups already made in the party
    (letters in the input, exact pairs of this run). With at least three of them: twice the
    90th percentile of their spans when that is wider than ``fallback`` (a slow payer), at
    most ``widest``; otherwise ``fallback``. A window is never narrower than ``fallback``:
    a narrow one would hide equally good groups a little older, and letter a tie.
    """
    windows = pd.Series(fallback, index=pd.Index(distinct(parties), name="party_id"), dtype=np.int64)
    if history.empty:
        return windows
    bounds = history.groupby(["party_id", "group"])["date"].agg(["min", "max"])
    spans = (bounds["max"] - bounds["min"]).dt.days
    by_party = spans.groupby(level="party_id")
    stats = pd.DataFrame({"size": by_party.size(), "p90": by_party.quantile(0.9)})
    learned = (stats.loc[stats["size"] >= 3, "p90"] * 2).clip(lower=fallback, upper=widest)
    windows.update(learned.astype(np.int64))
    return windows
