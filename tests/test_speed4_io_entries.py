"""Entries numbered per journal: their runs are seen apart by the numbers' growth, without
hashing (speed4-io); the grouping stays the oracle."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lettrage.io.fec_reader import _entry_groups, _entry_runs, _numbered_apart


def _frame(journals: list[str], entries: list[str], amounts: list[int] | None = None) -> pd.DataFrame:
    size = len(journals)
    return pd.DataFrame({
        "line": np.arange(1, size + 1, dtype=np.int64),
        "journal": pd.array(journals, dtype="str"),
        "entry": pd.array(entries, dtype="str"),
        "amount": np.array(amounts or [1] * size, dtype=np.int64),
    })


def _starts(frame: pd.DataFrame) -> np.ndarray:
    keys = frame["journal"].astype(object) + "\0" + frame["entry"].astype(object)
    changed = np.r_[True, keys.to_numpy()[1:] != keys.to_numpy()[:-1]]
    return np.flatnonzero(changed)


def test_entries_growing_in_each_journal_are_apart() -> None:
    frame = _frame(["VT", "VT", "HA", "VT", "HA", "HA", "BQ"], ["1", "1", "1", "2", "2", "2", "1"])
    assert _numbered_apart(frame, ["journal", "entry"], _starts(frame))


@pytest.mark.parametrize("entries", [
    ["1", "2", "1"],  # an entry coming back
    ["1", "2", "01"],  # another text of the same number: left to the hashing
    ["1", "A", "2"],  # not a number
    ["3", "2", "4"],  # not growing
    ["1", "99999999999999999999", "2"],  # too large for int64
])
def test_anything_else_says_nothing(entries: list[str]) -> None:
    frame = _frame(["VT"] * 3, entries)
    assert not _numbered_apart(frame, ["journal", "entry"], _starts(frame))


@pytest.mark.parametrize("seed", range(30))
def test_runs_agree_with_groups_when_numbered(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 60))
    journals = rng.choice(["VT", "HA", "BQ"], size).tolist()
    counters: dict[str, int] = {}
    entries = []
    for journal in journals:  # each journal's own numbers, now and then one coming back
        counters[journal] = counters.get(journal, 0) + int(rng.integers(-1, 2))
        entries.append(str(counters[journal]))
    frame = _frame(journals, entries, rng.integers(-3, 4, size).tolist())
    runs = _entry_runs(frame, ["journal", "entry"])
    groups = _entry_groups(frame, ["journal", "entry"])
    if runs is not None:
        assert runs[0].tolist() == groups[0].tolist()
        assert runs[1].tolist() == groups[1].tolist()
    else:
        assert frame[["journal", "entry"]].iloc[_starts(frame)].duplicated().any()
