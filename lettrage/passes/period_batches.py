"""Period batches: one settlement for every open invoice (and credit note) of a run of days of
its third party — a statement, a fortnight's deliveries debited at once.

Among many open invoices, subsets that reach a settlement's amount by chance abound, and the
subset pass, unable to prove one answer, letters nothing. An accountant looks for the invoices
the settlement plainly covers: every open invoice from one day to another. This pass letters
such a *period* — whole days, :data:`MIN_INVOICES` or more invoices, none held back, at most
:data:`MAX_SPAN_DAYS` from first to last — only when nothing of that kind competes:

- the settlement matches no other run of consecutive open invoices of its third party within
  reach (runs of any length, whole days or not: one invoice of the amount, two invoices of
  the days after, a run that starts within a day are as good answers);
- no other settlement matches a run overlapping the period;
- no line of the group cites a document outside it.

"Within reach": the settlement is dated at most ``max_days_early`` before the period's last
day and at most the third party's window after its first. The period's *documents* are the
third party's open lines in the journals of its invoices — its invoices and the credit notes
filed with them — taken in (date, line) order; a settlement is an opposite line of another
journal. Runs of one day are left to :mod:`lettrage.passes.day_batches`, which runs first.

The same the other way round, on what is left: one invoice for every open settlement of a
run of days after it (the settlements, less the refunds among them; the same conditions,
:data:`MIN_INVOICES` settlements or more) — a monthly statement paid by the direct debits of
the month that follows. "Within reach": the run's first settlement at most
``max_days_early`` before the invoice, its last at most the third party's window after it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lettrage.arrays import distinct, numbers_in
from lettrage.passes.base import PassOutput
from lettrage.passes.batches import (
    exact_groups_output,
    joined_rows,
    pair_keys,
    within_reach,
)

#: The fewest invoices a period holds: two invoices that match a payment are chance too often
#: (situation 16).
MIN_INVOICES = 3
#: The longest period, first to last invoice day: two months of deliveries paid at once (31
#: days left out 7 of the last real file's groups, 45 to 54 days long, none contradicted).
MAX_SPAN_DAYS = 62
#: The most documents a run holds. A third party with longer runs within reach of its
#: settlements (thousands of till receipts a month) gets no period batch: its rivals were
#: not all seen.
MAX_RUN_DOCUMENTS = 500


def period_batch_pass(
    open_lines: pd.DataFrame,
    windows: pd.Series,
    documents: pd.DataFrame,
    cites: pd.DataFrame,
    *,
    max_days_early: int,
) -> PassOutput:
    """Letter settlements equal to the sum of every open invoice of a period, then invoices
    equal to the sum of every open settlement of a period after them.

    Parameters
    ----------
    open_lines : open lines of the company currency with ``line``, ``party_id``, ``amount``
        (cents), ``date``, ``invoice_side``, ``journal`` and optionally ``held``.
    windows : per ``party_id``, the days after an invoice its settlement may come.
    documents, cites : reference evidence (see :mod:`lettrage.references`).
    max_days_early : how many days a settlement may precede the invoices it settles.
    """
    held = (open_lines["held"].to_numpy(dtype=bool) if "held" in open_lines.columns
            else np.zeros(len(open_lines), dtype=bool))
    invoice_side = open_lines["invoice_side"].to_numpy(dtype=bool)
    in_document_journal = _in_document_journal(open_lines, invoice_side)
    columns = ["line", "party_id", "amount", "date"]
    # Invoices (and the credit notes filed with them), each run settled by one payment.
    filed = open_lines.loc[in_document_journal, columns].assign(
        held=held[in_document_journal], invoice=invoice_side[in_document_journal])
    settlements = open_lines.loc[~invoice_side & ~held & ~in_document_journal, columns]
    groups = _periods(filed, settlements, windows, max_days_early, "every open invoice",
                      "settled by one payment")
    # Settlements (and the refunds among them), each run settling one invoice: a monthly
    # statement paid by the direct debits of the month after it.
    taken = [line for lines, _ in groups for line in lines]
    paid = ~in_document_journal & ~numbers_in(open_lines["line"], taken)
    payments = open_lines.loc[paid, columns].assign(held=held[paid], invoice=~invoice_side[paid])
    statements = open_lines.loc[invoice_side & ~held & in_document_journal
                                & ~numbers_in(open_lines["line"], taken), columns]
    groups += _periods(payments, statements, windows, max_days_early, "every open payment",
                       "settling one invoice", after=True)
    return exact_groups_output("period", groups, documents, cites)


def _periods(members: pd.DataFrame, ones: pd.DataFrame, windows: pd.Series, max_days_early: int,
             what: str, how: str, *, after: bool = False) -> list[tuple[list[int], str]]:
    """The groups of one line of ``ones`` and every line of ``members`` (``invoice``: counted,
    the others deducted) from one day to another of its third party (see the module's
    docstring). ``after``: the run follows the one line (a statement and the payments that
    settle it) instead of preceding it."""
    line = members["line"].to_numpy()
    # (lines in order, as the passes have them, stay so among equal keys: lexsort is stable)
    line_key = () if np.all(line[1:] > line[:-1]) else (line,)
    members = members.take(np.lexsort((*line_key, members["date"].to_numpy(), members["party_id"].to_numpy())))
    total = np.abs(ones["amount"].to_numpy(dtype=np.int64))
    ones = _rows({"line": ones["line"].to_numpy(), "party_id": ones["party_id"].to_numpy(dtype=np.int64),
                  "date": ones["date"].to_numpy(), "total": total}, total > 0)
    if members.empty or not len(ones["line"]):
        return []
    runs, crowded = _runs(members, ones["party_id"], ones["total"])
    if len(crowded):
        runs = _rows(runs, ~numbers_in(runs["party_id"], crowded))
    at, run_at = joined_rows(*pair_keys(ones["party_id"], ones["total"], runs["party_id"], runs["total"]))
    # (each pair's columns gathered only as a test needs them, those out of reach dropped first)
    reach = within_reach(ones["party_id"][at], ones["date"][at], runs["first"][run_at], runs["last"][run_at],
                         windows, max_days_early, after=after)
    at, run_at = at[reach], run_at[reach]
    pairs = {"line": ones["line"][at], "party_id": ones["party_id"][at], "start": runs["start"][run_at],
             "stop": runs["stop"][run_at]}
    period = runs["whole_days"] & (runs["count"] >= MIN_INVOICES) & ~runs["held"] & (runs["first"] != runs["last"])
    chosen = _not_overlapped(np.flatnonzero(_once(pairs["line"]) & period[run_at]), pairs)
    chosen = {"line": pairs["line"][chosen], "start": pairs["start"][chosen], "stop": pairs["stop"][chosen],
              "first": runs["first"][run_at[chosen]], "last": runs["last"][run_at[chosen]]}
    member_lines = members["line"].to_numpy()
    groups = []
    for one, start, stop, first, last in zip(
            chosen["line"].tolist(), chosen["start"].tolist(), chosen["stop"].tolist(),
            pd.Series(chosen["first"]).dt.strftime("%Y-%m-%d").tolist(),
            pd.Series(chosen["last"]).dt.strftime("%Y-%m-%d").tolist()):
        lines = sorted([one, *member_lines[start:stop + 1].tolist()])
        groups.append((lines, f"{what} from {first} to {last} ({len(lines) - 1} lines) {how}"))
    return groups


def _rows(table: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    """The ``rows`` (a mask or positions) of each column of ``table``."""
    return {name: column[rows] for name, column in table.items()}


def _once(values: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` occurs only once."""
    _, at, counts = np.unique(values, return_inverse=True, return_counts=True)
    return counts[at] == 1


