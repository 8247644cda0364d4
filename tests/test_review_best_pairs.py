"""The review pass's best pairs of each settlement and their citation links (in numpy)
against the pandas code they replace (hypothesis)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.passes.review import _best_of_each, _pair_in

pairs_of_lines = st.lists(st.tuples(st.integers(1, 8), st.integers(1, 30)), max_size=40, unique=True)


@settings(max_examples=300, deadline=None)
@given(pairs_of_lines, st.data(), st.integers(1, 3))
def test_best_of_each_is_sort_then_head(pairs, data, top):
    scores = data.draw(st.lists(st.sampled_from([0.0, 0.3, 0.5, 0.75, 1.0]),
                                min_size=len(pairs), max_size=len(pairs)))
    frame = pd.DataFrame(pairs, columns=["s", "i"], dtype=np.int64).assign(score=np.asarray(scores, dtype=float))
    expected = frame.sort_values(["s", "score", "i"], ascending=[True, False, True],
                                 kind="stable").groupby("s", sort=False).head(top)
    found = frame.take(_best_of_each(frame["s"].to_numpy(), frame["score"].to_numpy(),
                                     frame["i"].to_numpy(), top))
    pd.testing.assert_frame_equal(found, expected)


@settings(max_examples=300, deadline=None)
@given(pairs_of_lines, pairs_of_lines, st.booleans())
def test_pair_in_is_a_merge(pairs, linked, huge):
    frame = pd.DataFrame(pairs, columns=["s", "i"], dtype=np.int64)
    links = pd.DataFrame(linked * 2, columns=["s", "i"], dtype=np.int64)  # (duplicates too)
    if huge:  # line numbers past 2^31: the merge itself
        frame, links = frame + (1 << 40), links + (1 << 40)
    expected = (np.zeros(len(frame), dtype=bool) if links.empty else frame.merge(
        links.drop_duplicates().assign(_hit=True), on=["s", "i"], how="left")["_hit"].notna().to_numpy())
    assert _pair_in(frame, links).tolist() == expected.tolist()
