"""engine._party_ids numbers third parties as ``groupby(["account", "aux"]).ngroup()`` did."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.engine import _party_ids

_CODE = st.text(alphabet="0149AZaz é", max_size=3)


def _by_groupby(account: pd.Series, aux: pd.Series) -> np.ndarray:
    return pd.DataFrame({"account": account, "aux": aux}).groupby(
        ["account", "aux"], sort=True).ngroup().to_numpy(dtype=np.int64)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_CODE, _CODE), max_size=40), st.sampled_from(["str", "object"]))
def test_party_ids_as_groupby(pairs, dtype):
    account = pd.Series([a for a, _ in pairs], dtype=dtype)
    aux = pd.Series([x for _, x in pairs], dtype=dtype)
    np.testing.assert_array_equal(_party_ids(account, aux), _by_groupby(account, aux))


def test_party_ids_when_pairs_are_too_many_for_a_table():
    rng = np.random.default_rng(0)
    account = pd.Series([f"401{n:05d}" for n in rng.integers(0, 3000, 2000)], dtype="str")
    aux = pd.Series([f"F{n:05d}" for n in rng.integers(0, 3000, 2000)], dtype="str")
    np.testing.assert_array_equal(_party_ids(account, aux), _by_groupby(account, aux))
