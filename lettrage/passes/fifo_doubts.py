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

from lettrage.arrays import distinct
from lettrage.passes.batches import joined_rows, pair_keys


def claimed_earlier(pairs: pd.DataFrame, still_open: pd.DataFrame) -> np.ndarray:
    """The groups of ``pairs`` (two lines each: ``group``, ``line``, ``party_id``,
    ``amount``, ``date``) whose older line ``x`` an open line ``z`` of ``still_open`` (same
    third party, opposite sign, dated from ``x`` to before the younger line) could have
    settled with one more open line ``w`` of ``x``'s sign: ``x + w + z = 0``."""
    if pairs.empty or still_open.empty:
        return np.zeros(0, dtype=np.int64)
    group = pairs["group"].to_numpy(dtype=np.int64)
    date = pairs["date"].to_numpy()
    order = np.lexsort((pairs["line"].to_numpy(), date, group))
    starts = np.r_[True, group[order][1:] != group[order][:-1]]
    ends = np.r_[starts[1:], True]
    older, until = order[starts], date[order[ends]]  # each pair's older line, the younger's date
    party, amount = pairs["party_id"].to_numpy(dtype=np.int64), pairs["amount"].to_numpy(dtype=np.int64)
    open_party = still_open["party_id"].to_numpy(dtype=np.int64)
    open_amount = still_open["amount"].to_numpy(dtype=np.int64)
    open_date = still_open["date"].to_numpy()
    x, z = joined_rows(party[older], open_party)
    x_amount, z_amount = amount[older][x], open_amount[z]
    between = ((open_date[z] >= date[older][x]) & (open_date[z] < until[x])
               & (np.sign(z_amount) == -np.sign(x_amount)) & (np.abs(z_amount) > np.abs(x_amount)))
    x, needed = x[between], -(x_amount[between] + z_amount[between])
    wanted, available = pair_keys(party[older][x], needed, open_party, open_amount)
    return distinct(group[older][x][np.isin(wanted, available)])
