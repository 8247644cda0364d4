"""Settled stretches: the open balance of a third party comes back to zero, and no part of
the lines between does.

An accountant letters a third party's balance when it comes back to zero: a year-end accrual
(``FNP``) that clears six months of one supplier's direct debits, a transfer that settles
every invoice of a quarter. After every other pass, the open lines of each third party are
taken in date order; a day at whose end their running total is zero closes a *stretch* (from
the day after the previous such day). When no smaller set of a stretch's lines nets to zero,
the only way to letter them with each other is all together, whatever their dates within
the widest window (``max_window_days``): they make one group. (Lines after the last such day never do: an unpaid invoice keeps the balance
open.)

When a part nets to zero, the stretch holds at least two groups and nothing says which: it
stays in review. So it does when it rests on a doubtful guess of the FIFO pass: an open line
of the third party has the amount of a line FIFO paired there and is at most as far in date
from that line's partner — FIFO could as well have taken it — unless the two cannot be told
apart (same date, PieceRef and label). A stretch holding a held line (an aggregated opening
balance) or a foreign-currency line is left alone, and so is a group one of whose lines cites
a document outside it, or one of several settlements against several documents whose
references agree but link half of its lines or fewer (as in the subset pass).
"""
from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd

from lettrage.arrays import numbers_in
from lettrage.passes.base import PassOutput
from lettrage.passes.batches import exact_groups_output, joined_rows, pair_keys
from lettrage.passes.subset import Evidence, weakly_linked

#: At least this many lines (two opposite amounts are the exact and FIFO passes' to pair).
MIN_LINES = 3
#: At most this many lines: the proof that no part nets to zero enumerates 2^(n/2) sums.
MAX_LINES = 32


def settled_party_pass(left: pd.DataFrame, foreign: np.ndarray, guessed: pd.DataFrame,
                       documents: pd.DataFrame, cites: pd.DataFrame, *, max_days: int) -> PassOutput:
    """Letter the stretches of third parties whose open lines settle each other (see the
    module's docstring).

    Parameters
    ----------
    left : the lines still open after every other pass, with ``line``, ``party_id``,
        ``amount`` (cents) and optionally ``held``.
    foreign : per row of ``left``, whether it is matched in a foreign currency.
    guessed : the pairs the FIFO pass lettered: ``group`` and the columns of ``left`` with
        ``date``, ``piece_ref`` and ``label``.
    documents, cites : reference evidence (see :mod:`lettrage.references`).
    max_days : the widest span of dates a stretch may cover (the widest window).
    """
    if left.empty:
        return PassOutput()
    held = (left["held"].to_numpy(dtype=bool) if "held" in left.columns
            else np.zeros(len(left), dtype=bool))
    rows, segment = _stretches(left, held | np.asarray(foreign, dtype=bool), max_days)
    chosen = left.take(rows)  # (the texts taken for these lines only)
    kept = ~chosen["party_id"].isin(resting_on_guesses(chosen, guessed)).to_numpy()
    chosen, segment = chosen[kept], segment[kept]
    evidence = Evidence(documents[numbers_in(documents["line"], chosen["line"])],
                        cites[numbers_in(cites["line"], chosen["line"])])
    groups: list[tuple[list[int], str]] = []
    party = chosen["party_id"].to_numpy()
    line, amount = chosen["line"].to_numpy(dtype=np.int64), chosen["amount"].to_numpy(dtype=np.int64)
    dates = chosen["date"].to_numpy()
    for start, stop in _runs(party, segment):
        amounts = amount[start:stop]
        if has_smaller_zero_set(amounts):
            continue
        agree, _, unlinked = evidence.weigh(line[start:stop].tolist())
        if weakly_linked(agree, min((amounts > 0).sum(), (amounts < 0).sum()) > 1, unlinked,
                         len(amounts)):
            continue
        reason = (f"the {len(amounts)} open lines of this third party from "
                  f"{pd.Timestamp(dates[start]):%Y-%m-%d} to "
                  f"{pd.Timestamp(dates[stop - 1]):%Y-%m-%d} net to zero and no part "
                  "of them does: they settle each other")
        groups.append((sorted(line[start:stop].tolist()), reason))
    return exact_groups_output("settled", groups, documents, cites)


