"""The review pass's vectorised texts and ranking against their one-row (or pandas) twins."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.engine import _by_group_then_line
from lettrage.ledger import line_positions, positions_or_absent
from lettrage.money import format_cents, format_cents_array
from lettrage.passes.review import (
    _KIND_ORDER,
    MAX_TIED_SHOWN,
    REPORT_KINDS,
    _pair_reason,
    _pair_reasons,
    _ranked,
)
from lettrage.result import lines_texts
from lettrage.writeoffs import nature_of, natures_of

_CENTS = st.integers(-10**12, 10**12)
_LABELS = st.sampled_from(["", "VIR ESCOMPTE 2 %", "frais bancaires", "xREMISE", "COM", "é remise",
                           "éREMISE", "Agios sept", "rabais", "FAC 123"])


@given(st.lists(_CENTS, max_size=30))
def test_format_cents_array_as_format_cents(cents):
    assert format_cents_array(np.array(cents, dtype=np.int64)).to_pylist() == list(map(format_cents, cents))


@given(st.lists(st.tuples(st.integers(-20_000, 20_000), st.booleans(), _LABELS), max_size=30))
def test_natures_of_as_nature_of(rows):
    gaps, foreign, labels = (list(column) for column in zip(*rows)) if rows else ([], [], [])
    got = natures_of(np.array(gaps, dtype=np.int64), np.array(foreign, dtype=bool),
                     np.array(labels, dtype=object))
    assert list(got) == [nature_of(*row) for row in rows]


_PAIR = st.fixed_dictionaries({
    "kind": st.sampled_from(["match", "reference_conflict", "gap", "partial", "overpaid"]),
    "gap": _CENTS, "due": _CENTS, "amount_i": _CENTS, "amount_s": _CENTS, "label_s": _LABELS,
    "exact": st.booleans(), "against": st.booleans(), "days": st.integers(-400, 400),
    "near": st.one_of(st.just(0.0), st.just(87.5), st.just(88.5), st.floats(87.5, 100)),
})


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_PAIR, st.text(max_size=4)), min_size=1, max_size=20))
def test_pair_reasons_as_pair_reason(rows):
    pairs = pd.DataFrame([pair for pair, _ in rows])
    names = [name for _, name in rows]
    want = [_pair_reason(pair, name) for pair, name in zip(pairs.itertuples(index=False), names)]
    assert _pair_reasons(pairs, names).to_pylist() == want


@given(st.lists(st.lists(st.integers(0, 10**7), max_size=5), max_size=20), st.booleans())
def test_lines_texts_as_joined_lines(groups, in_order):
    want = [" ".join(map(str, sorted(group) if in_order else group)) for group in groups]
    assert list(lines_texts([tuple(group) for group in groups], in_order=in_order)) == want


def _old_ranked(proposals: pd.DataFrame, top: int) -> pd.DataFrame:
    frame = proposals.assign(
        _order=proposals["kind"].map(_KIND_ORDER).fillna(len(_KIND_ORDER)),
        _lines=[" ".join(map(str, group)) for group in proposals["lines"]],
    ).sort_values(["anchor", "score", "_order", "_lines"], ascending=[True, False, True, True],
                  kind="stable")
    frame = frame.drop_duplicates(["anchor", "kind", "_lines"])
    frame["rank"] = frame.groupby("anchor").cumcount() + 1
    frame = frame[(frame["rank"] <= top) | frame["kind"].isin(REPORT_KINDS)
                  | ((frame["kind"] == "ambiguous") & (frame["rank"] <= MAX_TIED_SHOWN))]
    return frame.drop(columns=["_order", "_lines"]).reset_index(drop=True)


_PROPOSAL = st.tuples(
    st.integers(1, 6), st.sampled_from(sorted(_KIND_ORDER)),
    st.lists(st.integers(1, 12), min_size=1, max_size=3).map(tuple), st.integers(0, 2),
    st.integers(-500, 500), st.sampled_from([0.0, 0.5, 0.6, 0.95, 1.0]), st.text(max_size=2))


@settings(max_examples=200, deadline=None)
@given(st.lists(_PROPOSAL, min_size=1, max_size=40), st.integers(1, 4))
def test_ranked_as_sorted_by_pandas(rows, top):
    columns = ["anchor", "kind", "lines", "party_id", "gap", "score", "reason"]
    proposals = pd.DataFrame(rows, columns=columns)
    pd.testing.assert_frame_equal(_ranked(proposals, top), _old_ranked(proposals, top))


@given(st.sets(st.integers(0, 60), min_size=1, max_size=30), st.data())
def test_line_positions_as_get_indexer(numbers, data):
    all_lines = np.array(data.draw(st.permutations(sorted(numbers))), dtype=np.int64)
    wanted = np.array(data.draw(st.lists(st.sampled_from(sorted(numbers)), max_size=20)), dtype=np.int64)
    assert line_positions(all_lines, wanted).tolist() == pd.Index(all_lines).get_indexer(wanted).tolist()


@given(st.sets(st.integers(0, 200), max_size=30), st.booleans(), st.data())
def test_positions_or_absent_as_get_indexer(numbers, in_order, data):
    ordered = sorted(numbers)
    all_lines = np.array(ordered if in_order else data.draw(st.permutations(ordered)), dtype=np.int64)
    wanted = np.array(data.draw(st.lists(st.integers(-5, 210), max_size=20)), dtype=np.int64)
    assert (positions_or_absent(all_lines, wanted).tolist()
            == pd.Index(all_lines).get_indexer(wanted).tolist())


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(-3, 10**6)), min_size=1, max_size=30, unique=True))
def test_by_group_then_line_as_lexsort(pairs):
    group, line = (np.array(column, dtype=np.int64) for column in zip(*pairs))
    assert _by_group_then_line(group, line).tolist() == np.lexsort((line, group)).tolist()

