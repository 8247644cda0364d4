"""Settled third parties: what is left open of a third party nets to zero, and no part of it
does.

An accountant letters a third party's balance when it comes back to zero: a year-end accrual
(``FNP``) that clears six months of one supplier's direct debits, a transfer that settles
every invoice of a quarter. After every other pass, when the open lines of a third party
net to zero and no part of them does (no smaller set among them nets to zero), the only
way to letter them is all together, whatever their dates: they make one group.

When a part nets to zero, the lines hold at least two groups and nothing says which: they
stay in review. So they do when the remainder rests on a doubtful guess of the FIFO pass: an
open line has the amount of a line FIFO paired in that third party, and is as close in date
to that line's partner — FIFO could as well have taken it — unless the two cannot be told
apart (same date, PieceRef and label). A third party with a held line (an aggregated opening balance), or an open
line in a foreign currency, is left alone, and so is a group one of whose lines cites a
document outside it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lettrage.passes.base import PassOutput
from lettrage.passes.batches import exact_groups_output

#: At least this many lines (two opposite amounts are the exact and FIFO passes' to pair).
MIN_LINES = 3
#: At most this many lines: the proof that no part nets to zero enumerates 2^(n/2) sums.
MAX_LINES = 32


def settled_party_pass(left: pd.DataFrame, foreign: np.ndarray, guessed: pd.DataFrame,
                       documents: pd.DataFrame, cites: pd.DataFrame) -> PassOutput:
    """Letter the third parties whose open lines settle each other (see the module's docstring).

    Parameters
    ----------
    left : the lines still open after every other pass, with ``line``, ``party_id``,
        ``amount`` (cents) and optionally ``held``.
    foreign : per row of ``left``, whether it is matched in a foreign currency.
    guessed : the pairs the FIFO pass lettered: ``group`` and the columns of ``left`` with
        ``date``, ``piece_ref`` and ``label``.
    documents, cites : reference evidence (see :mod:`lettrage.references`).
    """
    if left.empty:
        return PassOutput()
    held = (left["held"].to_numpy(dtype=bool) if "held" in left.columns
            else np.zeros(len(left), dtype=bool))
    parties = pd.DataFrame({
        "party_id": left["party_id"].to_numpy(), "amount": left["amount"].to_numpy(dtype=np.int64),
        "count": 1, "blocked": held | np.asarray(foreign, dtype=bool),
    }).groupby("party_id", sort=True).agg({"amount": "sum", "count": "sum", "blocked": "max"})
    candidates = parties[(parties["amount"] == 0) & ~parties["blocked"]
                         & parties["count"].between(MIN_LINES, MAX_LINES)].index
    chosen = left[left["party_id"].isin(candidates)].sort_values(["party_id", "line"])
    chosen = chosen[~chosen["party_id"].isin(_resting_on_guesses(chosen, guessed))]
    groups: list[tuple[list[int], str]] = []
    for _, lines in chosen.groupby("party_id", sort=True):
        if has_smaller_zero_set(lines["amount"].to_numpy(dtype=np.int64)):
            continue
        reason = (f"the {len(lines)} lines left open of this third party net to zero and no "
                  "part of them does: they settle each other")
        groups.append((lines["line"].tolist(), reason))
    return exact_groups_output("settled", groups, documents, cites)


def _resting_on_guesses(lines: pd.DataFrame, guessed: pd.DataFrame) -> np.ndarray:
    """Third parties of ``lines`` where one of them could have taken the place of a
    ``guessed`` line in its pair: same third party and amount, at most as far in date from
    the partner, and not its twin (same date, PieceRef and label)."""
    if guessed.empty:
        return np.zeros(0, dtype=np.int64)
    twin = ["party_id", "amount", "date", "piece_ref", "label"]
    day = np.timedelta64(1, "D")
    dates = guessed.groupby("group")["date"]
    partner = dates.transform("min") + (dates.transform("max") - guessed["date"])
    guessed = guessed.assign(partner=partner.where(dates.transform("size") == 2))
    same_amount = lines[twin].merge(guessed[[*twin, "partner"]], on=["party_id", "amount"],
                                    suffixes=("", "_guessed"))
    other = np.zeros(len(same_amount), dtype=bool)
    for column in ("date", "piece_ref", "label"):
        other |= (same_amount[column].astype(str) != same_amount[f"{column}_guessed"].astype(str)).to_numpy()
    mine = ((same_amount["date"] - same_amount["partner"]).abs() // day).to_numpy()
    theirs = ((same_amount["date_guessed"] - same_amount["partner"]).abs() // day).to_numpy()
    doubtful = other & ~(mine > theirs)  # an unknown partner (not a pair) is doubtful too
    return same_amount.loc[doubtful, "party_id"].unique()


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
