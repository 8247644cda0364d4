"""What the batch passes (day, period, piece) share: their exact groups kept only when no
line cites a document outside them, as a :class:`PassOutput`."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lettrage.arrays import numbers_in
from lettrage.passes.base import PassOutput

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
    if not len(left) or not len(right):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.argsort(right, kind="stable")
    ordered = right[order]
    firsts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.append(firsts, len(ordered)))
    key = pd.Index(ordered[firsts]).get_indexer(left)  # a hash lookup: faster than two binary searches
    counts = np.where(key >= 0, sizes[key], 0)
    start = firsts[key]
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
    kept = ~_citing_outside(group_of, lines, documents, cites, len(groups))
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


def _citing_outside(group_of: np.ndarray, lines: np.ndarray, documents: pd.DataFrame, cites: pd.DataFrame,
                    count: int) -> np.ndarray:
    """Per group (``count`` of them, of ``lines``, member by member in ``group_of``), whether a
    line of it cites documents none of which is in it: :meth:`lettrage.passes.subset.Evidence.judge`
    for all the groups at once. A line's citations (its mistyped ones, when it has no other)
    must name a key a line of its group carries."""
    against = np.zeros(count, dtype=bool)
    citing = numbers_in(cites["line"], lines)
    if not citing.any():
        return against
    # Only a group one of whose lines cites a document can cite outside itself.
    judged = np.zeros(count, dtype=bool)
    judged[group_of[numbers_in(lines, cites["line"].to_numpy()[citing])]] = True
    members = np.flatnonzero(judged[group_of])
    cites = cites[citing]
    documents = documents[numbers_in(documents["line"], lines[members])]
    doc_member, doc_row = joined_rows(lines[members], documents["line"].to_numpy(dtype=np.int64))
    cite_member, cite_row = joined_rows(lines[members], cites["line"].to_numpy(dtype=np.int64))
    keys = pd.factorize(np.concatenate([documents["key"].to_numpy(dtype=object)[doc_row],
                                        cites["key"].to_numpy(dtype=object)[cite_row]]))[0]
    own, cited = keys[:len(doc_row)], keys[len(doc_row):]
    width = int(keys.max()) + 1 if len(keys) else 1
    # (group, key) of the documents carried in each group, and of each citation
    carried = np.sort(group_of[members[doc_member]][own >= 0] * width + own[own >= 0])
    wanted = group_of[members[cite_member]] * width + cited
    at = np.minimum(np.searchsorted(carried, wanted), max(len(carried) - 1, 0))
    found = (carried[at] == wanted) & (cited >= 0) if len(carried) else np.zeros(len(wanted), dtype=bool)
    near = (cites["near"].to_numpy(dtype=bool)[cite_row] if "near" in cites.columns
            else np.zeros(len(cite_row), dtype=bool))
    size = len(members)
    named = np.bincount(cite_member[~near], minlength=size) > 0  # per member line
    named_inside = np.bincount(cite_member[found & ~near], minlength=size) > 0
    nearly = np.bincount(cite_member[near], minlength=size) > 0
    nearly_inside = np.bincount(cite_member[found & near], minlength=size) > 0
    outside = np.where(named, ~named_inside, nearly & ~nearly_inside)
    against[group_of[members[outside]]] = True
    return against