def _in_document_journal(open_lines: pd.DataFrame, invoice_side: np.ndarray) -> np.ndarray:
    """Whether each line is an open invoice, or in a journal where its third party has one
    (a line without a journal is a document only on the invoice side)."""
    if "journal" not in open_lines.columns:
        return invoice_side
    known = (open_lines["journal"] != "").to_numpy()
    journal, journals = pd.factorize(open_lines["journal"])
    pairs = open_lines["party_id"].to_numpy(dtype=np.int64) * (len(journals) + 1) + journal  # (party, journal)
    return invoice_side | (known & numbers_in(pairs, pairs[invoice_side & known]))


def _runs(documents: pd.DataFrame, party_of: np.ndarray, amount_of: np.ndarray) -> tuple[dict[str, np.ndarray],
                                                                                      np.ndarray]:
    """Every run of consecutive ``documents`` (rows ``start`` to ``stop`` of one third party,
    in their order, spanning at most :data:`MAX_SPAN_DAYS`) whose total is the amount of an
    open settlement of that third party (``party_of``, ``amount_of``: the settlements'):
    ``party_id``, ``start``, ``stop``, ``first`` and ``last`` day, ``total`` (invoices less
    credit notes), ``count`` (invoices), ``held`` (a line held back), ``whole_days`` (every
    document of its first and last days); and the third parties whose runs grew past
    :data:`MAX_RUN_DOCUMENTS` unexplored."""
    party = documents["party_id"].to_numpy(dtype=np.int64)
    dates = documents["date"].to_numpy()
    day = dates.astype("datetime64[D]").astype(np.int64)
    size = len(party)
    invoice = documents["invoice"].to_numpy(dtype=bool)
    amounts = np.where(invoice, 1, -1) * np.abs(documents["amount"].to_numpy(dtype=np.int64))
    held = np.concatenate(([0], np.cumsum(documents["held"].to_numpy(dtype=np.int64))))
    invoices = np.concatenate(([0], np.cumsum(invoice.astype(np.int64))))
    new_day = np.ones(size, dtype=bool)
    new_day[1:] = (party[1:] != party[:-1]) | (day[1:] != day[:-1])
    day_ends = np.append(new_day[1:], True)
    # Settlement amounts per third party, as one sorted key. A run whose total exceeds the
    # largest by more than all the third party's credit notes can only grow past it.
    stride = int(amount_of.max()) + 1
    targets = np.sort(party_of * stride + amount_of)  # (np.unique would hash: 20 times slower)
    targets = targets[np.r_[True, targets[1:] != targets[:-1]]]
    largest = _largest(party_of, amount_of, party)
    ceiling = largest + _party_sums(party, np.where(invoice, 0, -amounts))
    start = np.arange(size)
    stop = start.copy()
    total = amounts.copy()
    found = []
    while len(start):
        live = (total <= ceiling[start]) & (largest[start] > 0)
        start, stop, total = start[live], stop[live], total[live]
        if len(start) and int(stop[0] - start[0]) >= MAX_RUN_DOCUMENTS:
            crowded = distinct(party[start])  # runs left unexplored: no period is proved
            break
        hit = (total > 0) & (total <= largest[start])
        hit[hit] = _among(party[start[hit]] * stride + total[hit], targets)
        if hit.any():
            found.append((start[hit], stop[hit], total[hit]))
        more = stop + 1 < size
        start, stop, total = start[more], stop[more] + 1, total[more]
        grows = (party[stop] == party[start]) & (day[stop] - day[start] <= MAX_SPAN_DAYS)
        start, stop = start[grows], stop[grows]
        total = total[grows] + amounts[stop]
    else:
        crowded = np.zeros(0, dtype=np.int64)
    a, b, total = (np.concatenate(parts) for parts in zip(*found)) if found else (np.zeros(0, dtype=np.int64),) * 3
    return {"party_id": party[a], "start": a, "stop": b, "first": dates[a], "last": dates[b], "total": total,
            "count": invoices[b + 1] - invoices[a], "held": held[b + 1] > held[a],
            "whole_days": new_day[a] & day_ends[b]}, crowded


