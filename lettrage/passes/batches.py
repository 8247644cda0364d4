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
    sizes = np.array([len(members) for members, _ in groups], dtype=np.int64)
    lines = np.array([line for members, _ in groups for line in members], dtype=np.int64)
    group_of = np.repeat(np.arange(len(groups)), sizes)
    # Only a group one of whose lines cites a document can cite outside itself.
    citing = cites["line"].to_numpy()[cites["line"].isin(lines).to_numpy()]
    judged = np.zeros(len(groups), dtype=bool)
    judged[group_of[np.isin(lines, citing)]] = True
    kept = ~judged
    if judged.any():
        wanted = lines[judged[group_of]]
        evidence = Evidence(documents[documents["line"].isin(wanted).to_numpy()],
                            cites[cites["line"].isin(wanted).to_numpy()])
        for index in np.flatnonzero(judged).tolist():
            kept[index] = not evidence.judge(groups[index][0])[1]
    if not kept.any():
        return PassOutput()
    count = int(kept.sum())
    return PassOutput(
        groups=pd.DataFrame({
            "group": np.arange(count, dtype=np.int64),
            "pass": name,
            "gap": np.zeros(count, dtype=np.int64),
            "currency": "",
            "reason": [reason for (_, reason), keep in zip(groups, kept.tolist()) if keep],
        }),
        members=pd.DataFrame({"group": np.repeat(np.arange(count, dtype=np.int64), sizes[kept]),
                              "line": lines[kept[group_of]]}),
    )
