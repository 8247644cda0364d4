"""The review pass's vectorised texts against their one-row twins."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.money import format_cents, format_cents_array
from lettrage.passes.review import _pair_reason, _pair_reasons
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
