"""What the batch passes (day, period, piece) share: their exact groups kept only when no
line cites a document outside them, as a :class:`PassOutput`."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lettrage.passes.base import PassOutput
from lettrage.passes.subset import Evidence

_DAY = np.timedelta64(1, "D")


def in_reach(pairs: pd.DataFrame, windows: pd.Series, max_days_early: int, *,
             after: bool = False) -> np.ndarray:
    """Whether each settlement (``date``) is within reach of its batch (``first`` to ``last``
    day, third party ``party_id``): at most ``max_days_early`` before the last day, at most the
    third party's window (``windows``, 0 when unknown) after the first. ``after``: the batch
    is a run of settlements and ``date`` the invoice it settles — the run's first at most
    ``max_days_early`` before it, its last at most the window after it."""
    if after:
        early = ((pairs["first"] - pairs["date"]) // _DAY).to_numpy()
        late = ((pairs["last"] - pairs["date"]) // _DAY).to_numpy()
    else:
        early = ((pairs["date"] - pairs["last"]) // _DAY).to_numpy()
        late = ((pairs["date"] - pairs["first"]) // _DAY).to_numpy()
    window = windows.reindex(pairs["party_id"]).fillna(0).to_numpy(dtype=np.int64)
    return (early >= -max_days_early) & (late <= window)


def exact_groups_output(name: str, groups: list[tuple[list[int], str]], documents: pd.DataFrame,
                        cites: pd.DataFrame) -> PassOutput:
    """The exact ``groups`` (line numbers, reason), in their order, but for those one of whose
    lines cites documents none of which is in the group; ``documents`` and ``cites`` are the
    reference evidence (see :mod:`lettrage.references`)."""
    wanted = [line for lines, _ in groups for line in lines]
    evidence = Evidence(documents[documents["line"].isin(wanted)], cites[cites["line"].isin(wanted)])
    reasons: list[str] = []
    members: list[tuple[int, int]] = []
    for lines, reason in groups:
        if evidence.judge(lines)[1]:
            continue  # a line cites a document outside the group
        members.extend((len(reasons), line) for line in lines)
        reasons.append(reason)
    if not reasons:
        return PassOutput()
    count = len(reasons)
    return PassOutput(
        groups=pd.DataFrame({
            "group": np.arange(count, dtype=np.int64),
            "pass": name,
            "gap": np.zeros(count, dtype=np.int64),
            "currency": "",
            "reason": reasons,
        }),
        members=pd.DataFrame(members, columns=["group", "line"]).astype(np.int64),
    )
