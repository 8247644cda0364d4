"""The exact pass's faster sorts against slow, obviously correct twins (hypothesis): the stable
order by one sort of (value, position) keys against ``np.argsort(kind="stable")``, the rounds
of mutual best choices that drop the pairs of taken lines against rounds over every pair, the
cost order by packed keys against the plain lexsort, and the candidates of lines out of order
against the same lines in order."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.passes.exact import _candidate_positions, _cost_order, _mutual_best


def _slow_mutual_best(a: np.ndarray, b: np.ndarray, size: int) -> np.ndarray:
    """Rounds of mutual best choices, every pair looked at in every round."""
    alive = np.ones(len(a), dtype=bool)
    fixed = np.zeros(len(a), dtype=bool)
    while alive.any():
        first_a = {int(x): k for k, x in reversed(list(enumerate(a))) if alive[k]}
        first_b = {int(y): k for k, y in reversed(list(enumerate(b))) if alive[k]}
        best = [k for k in range(len(a)) if alive[k] and first_a[int(a[k])] == k == first_b[int(b[k])]]
        fixed[best] = True
        taken_a, taken_b = set(a[best].tolist()), set(b[best].tolist())
        alive &= ~np.isin(a, list(taken_a)) & ~np.isin(b, list(taken_b))
    return np.flatnonzero(fixed)




@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=40))
def test_mutual_best_drops_taken_lines_as_the_rounds_over_every_pair(pairs):
    a = np.array([x for x, _ in pairs], dtype=np.int64)
    b = np.array([y for _, y in pairs], dtype=np.int64)
    assert _mutual_best(a, b, 8).tolist() == _slow_mutual_best(a, b, 8).tolist()


@st.composite
def lines_and_pairs(draw):
    """Open lines (some dates missing, some held) and pairs of their positions with tiers."""
    count = draw(st.integers(1, 12))
    days = draw(st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=count, max_size=count))
    lines = pd.DataFrame({
        "line": np.array(sorted(draw(st.sets(st.integers(0, 1 << 31), min_size=count, max_size=count))),
                         dtype=np.int64) if draw(st.booleans()) else np.arange(count, dtype=np.int64) * 3,
        "party_id": draw(st.lists(st.integers(0, 2), min_size=count, max_size=count)),
        "amount": draw(st.lists(st.sampled_from([-200, -100, 100, 200]), min_size=count, max_size=count)),
        "date": pd.to_datetime([None if d is None else f"2025-01-0{d + 1}" for d in days]),
    })
    lines["invoice_side"] = lines["amount"] > 0
    pairs = draw(st.lists(st.tuples(st.integers(0, count - 1), st.integers(0, count - 1)), max_size=30))
    tier = np.array(draw(st.lists(st.integers(0, 2), min_size=len(pairs), max_size=len(pairs))), dtype=np.int64)
    held = np.array(draw(st.lists(st.booleans(), min_size=count, max_size=count)), dtype=bool)
    return lines, pairs, tier, held


@settings(max_examples=200, deadline=None)
@given(lines_and_pairs())
def test_cost_order_by_packed_keys_is_the_plain_lexsort(drawn):
    lines, pairs, tier, held = drawn
    a = np.array([x for x, _ in pairs], dtype=np.int64)
    b = np.array([y for _, y in pairs], dtype=np.int64)
    dates = lines["date"].to_numpy()
    day = dates.view(np.int64).copy()
    day[np.isnat(dates)] = np.iinfo(np.int64).max
    line = lines["line"].to_numpy()
    expected = np.lexsort((line[b], line[a], held[b], held[a], day[b], day[a], dates[b] < dates[a], tier))
    assert _cost_order(a, b, tier, lines, held).tolist() == expected.tolist()


@settings(max_examples=200, deadline=None)
@given(lines_and_pairs(), st.randoms(use_true_random=False))
def test_candidates_of_lines_out_of_order_are_those_of_the_lines_in_order(drawn, random):
    lines = drawn[0]
    shuffled = lines.sample(frac=1.0, random_state=random.randint(0, 1000)).reset_index(drop=True)
    a, b = _candidate_positions(lines)
    x, y = _candidate_positions(shuffled)
    in_order = shuffled["line"].to_numpy()
    as_lines = sorted(zip(lines["line"].to_numpy()[a].tolist(), lines["line"].to_numpy()[b].tolist()))
    assert sorted(zip(in_order[x].tolist(), in_order[y].tolist())) == as_lines