def party_date_order(lines: pd.DataFrame) -> np.ndarray:
    """The positions of ``lines`` in the order of ``sort_values(["party_id", "date", "line"])``
    (a missing date last), by one ``np.lexsort`` of their numbers."""
    dates = lines["date"].to_numpy()
    days = dates.view(np.int64).copy()
    days[np.isnat(dates)] = np.iinfo(np.int64).max
    return np.lexsort((lines["line"].to_numpy(), days, lines["party_id"].to_numpy()))


def _stretches(left: pd.DataFrame, blocked: np.ndarray, max_days: int) -> tuple[np.ndarray, np.ndarray]:
    """The positions in ``left`` of the lines of the stretches that may make a group — none
    ``blocked``, :data:`MIN_LINES` to :data:`MAX_LINES` lines, at most ``max_days`` from the
    first date to the last — sorted by third party, date and line, and each one's stretch
    (see :func:`_segments`). Numbers only, sorted and grouped in numpy."""
    order = party_date_order(left)
    party = left["party_id"].to_numpy()[order]
    dates = left["date"].to_numpy()[order]
    segment = _segments(party, left["amount"].to_numpy(dtype=np.int64)[order], dates)
    rows = np.flatnonzero(segment >= 0)
    if not len(rows):
        return rows, rows
    starts = np.flatnonzero(np.r_[True, (party[rows][1:] != party[rows][:-1])
                                  | (segment[rows][1:] != segment[rows][:-1])])
    counts = np.diff(np.append(starts, len(rows)))
    good = (~np.logical_or.reduceat(blocked[order][rows], starts) & (counts >= MIN_LINES)
            & (counts <= MAX_LINES) & (_spans(dates[rows], starts) <= max_days))
    rows = rows[np.repeat(good, counts)]
    return order[rows], segment[rows]


