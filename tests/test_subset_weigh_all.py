"""``Evidence.weigh_all`` and ``closes_all`` (the groups of a block at once) against
``Evidence.weigh`` and ``closes`` (one group at a time), on lines with no key, one, or several
of each kind (hypothesis)."""
from __future__ import annotations

from unittest import mock

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.passes import subset
from lettrage.passes.subset import Evidence

LINES = list(range(1, 10))
KEYS = ["F1", "F2", "F3", "F4", "F5"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LINES), st.sampled_from(KEYS)), max_size=10),
       st.lists(st.tuples(st.sampled_from(LINES), st.sampled_from(KEYS), st.booleans()),
                max_size=10),
       st.integers(1, 7).flatmap(lambda size: st.lists(
           st.lists(st.sampled_from(LINES + [20, 0]), min_size=size, max_size=size, unique=True),
           min_size=1, max_size=12)),
       # lines with more keys of a kind than kept are weighed one group at a time
       st.sampled_from([subset.MAX_KEYS_PER_LINE, 1, 2]))
def test_weigh_all_as_weigh(documents, cites, groups, max_keys):
    evidence = Evidence(
        pd.DataFrame(documents, columns=["line", "key"]).astype({"line": np.int64, "key": object}),
        pd.DataFrame(cites, columns=["line", "key", "near"]).astype(
            {"line": np.int64, "key": object, "near": bool}))
    with mock.patch.object(subset, "MAX_KEYS_PER_LINE", max_keys):
        agree, against, unlinked = evidence.weigh_all(np.array(groups, dtype=np.int64))
    got = list(zip(agree.tolist(), against.tolist(), unlinked.tolist()))
    assert got == [evidence.weigh(group) for group in groups]


def test_weigh_all_without_references():
    evidence = Evidence(pd.DataFrame({"line": np.zeros(0, np.int64), "key": []}),
                        pd.DataFrame({"line": np.zeros(0, np.int64), "key": [], "near": []}))
    agree, against, unlinked = evidence.weigh_all(np.array([[1, 2], [3, 4]], dtype=np.int64))
    assert not agree.any() and not against.any() and not unlinked.any()


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LINES), st.sampled_from(KEYS)), max_size=10),
       st.lists(st.tuples(st.sampled_from(LINES), st.sampled_from(KEYS), st.booleans()),
                max_size=10),
       st.lists(st.lists(st.sampled_from(LINES + [20]), min_size=1, max_size=6, unique=True),
                min_size=1, max_size=12),
       st.sets(st.sampled_from(LINES), max_size=2),
       st.sampled_from([subset.MAX_KEYS_PER_LINE, 1, 2]))
def test_closes_all_as_closes(documents, cites, groups, elsewhere, max_keys):
    """Groups of several sizes (padded with -1), lines cited by another third party."""
    evidence = Evidence(
        pd.DataFrame(documents, columns=["line", "key"]).astype({"line": np.int64, "key": object}),
        pd.DataFrame(cites, columns=["line", "key", "near"]).astype(
            {"line": np.int64, "key": object, "near": bool}),
        cited_elsewhere=np.array(sorted(elsewhere), dtype=np.int64) if elsewhere else None)
    padded = np.full((len(groups), max(map(len, groups))), -1, dtype=np.int64)
    for row, group in zip(padded, groups):
        row[:len(group)] = group
    with mock.patch.object(subset, "MAX_KEYS_PER_LINE", max_keys):
        got = evidence.closes_all(padded).tolist()
    assert got == [evidence.closes(group) for group in groups]