def _largest(party_of: np.ndarray, amount_of: np.ndarray, party: np.ndarray) -> np.ndarray:
    """For each of ``party``, the largest of ``amount_of`` (all positive) of its third party
    in ``party_of``, 0 for none."""
    parties, at = np.unique(party_of, return_inverse=True)
    largest = np.zeros(len(parties) + 1, dtype=np.int64)  # (the last for none)
    np.maximum.at(largest, at, amount_of)
    where = np.searchsorted(parties, party)
    where[parties[np.minimum(where, len(parties) - 1)] != party] = len(parties)
    return largest[where]


def _party_sums(party: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each row (``party`` in runs of equal third parties), the sum of ``values`` over
    its third party's rows."""
    starts = np.flatnonzero(np.r_[True, party[1:] != party[:-1]])
    return np.repeat(np.add.reduceat(values, starts), np.diff(np.append(starts, len(party))))


def _among(values: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Which ``values`` are among ``targets`` (sorted, distinct)."""
    if not len(targets):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(targets, values), len(targets) - 1)
    return targets[at] == values


def _not_overlapped(chosen: np.ndarray, pairs: dict[str, np.ndarray]) -> np.ndarray:
    """The ``chosen`` pairs (positions in ``pairs``) whose run overlaps no run another
    settlement matches."""
    mine, other = joined_rows(pairs["party_id"][chosen], pairs["party_id"])
    mine_at = chosen[mine]
    clash = ((pairs["line"][mine_at] != pairs["line"][other]) & (pairs["start"][other] <= pairs["stop"][mine_at])
             & (pairs["start"][mine_at] <= pairs["stop"][other]))
    kept = np.ones(len(chosen), dtype=bool)
    kept[mine[clash]] = False
    return chosen[kept]
