"""Entries found as runs of consecutive lines agree with the grouping they stand in for."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lettrage.io.fec_reader import _entry_groups, _entry_runs


def _frame(seed: int, size: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = np.array(["2024-01-01", "2024-01-02", "NaT"], dtype="datetime64[s]")
    frame = pd.DataFrame({
        "line": np.arange(1, size + 1, dtype=np.int64),
        "journal": pd.array(rng.choice(["VT", "HA"], size), dtype="str"),
        "entry": pd.array(np.sort(rng.integers(0, size // 2 + 1, size)).astype(str), dtype="str"),
        "date": dates[rng.integers(0, 3, size)],
        "piece_ref": pd.array(rng.choice(["A", "B", ""], size), dtype="str"),
        "amount": rng.integers(-3, 4, size).astype(np.int64),
    })
    return frame


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("keys", [["journal", "entry"], ["journal", "date", "piece_ref"]])
def test_runs_agree_with_groups(seed: int, keys: list[str]) -> None:
    frame = _frame(seed, 1 + seed % 13)
    if seed % 2:  # sorted on the keys: every entry a run
        frame = frame.sort_values(keys, kind="stable").assign(line=frame["line"].to_numpy())
    runs = _entry_runs(frame, keys)
    groups = _entry_groups(frame, keys)
    if runs is not None:
        assert runs[0].tolist() == groups[0].tolist()
        assert runs[1].tolist() == groups[1].tolist()


def test_an_entry_coming_back_is_left_to_the_grouping() -> None:
    frame = pd.DataFrame({
        "line": np.arange(1, 4, dtype=np.int64),
        "journal": pd.array(["VT", "HA", "VT"], dtype="str"),
        "entry": pd.array(["1", "1", "1"], dtype="str"),
        "amount": np.array([1, 0, -1], dtype=np.int64),
    })
    assert _entry_runs(frame, ["journal", "entry"]) is None
    assert _entry_groups(frame, ["journal", "entry"])[1].tolist() == [0, 0]


def test_runs_of_a_ledger_written_entry_by_entry() -> None:
    frame = pd.DataFrame({
        "line": np.arange(1, 5, dtype=np.int64),
        "journal": pd.array(["VT", "VT", "HA", "HA"], dtype="str"),
        "entry": pd.array(["1", "1", "1", "2"], dtype="str"),
        "amount": np.array([5, -4, 2, -2], dtype=np.int64),
    })
    first, sums = _entry_runs(frame, ["journal", "entry"])
    assert first.tolist() == [1, 3, 4] and sums.tolist() == [1, 2, -2]
