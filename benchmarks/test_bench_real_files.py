"""Speed of each step on the largest real FEC (10 756 lines), each checked for correctness.

Run: ``pytest benchmarks --benchmark-enable``. CI runs them with benchmarks disabled (once
each, as tests) so they cannot rot.
"""
from __future__ import annotations

from pathlib import Path

import lettrage
from lettrage.invariants import violations
from lettrage.quality import blank_letters

SOURCE = Path(__file__).parent.parent / "datasets" / "fec-neolegal" / "123456789FEC20500930.txt"


def test_read_fec(benchmark):
    ledger = benchmark(lettrage.read_fec, SOURCE)
    assert len(ledger) == 10756


def test_match(benchmark):
    ledger = blank_letters(lettrage.read_fec(SOURCE))
    result = benchmark(lettrage.match, ledger)
    assert violations(result) == []
    assert (result.lines["status"] == "lettered").sum() > 500


def test_write_fec(benchmark, tmp_path):
    ledger = lettrage.read_fec(SOURCE)
    out = tmp_path / "out.txt"
    benchmark(lettrage.write_fec, ledger, out)
    assert out.read_bytes() == SOURCE.read_bytes()


def test_whole_run(benchmark, tmp_path):
    out = tmp_path / "out.txt"

    def run() -> tuple[lettrage.MatchResult, int]:
        result = lettrage.match(lettrage.read_fec(SOURCE))
        return result, lettrage.write_fec(result, out)

    result, written = benchmark(run)
    assert violations(result) == []
    assert written == (result.lines["status"] == "lettered").sum()
