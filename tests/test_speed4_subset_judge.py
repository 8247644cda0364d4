"""The judging of the subset pass against its slow twins (hypothesis): ``_zero_parts`` (every
part's sum, by one row at a time) against ``_has_zero_part``, and ``Evidence.weigh`` (one
pass over the group's references) against the way it was written first, on ``judge``."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.passes.subset import Evidence, _as_set, _has_zero_part, _zero_parts


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 7).flatmap(lambda size: st.lists(
    st.tuples(st.lists(st.integers(-4, 4), min_size=size, max_size=size), st.booleans()),
    min_size=0, max_size=30)))
def test_zero_parts_as_has_zero_part(groups):
    """Amounts a few cents apart: many parts net to zero, many groups do not (gaps)."""
    if not groups:
        return
    picked = np.array([amounts for amounts, _ in groups], dtype=np.int64)
    among = np.array([flag for _, flag in groups], dtype=bool)
    expected = [flag and _has_zero_part(row) for row, flag in zip(picked, among)]
    assert _zero_parts(np.ascontiguousarray(picked.T), among).tolist() == expected


def _weigh_first_written(evidence: Evidence, lines: list[int]) -> tuple[bool, bool, int]:
    """``Evidence.weigh`` as first written: on ``judge``, each line's keys as a set."""
    agree, against = evidence.judge(lines)
    if not agree or against:
        return agree, against, 0
    shared: set[str] = set()
    uncited = []
    for line in lines:
        cited = evidence._cited.get(line)
        if cited is None:
            uncited.append(line)
        else:
            shared.update(_as_set(cited))
    seen: set[str] = set()
    for line in lines:
        for key in _as_set(evidence._own.get(line)):
            (shared if key in seen else seen).add(key)
    linked = len(lines) - len(uncited)
    linked += sum(1 for line in uncited if not _as_set(evidence._own.get(line)).isdisjoint(shared))
    return agree, against, len(lines) - linked


LINES = list(range(1, 9))
KEYS = ["F1", "F2", "F3", "F4", "F5"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LINES), st.sampled_from(KEYS)), max_size=10),
       st.lists(st.tuples(st.sampled_from(LINES), st.sampled_from(KEYS), st.booleans()),
                max_size=10),
       st.lists(st.sets(st.sampled_from(LINES), min_size=1, max_size=6), min_size=1,
                max_size=8))
def test_weigh_as_first_written(documents, cites, groups):
    """Lines with no key, one, or several (own, cited, nearly cited), in groups of any size."""
    evidence = Evidence(
        pd.DataFrame(documents, columns=["line", "key"]).astype({"line": np.int64, "key": object}),
        pd.DataFrame(cites, columns=["line", "key", "near"]).astype(
            {"line": np.int64, "key": object, "near": bool}))
    for group in groups:
        lines = sorted(group)
        assert evidence.weigh(lines) == _weigh_first_written(evidence, lines)