def _segments(party: np.ndarray, amount: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Per line (sorted by third party, date, line: ``party``, ``amount``, ``day`` its date),
    the stretch of days it belongs to between two days where the third party's open balance
    is back to zero (0, 1, … per third party), or -1 after the last such day."""
    if not len(party):
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, party[1:] != party[:-1]])
    party_of = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(party))))
    total = np.cumsum(amount)
    running = total - (total - amount)[starts][party_of]  # the third party's balance so far
    last_of_day = np.ones(len(party), dtype=bool)
    last_of_day[:-1] = (party[1:] != party[:-1]) | (day[1:] != day[:-1])
    closes = (last_of_day & (running == 0)).astype(np.int64)
    closed = np.cumsum(closes)
    closed_before = closed - closes - (closed - closes)[starts][party_of]
    closings = np.add.reduceat(closes, starts)[party_of]
    return np.where(closed_before < closings, closed_before, -1)


def _spans(dates: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Whole days from the first to the last of the ``dates`` of each run (from ``starts``),
    missing dates left out; NaN for a run without a date (no span is within a limit)."""
    if not len(starts):
        return np.zeros(0)
    dated = ~np.isnat(dates)
    ticks = dates.view(np.int64)
    first = np.minimum.reduceat(np.where(dated, ticks, np.iinfo(np.int64).max), starts)
    last = np.maximum.reduceat(np.where(dated, ticks, np.iinfo(np.int64).min), starts)
    some = np.add.reduceat(dated, starts) > 0
    days = np.full(len(starts), np.nan)
    days[some] = (last[some].view(dates.dtype) - first[some].view(dates.dtype)) // np.timedelta64(1, "D")
    return days


def _runs(party: np.ndarray, segment: np.ndarray) -> list[tuple[int, int]]:
    """``(start, stop)`` of each run of equal ``(party, segment)``, in order."""
    if not len(party):
        return []
    bounds = np.flatnonzero(np.r_[True, (party[1:] != party[:-1]) | (segment[1:] != segment[:-1]), True])
    return list(pairwise(bounds.tolist()))


def resting_on_guesses(lines: pd.DataFrame, guessed: pd.DataFrame) -> np.ndarray:
    """Third parties of ``lines`` where one of them could have taken the place of a
    ``guessed`` line in its pair: same third party and amount, at most as far in date from
    the partner, and not its twin (same date, PieceRef and label)."""
    if guessed.empty:
        return np.zeros(0, dtype=np.int64)
    partner, paired = _partners(guessed)
    party = lines["party_id"].to_numpy(dtype=np.int64)
    mine_at, theirs_at = joined_rows(*pair_keys(
        party, lines["amount"].to_numpy(dtype=np.int64),
        guessed["party_id"].to_numpy(dtype=np.int64), guessed["amount"].to_numpy(dtype=np.int64)))
    date, guessed_date = lines["date"].to_numpy()[mine_at], guessed["date"].to_numpy()[theirs_at]
    other = ~((date == guessed_date) | (np.isnat(date) & np.isnat(guessed_date)))
    same_day = np.flatnonzero(~other)  # twins only if they share their texts too
    for column in ("piece_ref", "label"):
        mine = np.asarray(lines[column].array.take(mine_at[same_day]), dtype=object)
        theirs = np.asarray(guessed[column].array.take(theirs_at[same_day]), dtype=object)
        other[same_day] |= mine != theirs
    partner, paired = partner[theirs_at], paired[theirs_at]
    day = np.timedelta64(1, "D")
    closer = np.zeros(len(other), dtype=bool)  # than the guessed line to its partner
    closer[paired] = (np.abs(date[paired] - partner[paired]) // day
                      > np.abs(guessed_date[paired] - partner[paired]) // day)
    doubtful = other & ~closer  # an unknown partner (not a pair) is doubtful too
    return pd.unique(party[mine_at][doubtful])


def _partners(guessed: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per line of ``guessed`` (``group``, ``date``), the date of its partner, and whether
    its group is a pair (else that date means nothing)."""
    group = pd.factorize(guessed["group"])[0]
    dates = guessed["date"].to_numpy()
    ticks = dates.view(np.int64)
    first = np.full(group.max() + 1, np.iinfo(np.int64).max)
    last = np.full(group.max() + 1, np.iinfo(np.int64).min)
    np.minimum.at(first, group, ticks)
    np.maximum.at(last, group, ticks)
    paired = (np.bincount(group) == 2)[group]
    partner = np.where(paired, first[group] + (last[group] - ticks), 0).view(dates.dtype)
    return partner, paired & ~np.isnat(dates)


def has_smaller_zero_set(amounts: np.ndarray) -> bool:
    """Whether a nonempty proper subset of ``amounts`` (which net to zero) nets to zero.

    Meet in the middle: every sum of the first half against every sum of the second; a
    zero total is met once by (nothing, nothing) and once by (everything, everything), so
    any other meeting is a smaller set (or its complement) that nets to zero.
    """
    half = len(amounts) // 2
    firsts, seconds = _subset_sums(amounts[:half]), np.sort(_subset_sums(amounts[half:]))
    meetings = (np.searchsorted(seconds, -firsts, side="right")
                - np.searchsorted(seconds, -firsts, side="left"))
    return int(meetings.sum()) > 2


def _subset_sums(amounts: np.ndarray) -> np.ndarray:
    """The sums of the 2^n subsets of ``amounts`` (the empty one first, all of them last)."""
    sums = np.zeros(1, dtype=np.int64)
    for amount in amounts:
        sums = np.concatenate([sums, sums + amount])
    return sums
