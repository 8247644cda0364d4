"""Settlements in date order: each takes the one set of earlier invoices it pays.

What an accountant does with a supplier paid by irregular transfers, each for a run of the
card tickets before it: take the transfers in date order, and give each the invoices it
pays among those booked before it. After every other pass, per third party, the settlements
still open are taken oldest first; each one's candidates are the invoices still open dated
on or before it (within the widest window). When exactly one set of at most
``max_group_size`` of them pays it — or, among several sets of the same amounts, one takes
the oldest lines of each amount (situation 3, equal amounts oldest first) — that set and the
settlement make a group, and the next settlement is taken. The walk stops, for that third
party, at the first settlement with no such set or sets of different amounts (situation 16:
what follows would rest on a guess), that shares its day with another settlement (their
order is unknown), or whose set one of its lines' citations contradicts. A third party with
a held line (an aggregated opening balance, older than any invoice), a foreign-currency
line, or resting on a doubtful FIFO pair (see :mod:`lettrage.passes.settled_parties`) is
left alone.
"""
from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd

from lettrage.arrays import numbers_in
from lettrage.passes.base import PassOutput
from lettrage.passes.batches import exact_groups_output
from lettrage.passes.settled_parties import party_date_order, resting_on_guesses
from lettrage.passes.subset import Evidence
from lettrage.passes.subset_search import can_enumerate, subsets_in_range

_REASON = ("settled, oldest settlement first: the {count} open invoices dated on or before it "
           "that it pays, the only such set (equal amounts oldest first)")
#: The most solutions of one settlement still compared (equal amounts, oldest first).
MAX_EQUAL_SOLUTIONS = 16


