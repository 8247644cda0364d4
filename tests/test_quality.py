"""Agreement of a run with reference lettering (lettrage/quality.py)."""
from __future__ import annotations

import pandas as pd

from lettrage.quality import agreement


def _ledger(rows):
    """Rows ``(date, piece_ref, label, amount, letter)`` of one customer."""
    frame = pd.DataFrame(rows, columns=["date", "piece_ref", "label", "amount", "letter"])
    return frame.assign(account="411000", aux="ACME", date=pd.to_datetime(frame["date"]))


def _runs(size, *groups):
    """Run groups of ``size`` rows, given as tuples of row positions; the others are open."""
    runs = pd.Series(pd.NA, index=range(size), dtype="Int64")
    for number, rows in enumerate(groups):
        runs.iloc[list(rows)] = number
    return runs


TWINS = [
    ("2025-01-01", "sans", "F1", 100, "AA"),  # 0 and 1 cannot be told apart
    ("2025-01-01", "sans", "F1", 100, "AB"),
    ("2025-01-01", "sans", "F1", 250, "AA"),
    ("2025-02-01", "VIR", "VIR ACME", -350, "AA"),
    ("2025-03-01", "CHQ", "CHQ ACME", -100, "AB"),
]


def test_a_group_rebuilt_is_found():
    measured = agreement(_ledger(TWINS), _runs(5, (0, 2, 3), (1, 4)))
    assert (measured.balanced_groups, measured.found, measured.contradicting) == (2, 2, 0)


def test_a_group_that_took_the_other_twin_is_found():
    measured = agreement(_ledger(TWINS), _runs(5, (1, 2, 3), (0, 4)))
    assert (measured.found, measured.contradicting) == (2, 0)


def test_lines_that_can_be_told_apart_are_not_swapped():
    ledger = _ledger(TWINS)
    ledger.loc[1, "date"] = pd.Timestamp("2025-01-02")  # no longer twins
    measured = agreement(ledger, _runs(5, (1, 2, 3), (0, 4)))
    assert (measured.found, measured.contradicting) == (0, 2)


def test_a_twin_the_reference_left_open_may_take_the_place_of_a_lettered_one():
    rows = [*TWINS[:1], ("2025-01-01", "sans", "F1", 100, ""), *TWINS[2:4]]  # 1 is left open
    measured = agreement(_ledger(rows), _runs(len(rows), (1, 2, 3)))
    assert (measured.found, measured.contradicting) == (1, 0)


def test_a_finer_split_is_found_and_a_coarser_group_contradicts():
    rows = [("2025-01-01", "F1", "F1", 100, "AA"), ("2025-01-02", "F2", "F2", 200, "AA"),
            ("2025-02-01", "VIR", "VIR", -100, "AA"), ("2025-02-02", "VIR", "VIR", -200, "AA"),
            ("2025-01-03", "F3", "F3", 50, "AB"), ("2025-02-03", "VIR", "VIR", -50, "AB")]
    assert agreement(_ledger(rows), _runs(len(rows), (0, 2), (1, 3))).found == 1
    coarse = agreement(_ledger(rows), _runs(len(rows), (0, 1, 2, 3, 4, 5)))
    assert (coarse.found, coarse.contradicting) == (0, 1)
