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
        first = self.members.groupby("group")["line"].min()
        order = first.reindex(self.groups["group"]).to_numpy()
        groups = self.groups.iloc[np.argsort(order, kind="stable")]
        renumber = pd.Series(np.arange(len(groups), dtype=np.int64), index=groups["group"].to_numpy())
        members = self.members.assign(group=renumber.reindex(self.members["group"]).to_numpy())
        return PassOutput(groups=groups.assign(group=renumber.to_numpy()).reset_index(drop=True),
                          members=members.sort_values(["group", "line"], ignore_index=True))

    @property
    def lines(self) -> np.ndarray:
        """The lines this output letters."""
        return self.members["line"].to_numpy()
