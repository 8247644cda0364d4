"""FIFO pairs that oldest-first itself doubts.

The FIFO pass pairs equal amounts oldest first. When a line left open, dated between the
two lines of a pair, could have settled the pair's older line together with one more open
line (a transfer of 667.18 on 15 November for the 316.50 invoice of 15 September and the
350.68 one of 30 September), oldest-first says that earlier line took it: the pair, made
with a payment of 21 December, is a guess the rest of the ledger contradicts. Such pairs go
to review.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def claimed_earlier(pairs: pd.DataFrame, still_open: pd.DataFrame) -> np.ndarray:
    """The groups of ``pairs`` (two lines each: ``group``, ``line``, ``party_id``,
    ``amount``, ``date``) whose older line ``x`` an open line ``z`` of ``still_open`` (same
    third party, opposite sign, dated from ``x`` to before the younger line) could have
    settled with one more open line ``w`` of ``x``'s sign: ``x + w + z = 0``."""
    if pairs.empty or still_open.empty:
        return np.zeros(0, dtype=np.int64)
    ordered = pairs.sort_values(["group", "date", "line"])
    older = ordered.drop_duplicates("group", keep="first")
    younger_date = ordered.drop_duplicates("group", keep="last").set_index("group")["date"]
    older = older.assign(until=younger_date.reindex(older["group"]).to_numpy())
    columns = ["party_id", "amount", "date"]
    settling = older[["group", "amount", "date", "until", "party_id"]].merge(
        still_open[columns], on="party_id", suffixes=("", "_z"))
    between = ((settling["date_z"] >= settling["date"]) & (settling["date_z"] < settling["until"])
               & (np.sign(settling["amount_z"]) == -np.sign(settling["amount"]))
               & (settling["amount_z"].abs() > settling["amount"].abs()))
    settling = settling[between]
    needed = settling.assign(amount=-(settling["amount"] + settling["amount_z"]))[["group", "party_id", "amount"]]
    completed = needed.merge(still_open[["party_id", "amount"]].drop_duplicates(), on=["party_id", "amount"])
    return np.unique(completed["group"].to_numpy(dtype=np.int64))
