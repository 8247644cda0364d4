"""The settled stretches and the third parties the chronological walk takes, found in numpy,
against slow, obviously correct twins (hypothesis): the pandas sorts, groupbys and merges they
replace."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.passes import chronological, settled_parties
from lettrage.passes.settled_parties import MAX_LINES, MIN_LINES, party_date_order


@st.composite
def open_lines(draw):
    """Open lines of a few third parties: small amounts that often net to zero, a few days,
    shuffled line numbers, some held or foreign."""
    size = draw(st.integers(0, 40))
    rows = draw(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([100, -100, 250, -250, 50, -150]),
                                   st.integers(0, 40), st.booleans(), st.booleans()),
                         min_size=size, max_size=size))
    lines = draw(st.permutations(range(1, size + 1)))
    frame = pd.DataFrame(rows, columns=["party_id", "amount", "day", "invoice_side", "flagged"])
    frame["line"] = np.asarray(lines, dtype=np.int64)
    frame["date"] = (np.datetime64("2025-01-01") + frame["day"].to_numpy().astype("timedelta64[D]")
                     ).astype("datetime64[s]")
    frame["flagged"] &= draw(st.integers(0, 4)) == 0  # flagged lines in one case of five
    return frame.astype({"party_id": np.int64, "amount": np.int64})


def _slow_segments(lines: pd.DataFrame) -> np.ndarray:
    """The stretches as the pandas code before numpy found them (lines sorted)."""
    party = lines["party_id"].to_numpy()
    running = lines.groupby("party_id")["amount"].cumsum().to_numpy()
    day = lines["date"].to_numpy()
    last_of_day = np.ones(len(lines), dtype=bool)
    last_of_day[:-1] = (party[1:] != party[:-1]) | (day[1:] != day[:-1])
    closes = last_of_day & (running == 0)
    closed_before = pd.Series(closes).groupby(party).cumsum().to_numpy() - closes
    closings = pd.Series(closes).groupby(party).transform("sum").to_numpy()
    return np.where(closed_before < closings, closed_before, -1)


def _slow_stretches(left: pd.DataFrame, blocked: np.ndarray, max_days: int) -> pd.DataFrame:
    lines = left.assign(blocked=blocked).sort_values(["party_id", "date", "line"])
    lines["segment"] = _slow_segments(lines)
    lines = lines[lines["segment"] >= 0]
    per_segment = lines.groupby(["party_id", "segment"]).agg(
        count=("line", "size"), blocked=("blocked", "max"), first=("date", "min"), last=("date", "max"))
    span = (per_segment["last"] - per_segment["first"]) // np.timedelta64(1, "D")
    good = per_segment[~per_segment["blocked"] & per_segment["count"].between(MIN_LINES, MAX_LINES)
                       & (span <= max_days)]
    return lines[pd.MultiIndex.from_frame(lines[["party_id", "segment"]]).isin(good.index)]


@settings(max_examples=300, deadline=None)
@given(open_lines(), st.sampled_from([5, 20, 400]))
def test_stretches_are_those_pandas_found(left, max_days):
    blocked = left["flagged"].to_numpy()
    rows, segment = settled_parties._stretches(left, blocked, max_days)
    expected = _slow_stretches(left, blocked, max_days)
    assert left["line"].to_numpy()[rows].tolist() == expected["line"].tolist()
    assert segment.tolist() == expected["segment"].tolist()


@settings(max_examples=200, deadline=None)
@given(open_lines())
def test_party_date_order_is_pandas_sort(left):
    expected = left.sort_values(["party_id", "date", "line"])["line"].tolist()
    assert left["line"].to_numpy()[party_date_order(left)].tolist() == expected


def _slow_walked(left: pd.DataFrame, flagged: np.ndarray) -> pd.DataFrame:
    blocked = pd.Series(flagged).groupby(left["party_id"].to_numpy()).transform("max").to_numpy()
    lines = left[~blocked].sort_values(["party_id", "date", "line"])
    sides = lines.groupby("party_id")["invoice_side"].agg(["min", "max", "size"])
    walked = sides[(sides["min"] != sides["max"]) & (sides["size"] >= 3)].index
    return lines[lines["party_id"].isin(walked)]


def _slow_can_start(lines: pd.DataFrame) -> np.ndarray:
    party = lines["party_id"].to_numpy()
    day = lines["date"].to_numpy()
    size = np.abs(lines["amount"].to_numpy(dtype=np.int64))
    invoice = lines["invoice_side"].to_numpy(dtype=bool)
    settlements = pd.DataFrame({"party": party[~invoice], "day": day[~invoice], "size": size[~invoice]})
    first = settlements.groupby("party").agg(day=("day", "first"), size=("size", "first"))
    alone = settlements.merge(first, on=["party", "day"]).groupby("party").size() == 1
    first_day = first["day"].reindex(party).to_numpy()
    first_size = first["size"].reindex(party).to_numpy()
    usable = invoice & (day <= first_day) & (size <= first_size)
    reach = pd.Series(np.where(usable, size, 0)).groupby(party).transform("sum").to_numpy()
    return (reach >= first_size) & alone.reindex(party, fill_value=False).to_numpy()


@settings(max_examples=300, deadline=None)
@given(open_lines())
def test_walked_third_parties_and_their_start_are_those_pandas_found(left):
    walked = left.take(chronological._walked(left, left["flagged"].to_numpy()))
    assert walked["line"].tolist() == _slow_walked(left, left["flagged"].to_numpy())["line"].tolist()
    # (every sorted frame, third parties without a settlement too)
    lines = left.sort_values(["party_id", "date", "line"])
    assert chronological._can_start(lines).tolist() == _slow_can_start(lines).tolist()
