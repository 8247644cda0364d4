"""Day batches: one settlement for every open invoice of one day of its third party.

A customer who pays the invoices of one delivery day together, or a statement of one date,
leaves a settlement equal to that day's total. When other subsets of the open invoices reach
the same amount, the subset pass cannot prove one answer and letters nothing; but the subset
made of *every* open invoice of one day — :data:`MIN_INVOICES` or more, none held back — is
the one an accountant picks. It is lettered only when it is unique both ways: the settlement
matches the total of one day of its third party within reach (``max_days_early`` before it,
the third party's window after it), that day's total is matched by no other open settlement
within reach, and no line of the group cites a document outside it. Recurring equal batches
— several days of one third party with one total, and as many settlements of that amount
reaching them — are paired oldest with oldest, as equal amounts are (situation 3).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lettrage.arrays import numbers_in
from lettrage.passes.base import PassOutput
from lettrage.passes.batches import (
    exact_groups_output,
    joined_rows,
    pair_keys,
    within_reach,
)

#: The fewest invoices a day batch holds: two invoices of one day match a payment by chance
#: too often (on generated ledgers they made situation-16 ties look like batches).
MIN_INVOICES = 3


def day_batch_pass(
    open_lines: pd.DataFrame,
    windows: pd.Series,
    documents: pd.DataFrame,
    cites: pd.DataFrame,
    *,
    max_days_early: int,
) -> PassOutput:
    """Letter settlements equal to the sum of all the open invoices of one day.

    Parameters
    ----------
    open_lines : open lines of the company currency with ``line``, ``party_id``, ``amount``
        (cents), ``date``, ``invoice_side`` and optionally ``held``.
    windows : per ``party_id``, the days after an invoice its settlement may come.
    documents, cites : reference evidence (see :mod:`lettrage.references`): a group one of
        whose lines cites a document outside it is not lettered.
    max_days_early : how many days a settlement may precede the invoices it settles.
    """
    held = (open_lines["held"].to_numpy(dtype=bool) if "held" in open_lines.columns
            else np.zeros(len(open_lines), dtype=bool))
    invoice_side = open_lines["invoice_side"].to_numpy(dtype=bool)
    invoices = _Lines(open_lines, invoice_side)
    days = _Days(invoices, held[invoice_side])
    settlements = _Lines(open_lines, ~invoice_side & ~held)
    if not days.batches.any() or not len(settlements.line):
        return PassOutput()
    owed = -settlements.amount
    rows, day_rows = joined_rows(*pair_keys(settlements.party, owed, days.party[days.batches],
                                            days.total[days.batches]))
    day_rows = np.flatnonzero(days.batches)[day_rows]
    pairs = pd.DataFrame({"line": settlements.line[rows], "party_id": settlements.party[rows],
                          "amount": settlements.amount[rows], "date": settlements.date[rows],
                          "total": owed[rows], "date_day": days.date[day_rows], "day": day_rows})
    pairs = pairs[_in_reach(pairs, windows, max_days_early)]
    # Unique both ways: one day for the settlement, one settlement for the day; and no single
    # invoice of the settlement's amount within reach (as good an answer: looked for only
    # for the settlements of these pairs).
    paired = np.flatnonzero(numbers_in(settlements.line, pairs["line"]))
    rows, invoice_rows = joined_rows(*pair_keys(settlements.party[paired], owed[paired], invoices.party,
                                                invoices.amount))
    rows = paired[rows]
    day = invoices.date[invoice_rows]
    single = settlements.line[rows][within_reach(
        settlements.party[rows], settlements.date[rows], day, day, windows, max_days_early)]
    pairs = _in_order(pairs[~pairs["line"].isin(single)])
    groups = []
    for settlement, day, date in zip(pairs["line"].tolist(), pairs["day"].tolist(),
                                     pairs["date_day"].tolist()):
        lines = sorted([settlement, *days.lines(day)])
        reason = (f"every open invoice of {pd.Timestamp(date):%Y-%m-%d} "
                  f"({len(lines) - 1} lines) settled by one payment")
        groups.append((lines, reason))
    return exact_groups_output("day", groups, documents, cites)


def _in_order(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs to letter: per third party and total, as many settlements as days, paired
    oldest with oldest, every such pair within reach (one of each, or recurring equal days
    paid by equal settlements, as in situation 3). In numpy: a handful of pairs, most often,
    that pandas' groupbys and merges took 20 ms to sort out."""
    if pairs.empty:
        return pairs
    key = pair_keys(pairs["party_id"].to_numpy(dtype=np.int64), pairs["total"].to_numpy(dtype=np.int64))[0]
    line, day = pairs["line"].to_numpy(dtype=np.int64), pairs["day"].to_numpy(dtype=np.int64)
    # The settlements, and the days, of each (third party, total), oldest first.
    settlements = np.unique(line, return_index=True)[1]
    settlements = settlements[np.lexsort((line[settlements], pairs["date"].to_numpy()[settlements],
                                          key[settlements]))]
    days = np.unique(day, return_index=True)[1]
    days = days[np.lexsort((pairs["date_day"].to_numpy()[days], key[days]))]
    keys, settlement_counts = _runs(key[settlements])  # (the same keys: each pair has both)
    day_counts = _runs(key[days])[1]
    even = settlement_counts == day_counts
    # The k-th settlement of an even (third party, total) with its k-th day.
    width = int(day.max()) + 1
    wanted = (line[settlements[np.repeat(even, settlement_counts)]] * width
              + day[days[np.repeat(even, day_counts)]])
    chosen = np.isin(line * width + day, wanted)
    at = np.searchsorted(keys, key)
    complete = np.bincount(at[chosen], minlength=len(keys)) == day_counts
    return pairs[chosen & complete[at]]


