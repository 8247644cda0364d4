"""Day batches' pairing of settlements and days, oldest with oldest (in numpy), against the
pandas code it replaces (hypothesis)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.passes.day_batches import _in_order


def _slow_in_order(pairs: pd.DataFrame) -> pd.DataFrame:
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


@st.composite
def candidate_pairs(draw):
    """Settlements and days (one per third party and date) of a few third parties and totals,
    some of each joined, in any order."""
    days = draw(st.lists(st.tuples(st.integers(0, 2), st.sampled_from([100, 200]), st.integers(0, 5)),
                         max_size=8, unique_by=lambda day: (day[0], day[2])))
    settlements = draw(st.lists(st.tuples(st.integers(0, 2), st.sampled_from([100, 200]), st.integers(0, 8)),
                                max_size=8))
    rows = []
    for line, (party, total, date) in enumerate(settlements, start=1):
        for day, (day_party, day_total, day_date) in enumerate(days):
            if (party, total) == (day_party, day_total) and draw(st.integers(0, 4)):
                rows.append((line, party, -total, date, total, day_date, day))
    rows = draw(st.permutations(rows))
    pairs = pd.DataFrame(rows, columns=["line", "party_id", "amount", "date", "total", "date_day", "day"])
    for column in ("date", "date_day"):
        pairs[column] = (np.datetime64("2025-01-01") + pairs[column].to_numpy(dtype=np.int64)
                         .astype("timedelta64[D]")).astype("datetime64[s]")
    return pairs.astype({name: np.int64 for name in ("line", "party_id", "amount", "total", "day")})


@settings(max_examples=400, deadline=None)
@given(candidate_pairs())
def test_pairs_in_order_are_those_pandas_chose(pairs):
    columns = ["line", "day", "date_day"]
    assert (_in_order(pairs)[columns].to_numpy().tolist()
            == _slow_in_order(pairs)[columns].to_numpy().tolist())
