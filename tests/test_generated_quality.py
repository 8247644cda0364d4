"""Precision and recall on generated ledgers with known answers (datasets/generator.py).

Issue 3's bar, at the default tolerance 0: precision ≥ 99.9 % of the groups, recall ≥ 97 % of
the groups that can be lettered. With a tolerance, near-balanced groups multiply and more of
them tie: precision must hold, recall is only reported (README). The README quotes the
per-situation table of ``benchmarks/generated_quality.py``.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from generated_quality import measure  # noqa: E402


def test_precision_and_recall_on_generated_ledgers():
    table = measure(4000, [11, 12], "0")
    overall = table.loc["all"]
    assert overall["precision"] >= 0.999, table.to_string()
    assert overall["recall"] >= 0.97, table.to_string()


def test_precision_holds_with_a_tolerance():
    table = measure(4000, [13], "1.00")
    assert table.loc["all", "precision"] >= 0.999, table.to_string()
    assert table.loc["all", "recall"] >= 0.90, table.to_string()
