"""FIFO pairs that an earlier open settlement could have taken (lettrage.passes.fifo_doubts)."""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario import groups_of, run
from test_review_scenarios import rows

from lettrage.passes.fifo_doubts import claimed_earlier


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_a_transfer_that_could_have_paid_the_oldest_invoice_keeps_fifo_from_guessing(tmp_path, account):
    # 667.18 on 15 November is 316.50 + 350.68, with either 316.50 invoice: a tie. FIFO would
    # give the 21 December payment the September invoice, which oldest-first itself says the
    # November transfer took. FIFO leaves them; the settlements walked in date order then
    # give the transfer the September invoice and the payment the November one.
    result = run(tmp_path, rows(account, """
        20220915|FOOD|FA2747|FOOD BIOTIC FA2747|316,50
        20220930|FOOD|FA2766|FOOD BIOTIC FA2766|350,68
        20221103|FOOD|FA2815|FOOD BIOTIC FA2815|316,50
        20221115|FOOD|VIR1|VIR FOOD BIOTIC|-667,18
        20221221|FOOD|VIR2|VIR FOOD BIOTIC|-316,50
    """))
    assert "fifo" not in set(result.groups["pass"])
    assert groups_of(result) == {frozenset({1, 2, 4}), frozenset({3, 5})}


@pytest.mark.parametrize("account", ["411000", "401000"])
@pytest.mark.parametrize("transfer", ["20221115|FOOD|VIR1|VIR FOOD BIOTIC|-500,00",  # no 316.50 in it
                                      "20221222|FOOD|VIR1|VIR FOOD BIOTIC|-667,18"])  # after the pair
def test_fifo_pairs_when_no_earlier_open_line_could_have_taken_the_invoice(tmp_path, account, transfer):
    result = run(tmp_path, rows(account, f"""
        20220915|FOOD|FA2747|FOOD BIOTIC FA2747|316,50
        20220930|FOOD|FA2766|FOOD BIOTIC FA2766|350,68
        20221103|FOOD|FA2815|FOOD BIOTIC FA2815|316,50
        {transfer}
        20221221|FOOD|VIR2|VIR FOOD BIOTIC|-316,50
    """))
    assert frozenset({1, 5}) in groups_of(result)


def _pair_lines(draw, group, party):
    day = draw(st.integers(0, 3))
    later = day + draw(st.integers(0, 3))
    amount = draw(st.sampled_from([100, 250, 300]))
    sign = draw(st.sampled_from([1, -1]))
    return [(group, 1000 + 2 * group, party, sign * amount, day),
            (group, 1001 + 2 * group, party, -sign * amount, later)]


@st.composite
def pairs_and_open_lines(draw):
    pairs = [row for group in range(draw(st.integers(0, 4)))
             for row in _pair_lines(draw, group, draw(st.integers(0, 1)))]
    still_open = [(line, draw(st.integers(0, 1)), draw(st.sampled_from([-550, -350, -250, 250, 550])),
                   draw(st.integers(0, 6))) for line in range(draw(st.integers(0, 8)))]
    start = pd.Timestamp("2025-01-01")
    pair_frame = pd.DataFrame(pairs, columns=["group", "line", "party_id", "amount", "day"])
    open_frame = pd.DataFrame(still_open, columns=["line", "party_id", "amount", "day"])
    for frame in (pair_frame, open_frame):
        frame["date"] = start + pd.to_timedelta(frame["day"], unit="D")
    return pair_frame.drop(columns="day"), open_frame.drop(columns="day")


def _brute_force(pairs, still_open):
    doubtful = set()
    for group, lines in pairs.groupby("group"):
        x, y = lines.sort_values(["date", "line"]).itertuples(index=False)
        for z in still_open.itertuples(index=False):
            if (z.party_id != x.party_id or not x.date <= z.date < y.date or z.amount * x.amount >= 0
                    or abs(z.amount) <= abs(x.amount)):
                continue
            if any(w.party_id == x.party_id and w.line != z.line and x.amount + w.amount + z.amount == 0
                   for w in still_open.itertuples(index=False)):
                doubtful.add(group)
    return doubtful


@settings(max_examples=200, deadline=None)
@given(pairs_and_open_lines())
def test_claimed_earlier_matches_a_brute_force_search(inputs):
    pairs, still_open = inputs
    assert set(claimed_earlier(pairs, still_open).tolist()) == _brute_force(pairs, still_open)