def chronological_pass(left: pd.DataFrame, foreign: np.ndarray, guessed: pd.DataFrame,
                       documents: pd.DataFrame, cites: pd.DataFrame, *, max_days: int,
                       max_pick: int) -> PassOutput:
    """Letter, per third party, the settlements of ``left`` (the lines still open after every
    other pass: ``line``, ``party_id``, ``amount``, ``date``, ``invoice_side``, optionally
    ``held``) that one set of earlier open invoices pays, oldest settlement first (see the
    module's docstring). ``foreign``: per row, matched in a foreign currency."""
    if left.empty:
        return PassOutput()
    held = (left["held"].to_numpy(dtype=bool) if "held" in left.columns
            else np.zeros(len(left), dtype=bool))
    lines = left.take(_walked(left, held | np.asarray(foreign, dtype=bool)))
    lines = lines[~lines["party_id"].isin(resting_on_guesses(lines, guessed))]
    if lines.empty:
        return PassOutput()
    lines = lines[_can_start(lines)]
    evidence = Evidence(documents[numbers_in(documents["line"], lines["line"])],
                        cites[numbers_in(cites["line"], lines["line"])])
    line = lines["line"].to_numpy(dtype=np.int64)
    amount = lines["amount"].to_numpy(dtype=np.int64)
    day = lines["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    invoice = lines["invoice_side"].to_numpy(dtype=bool)
    party = lines["party_id"].to_numpy(dtype=np.int64)
    bounds = np.flatnonzero(np.r_[True, party[1:] != party[:-1], True]).tolist()
    groups: list[tuple[list[int], str]] = []
    for start, stop in pairwise(bounds):
        part = slice(start, stop)
        groups.extend(_walk(line[part], amount[part], day[part], invoice[part], evidence, max_days, max_pick))
    return exact_groups_output("chronological", groups, documents, cites)


def _oldest(pool: np.ndarray, solutions: list[tuple[int, ...]], amount: np.ndarray,
            day: np.ndarray) -> list[int] | None:
    """The rows of the one solution (positions in ``pool``), or of the one that, among
    solutions of the same amounts, takes for each amount the oldest lines (situation 3:
    equal amounts oldest first); None when there is none or no such one."""
    if not solutions:
        return None
    signatures = []
    for solution in solutions:
        rows = pool[list(solution)]
        by_amount = sorted(zip(amount[rows].tolist(), day[rows].tolist()))
        signatures.append(([a for a, _ in by_amount], [d for _, d in by_amount]))
    amounts, days = signatures[0][0], [d for _, d in signatures]
    if any(other != amounts for other, _ in signatures):
        return None  # different amounts: situation 16
    first = min(range(len(days)), key=lambda k: days[k])
    if any(k != first and (days[k] == days[first] or not all(
            mine <= theirs for mine, theirs in zip(days[first], days[k]))) for k in range(len(days))):
        return None  # two as old, or none older than every other on every amount
    return pool[list(solutions[first])].tolist()


def _walked(left: pd.DataFrame, flagged: np.ndarray) -> np.ndarray:
    """The positions of the lines of ``left`` whose third party may be walked — three lines
    or more, on both sides, none ``flagged`` (held, foreign) — sorted by third party, date
    and line (numbers only, in numpy: the texts are taken for these lines alone)."""
    party = left["party_id"].to_numpy()
    order = party_date_order(left)
    order = order[~numbers_in(party[order], party[flagged])]
    if not len(order):
        return order
    starts = _run_starts(party[order])
    counts = np.diff(np.append(starts, len(order)))
    invoices = np.add.reduceat(left["invoice_side"].to_numpy(dtype=np.int64)[order], starts)
    return order[np.repeat((invoices > 0) & (invoices < counts) & (counts >= 3), counts)]


def _run_starts(party: np.ndarray) -> np.ndarray:
    """Where each run of equal ``party`` starts."""
    return np.flatnonzero(np.r_[True, party[1:] != party[:-1]])


def _can_start(lines: pd.DataFrame) -> np.ndarray:
    """Per line (sorted by third party, date, line; every date given): whether its third
    party's walk can letter its first settlement — alone on its day, and the invoices dated
    on or before it, of at most its size, add up to it at least (else the walk stops at
    once)."""
    party = lines["party_id"].to_numpy()
    day = lines["date"].to_numpy()
    size = np.abs(lines["amount"].to_numpy(dtype=np.int64))
    invoice = lines["invoice_side"].to_numpy(dtype=bool)
    if not len(party):
        return np.zeros(0, dtype=bool)
    starts = _run_starts(party)
    party_of = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(party))))
    # each third party's first settlement (none: past the end)
    first = np.minimum.reduceat(np.where(invoice, len(party), np.arange(len(party))), starts)
    settles = first < len(party)
    first = np.minimum(first, len(party) - 1)[party_of]
    first_day, first_size = day[first], size[first]
    alone = np.add.reduceat(~invoice & (day == first_day), starts) == 1
    usable = invoice & (day <= first_day) & (size <= first_size)
    reach = np.add.reduceat(np.where(usable, size, 0), starts)[party_of]
    return (reach >= first_size) & (settles & alone)[party_of]


def _walk(line: np.ndarray, amount: np.ndarray, day: np.ndarray, invoice: np.ndarray, evidence: Evidence,
          max_days: int, max_pick: int) -> list[tuple[list[int], str]]:
    """The groups of one third party's walk: its lines' numbers, amounts, day numbers and
    sides, sorted by (date, line)."""
    taken = np.zeros(len(line), dtype=bool)
    settlements = np.flatnonzero(~invoice)
    groups = []
    for position, s in enumerate(settlements.tolist()):
        same_day = [t for t in settlements[max(position - 1, 0):position + 2].tolist() if t != s]
        if any(day[t] == day[s] for t in same_day):
            break
        pool = np.flatnonzero(invoice & ~taken & (day <= day[s]) & (day >= day[s] - max_days))
        if not len(pool) or not can_enumerate(len(pool), max_pick):
            break
        solutions, complete = subsets_in_range(amount[pool], -amount[s], -amount[s], max_pick,
                                               MAX_EQUAL_SOLUTIONS)
        chosen = _oldest(pool, solutions, amount, day) if complete else None
        if chosen is None:
            break
        rows = [s, *chosen]
        members = sorted(line[rows].tolist())
        if evidence.judge(members)[1]:  # a line cites a document outside
            break
        taken[rows] = True
        groups.append((members, _REASON.format(count=len(rows) - 1)))
    return groups

