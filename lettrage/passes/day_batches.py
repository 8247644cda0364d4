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

from lettrage.passes.base import PassOutput
from lettrage.passes.batches import exact_groups_output

_DAY = np.timedelta64(1, "D")
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
    invoices = open_lines.loc[invoice_side, ["line", "party_id", "amount", "date"]].assign(
        held=held[invoice_side])
    days = invoices.groupby(["party_id", "date"]).agg(
        total=("amount", "sum"), count=("line", "size"), held=("held", "any")).reset_index()
    days = days[(days["count"] >= MIN_INVOICES) & ~days["held"]]
    settlements = open_lines.loc[~invoice_side & ~held, ["line", "party_id", "amount", "date"]]
    if days.empty or settlements.empty:
        return PassOutput()
    pairs = settlements.assign(total=-settlements["amount"]).merge(
        days[["party_id", "date", "total"]], on=["party_id", "total"], suffixes=("", "_day"))
    pairs = pairs[_in_reach(pairs, windows, max_days_early)]
    # Unique both ways: one day for the settlement, one settlement for the day; and no single
    # invoice of the settlement's amount within reach (as good an answer).
    single = settlements.assign(total=-settlements["amount"]).merge(
        invoices[["party_id", "date", "amount"]].rename(columns={"amount": "total"}),
        on=["party_id", "total"], suffixes=("", "_day"))
    single = single[_in_reach(single, windows, max_days_early)]
    pairs = _in_order(pairs[~pairs["line"].isin(single["line"])])
    keys = ["party_id", "date"]
    wanted = pd.MultiIndex.from_frame(invoices[keys]).isin(
        pd.MultiIndex.from_arrays([pairs["party_id"], pairs["date_day"]]))
    members_of = invoices[wanted].groupby(keys)["line"].agg(list)
    groups = []
    for settlement, party, day in zip(pairs["line"].tolist(), pairs["party_id"].tolist(),
                                      pairs["date_day"].tolist()):
        lines = sorted([settlement, *members_of[(party, day)]])
        reason = (f"every open invoice of {pd.Timestamp(day):%Y-%m-%d} "
                  f"({len(lines) - 1} lines) settled by one payment")
        groups.append((lines, reason))
    return exact_groups_output("day", groups, documents, cites)


def _in_order(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs to letter: per third party and total, as many settlements as days, paired
    oldest with oldest, every such pair within reach (one of each, or recurring equal days
    paid by equal settlements, as in situation 3)."""
    if pairs.empty:
        return pairs
    keys = ["party_id", "total"]
    settlements = pairs.drop_duplicates("line")
    days = pairs.drop_duplicates(keys + ["date_day"])
    counts = pd.DataFrame({"settlements": settlements.groupby(keys).size(),
                           "days": days.groupby(keys).size()})
    even = counts[counts["settlements"] == counts["days"]].index
    settlements = settlements[pd.MultiIndex.from_frame(settlements[keys]).isin(even)]
    days = days[pd.MultiIndex.from_frame(days[keys]).isin(even)]
    settlements = settlements.sort_values(keys + ["date", "line"]).assign(
        rank=lambda f: f.groupby(keys).cumcount())
    days = days.sort_values(keys + ["date_day"]).assign(rank=lambda f: f.groupby(keys).cumcount())
    wanted = settlements[keys + ["rank", "line"]].merge(days[keys + ["rank", "date_day"]],
                                                       on=keys + ["rank"])
    chosen = pairs.merge(wanted[["line", "date_day"]], on=["line", "date_day"])
    complete = chosen.groupby(keys).size().reindex(even, fill_value=0) == counts.loc[even, "days"]
    return chosen[pd.MultiIndex.from_frame(chosen[keys]).isin(complete[complete].index)]


def _in_reach(pairs: pd.DataFrame, windows: pd.Series, max_days_early: int) -> np.ndarray:
    """Whether each settlement (``date``) is dated within reach of its day (``date_day``)."""
    delay = ((pairs["date"] - pairs["date_day"]) // _DAY).to_numpy()
    window = windows.reindex(pairs["party_id"]).to_numpy(dtype=np.int64)
    return (delay >= -max_days_early) & (delay <= window)
