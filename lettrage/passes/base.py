"""What every pass returns: groups of lines to letter, described as frames."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


def empty_members() -> pd.DataFrame:
    return pd.DataFrame({"group": pd.Series(dtype=np.int64), "line": pd.Series(dtype=np.int64)})


def empty_groups() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": pd.Series(dtype=np.int64),
            "pass": pd.Series(dtype=object),
            "gap": pd.Series(dtype=np.int64),
            "currency": pd.Series(dtype=object),
            "reason": pd.Series(dtype=object),
        }
    )


@dataclass(frozen=True)
class PassOutput:
    """Groups found by a pass.

    ``groups``: one row per group — ``group`` (an id local to this output), ``pass``,
    ``gap`` (company-currency cents left unmatched, 0 for exact groups), ``currency`` (the
    foreign currency the group balances in, '' for the company currency) and ``reason``.
    ``members``: ``(group, line)``, one row per lettered line.
    """

    groups: pd.DataFrame = field(default_factory=empty_groups)
    members: pd.DataFrame = field(default_factory=empty_members)

    def without(self, groups: np.ndarray) -> PassOutput:
        """This output less ``groups``, the others numbered again from 0."""
        if not len(groups):
            return self
        kept = self.groups[~self.groups["group"].isin(groups)]
        members = self.members[self.members["group"].isin(kept["group"])]
        renumber = pd.Series(np.arange(len(kept), dtype=np.int64), index=kept["group"].to_numpy())
        return PassOutput(
            groups=kept.assign(group=renumber.to_numpy()).reset_index(drop=True),
            members=members.assign(group=renumber.reindex(members["group"]).to_numpy()).reset_index(drop=True))

    def in_line_order(self) -> PassOutput:
        """This output with its groups numbered from 0 in the order of their first lines: the
        same ids however the third parties were split between processes."""
        if self.groups.empty:
            return self
        return in_line_order(self.groups, self.groups["group"].to_numpy(), self.members,
                             self.members["group"].to_numpy())

    @property
    def lines(self) -> np.ndarray:
        """The lines this output letters."""
        return self.members["line"].to_numpy()


def in_line_order(groups: pd.DataFrame, group_ids: np.ndarray, members: pd.DataFrame,
                  member_groups: np.ndarray) -> PassOutput:
    """``groups`` (their ids ``group_ids``, instead of their column) and ``members`` (their
    groups' ids ``member_groups``) as one output, the groups numbered from 0 in the order of
    their first lines, the members by group then line."""
    group_ids = np.asarray(group_ids, dtype=np.int64)
    if np.array_equal(group_ids, np.arange(len(group_ids))):
        at = np.asarray(member_groups, dtype=np.int64)
    else:
        at = pd.Index(group_ids).get_indexer(member_groups)
    line = members["line"].to_numpy(dtype=np.int64)
    first = np.full(len(group_ids), np.iinfo(np.int64).max)  # a group's first line
    np.minimum.at(first, at, line)
    order = np.argsort(first, kind="stable")
    renumber = np.empty(len(order), dtype=np.int64)
    renumber[order] = np.arange(len(order), dtype=np.int64)
    group = renumber[at]
    by_group = _by_group_and_line(group, line)
    return PassOutput(groups=_renumbered(groups, order, np.arange(len(order), dtype=np.int64)),
                      members=_renumbered(members, by_group, group[by_group]))


def _by_group_and_line(group: np.ndarray, line: np.ndarray) -> np.ndarray:
    """The order of rows by ``group`` (from 0) then ``line`` (stable): one sort of one key
    when both fit in it."""
    if len(line) and 0 <= line.min() and line.max() < 1 << 32 and group.max() < 1 << 30:
        return np.argsort((group << 32) | line, kind="stable")
    return np.lexsort((line, group))


def _renumbered(frame: pd.DataFrame, rows: np.ndarray, group: np.ndarray) -> pd.DataFrame:
    """The ``rows`` of ``frame``, indexed from 0, with ``group`` as their groups."""
    taken = frame.take(rows)
    taken.index = pd.RangeIndex(len(taken))
    taken["group"] = group
    return taken