def _runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``values`` (sorted) and how many times each comes."""
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    return values[starts], np.diff(np.append(starts, len(values)))


def _in_reach(pairs: pd.DataFrame, windows: pd.Series, max_days_early: int) -> np.ndarray:
    """Whether each settlement (``date``) is dated within reach of its day (``date_day``)."""
    day = pairs["date_day"].to_numpy()  # a batch of one day
    return within_reach(pairs["party_id"].to_numpy(), pairs["date"].to_numpy(), day, day, windows,
                        max_days_early)


class _Lines:
    """Some open lines' columns, as arrays."""

    def __init__(self, open_lines: pd.DataFrame, rows: np.ndarray) -> None:
        self.line = open_lines["line"].to_numpy(dtype=np.int64)[rows]
        self.party = open_lines["party_id"].to_numpy(dtype=np.int64)[rows]
        self.amount = open_lines["amount"].to_numpy(dtype=np.int64)[rows]
        self.date = open_lines["date"].to_numpy()[rows]


class _Days:
    """The days of some invoices (per third party and date): ``party``, ``date``, ``total``,
    their lines, and whether each is a possible batch (:data:`MIN_INVOICES` or more
    invoices, none held back)."""

    def __init__(self, invoices: _Lines, held: np.ndarray) -> None:
        dated = np.flatnonzero(~np.isnat(invoices.date))
        order = dated[np.lexsort((invoices.date[dated], invoices.party[dated]))]
        party, date = invoices.party[order], invoices.date[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = (party[1:] != party[:-1]) | (date[1:] != date[:-1])
        starts = np.flatnonzero(new)
        self._bounds = np.append(starts, len(order))
        self._lines = invoices.line[order]
        self.party, self.date = party[starts], date[starts]
        self.total = (np.add.reduceat(invoices.amount[order], starts) if len(starts)
                      else np.zeros(0, dtype=np.int64))
        count = np.diff(self._bounds)
        none_held = ~np.logical_or.reduceat(held[order], starts) if len(starts) else np.zeros(0, bool)
        self.batches = (count >= MIN_INVOICES) & none_held

    def lines(self, day: int) -> list[int]:
        """The lines of day ``day`` (a position in these days)."""
        return self._lines[self._bounds[day]:self._bounds[day + 1]].tolist()
