"""Helpers of the batch passes and the settled stretches against slow, obviously correct twins
(hypothesis): exact groups judged all at once against ``Evidence.judge`` one group at a time,
the join of keys against ``DataFrame.merge``, ``numbers_in`` against ``np.isin``, the third
parties resting on FIFO guesses against the pandas merge they were found by."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.arrays import numbers_in
from lettrage.passes.batches import exact_groups_output, joined_rows, pair_keys
from lettrage.passes.settled_parties import resting_on_guesses
from lettrage.passes.subset import Evidence

KEYS = ["F1", "F2", "F3", "C9"]


@st.composite
def groups_and_evidence(draw):
    """Disjoint groups of lines 1-12, and documents and citations (some mistyped) of lines 1-14."""
    lines = draw(st.permutations(range(1, 13)))
    cuts = sorted(draw(st.sets(st.integers(1, 11), max_size=5)))
    groups = [(sorted(part), f"g{k}") for k, part in enumerate(np.split(np.array(lines), cuts))
              if len(part)]
    groups = [([int(line) for line in members], reason) for members, reason in groups]
    pair = st.tuples(st.integers(1, 14), st.sampled_from(KEYS))
    documents = draw(st.lists(pair, max_size=10))
    cites = draw(st.lists(st.tuples(st.integers(1, 14), st.sampled_from(KEYS), st.booleans()), max_size=10))
    return (groups, pd.DataFrame(documents, columns=["line", "key"]).astype({"line": np.int64}),
            pd.DataFrame(cites, columns=["line", "key", "near"]).astype({"line": np.int64, "near": bool}))


@settings(max_examples=300, deadline=None)
@given(groups_and_evidence())
def test_exact_groups_are_kept_as_evidence_judges_them_one_by_one(drawn):
    groups, documents, cites = drawn
    evidence = Evidence(documents, cites)
    expected = [members for members, _ in groups if not evidence.judge(members)[1]]
    output = exact_groups_output("day", groups, documents, cites)
    found = output.members.groupby("group")["line"].agg(list).tolist() if len(output.members) else []
    assert found == expected
    assert output.groups["reason"].tolist() == [reason for members, reason in groups if members in expected]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(-3, 3))),
       st.lists(st.tuples(st.integers(0, 3), st.integers(-3, 3))))
def test_joined_rows_are_those_of_merge_in_its_order(left, right):
    left_frame = pd.DataFrame(left, columns=["party", "amount"], dtype=np.int64).assign(at=range(len(left)))
    right_frame = pd.DataFrame(right, columns=["party", "amount"], dtype=np.int64).assign(other=range(len(right)))
    merged = left_frame.merge(right_frame, on=["party", "amount"])
    keys = pair_keys(left_frame["party"].to_numpy(), left_frame["amount"].to_numpy(),
                     right_frame["party"].to_numpy(), right_frame["amount"].to_numpy())
    rows, other = joined_rows(*keys)
    assert rows.tolist() == merged["at"].tolist()
    assert other.tolist() == merged["other"].tolist()


def test_pair_keys_too_wide_for_one_integer_still_tell_pairs_apart():
    party = np.array([0, 1, 1, 0], dtype=np.int64)
    amount = np.array([-(1 << 61), 1 << 61, 1 << 61, 5], dtype=np.int64)
    left, right = pair_keys(party[:2], amount[:2], party[2:], amount[2:])
    assert left[1] == right[0] and len({*left.tolist(), right[1]}) == 3


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-5, 40)), st.lists(st.integers(-5, 40)))
def test_numbers_in_is_isin(values, wanted):
    assert numbers_in(np.array(values, dtype=np.int64), np.array(wanted, dtype=np.int64)).tolist() == \
        np.isin(values, wanted).tolist()


def test_numbers_in_wide_ranges():
    values = np.array([0, 1 << 40, 7], dtype=np.int64)
    assert numbers_in(values, np.array([1 << 40, 0], dtype=np.int64)).tolist() == [True, True, False]


def _resting_on_guesses_twin(lines: pd.DataFrame, guessed: pd.DataFrame) -> set[int]:
    """The pandas version of ``resting_on_guesses`` (a merge of every line with every guessed
    line of its third party and amount)."""
    if guessed.empty:
        return set()
    twin = ["party_id", "amount", "date", "piece_ref", "label"]
    dates = guessed.groupby("group")["date"]
    partner = dates.transform("min") + (dates.transform("max") - guessed["date"])
    guessed = guessed.assign(partner=partner.where(dates.transform("size") == 2))
    same = lines[twin].merge(guessed[[*twin, "partner"]], on=["party_id", "amount"], suffixes=("", "_g"))
    other = np.zeros(len(same), dtype=bool)
    for column in ("date", "piece_ref", "label"):
        other |= (same[column].astype(str) != same[f"{column}_g"].astype(str)).to_numpy()
    day = np.timedelta64(1, "D")
    mine = ((same["date"] - same["partner"]).abs() // day).to_numpy()
    theirs = ((same["date_g"] - same["partner"]).abs() // day).to_numpy()
    return set(same.loc[other & ~(mine > theirs), "party_id"].tolist())


@st.composite
def lines_and_guesses(draw):
    """Open lines and FIFO groups (pairs, and a group of one) of two third parties."""
    def line():
        return (draw(st.integers(0, 1)), draw(st.sampled_from([-100, 100, 250])), draw(st.integers(0, 5)),
                draw(st.sampled_from(["", "F1"])), draw(st.sampled_from(["", "VIR"])))
    open_rows = draw(st.lists(st.builds(line), max_size=8))
    guessed_rows = [(group, *line()) for group in range(draw(st.integers(0, 4)))
                    for _ in range(draw(st.sampled_from([1, 2, 2])))]
    start = pd.Timestamp("2025-01-01")
    columns = ["party_id", "amount", "day", "piece_ref", "label"]
    frames = [pd.DataFrame(open_rows, columns=columns),
              pd.DataFrame(guessed_rows, columns=["group", *columns])]
    for frame in frames:
        frame["date"] = (start + pd.to_timedelta(frame["day"], unit="D")).astype("datetime64[s]")
        frame["party_id"] = frame["party_id"].astype(np.int64)
        frame["amount"] = frame["amount"].astype(np.int64)
        for column in ("piece_ref", "label"):
            frame[column] = frame[column].astype("str")
    return frames[0].drop(columns="day"), frames[1].drop(columns="day")


@settings(max_examples=300, deadline=None)
@given(lines_and_guesses())
def test_resting_on_guesses_is_its_pandas_twin(drawn):
    lines, guessed = drawn
    assert set(resting_on_guesses(lines, guessed).tolist()) == _resting_on_guesses_twin(lines, guessed)
