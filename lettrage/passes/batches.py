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
    return within_reach(pairs["party_id"].to_numpy(), pairs["date"].to_numpy(), pairs["first"].to_numpy(),
                        pairs["last"].to_numpy(), windows, max_days_early, after=after)


def within_reach(party: np.ndarray, date: np.ndarray, first: np.ndarray, last: np.ndarray,
                 windows: pd.Series, max_days_early: int, *, after: bool = False) -> np.ndarray:
    """:func:`in_reach` of columns as arrays (never when a date is missing)."""
    if after:
        early, late = _days_between(date, first), _days_between(date, last)
    else:
        early, late = _days_between(last, date), _days_between(first, date)
    window = windows.reindex(party).fillna(0).to_numpy(dtype=np.int64)
    dated = ~(np.isnat(date) | np.isnat(first) | np.isnat(last))
    return dated & (early >= -max_days_early) & (late <= window)


def _days_between(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whole days from ``start`` to ``end`` (floored; 0 where a date is missing)."""
    dated = ~(np.isnat(start) | np.isnat(end))
    days = np.zeros(len(dated), dtype=np.int64)
    days[dated] = (end[dated] - start[dated]) // _DAY
    return days


def pair_keys(party: np.ndarray, amount: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """``(party, amount)`` of one side of a join, then of ``others`` (alternately third
    parties and amounts), as one int64 key each: equal pairs, equal keys."""
    parties, amounts = [party, *others[0::2]], [amount, *others[1::2]]
    low = min((int(a.min()) for a in amounts if len(a)), default=0)
    span = max((int(a.max()) for a in amounts if len(a)), default=0) - low + 1
    top = max((int(p.max()) for p in parties if len(p)), default=0)
    if min((int(p.min()) for p in parties if len(p)), default=0) >= 0 and top < (1 << 62) // span:
        return [np.asarray(p, dtype=np.int64) * span + (np.asarray(a, dtype=np.int64) - low)
                for p, a in zip(parties, amounts)]
    sizes = [len(p) for p in parties]  # too wide for one integer: number the distinct pairs
    codes = np.unique(np.column_stack([np.concatenate(parties), np.concatenate(amounts)]), axis=0,
                      return_inverse=True)[1].ravel().astype(np.int64)
    return np.split(codes, np.cumsum(sizes)[:-1])


def joined_rows(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of an inner join on keys ``left`` and ``right``, in the order of
    ``DataFrame.merge``: each left row in turn with its matches in right order."""
    order = np.argsort(right, kind="stable")
    ordered = right[order]
    start = np.searchsorted(ordered, left, "left")
    counts = np.searchsorted(ordered, left, "right") - start
    left_rows = np.repeat(np.arange(len(left)), counts)
    within = np.arange(len(left_rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    return left_rows, order[np.repeat(start, counts) + within]


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
