"""Print the precision and recall of lettrage on generated ledgers with known answers.

    python benchmarks/generated_quality.py [--lines 5000] [--seeds 1 2 3] [--tolerance 0]

Each seed makes a ledger with datasets/generator.py, letters it, and scores the new groups
against the truth, by situation of shared/CASES.md.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path

import pandas as pd

import lettrage

GENERATOR = Path(__file__).parent.parent / "datasets" / "generator.py"


def load_generator():
    spec = importlib.util.spec_from_file_location("lettrage_generator", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def matched_ledgers(lines: int, seeds: list[int], tolerance: str = "0"):
    """For each seed, a generated ledger's truth and what ``lettrage.match`` makes of it."""
    generator = load_generator()
    with tempfile.TemporaryDirectory() as folder:
        for seed in seeds:
            path = Path(folder) / "123456789FEC20251231.txt"
            truth_path = Path(folder) / "truth.csv"
            generator.write(lines, seed, path, truth_path)
            truth = pd.read_csv(truth_path, dtype={"group": str, "aux": str, "account": str})
            yield truth, lettrage.match(lettrage.read_fec(path), tolerance=tolerance)


def measure(lines: int, seeds: list[int], tolerance: str = "0") -> pd.DataFrame:
    """Summed score table over ``seeds`` (one row per situation, and ``all``)."""
    generator = load_generator()
    cents = lettrage.money.to_cents(tolerance)
    tables = [generator.score(truth, result.lines, tolerance=cents)
              for truth, result in matched_ledgers(lines, seeds, tolerance)]
    counts = pd.concat(tables)[["situation", "true_groups", "found", "new_groups", "right"]]
    total = counts.groupby("situation", sort=False).sum()
    total["recall"] = (total["found"] / total["true_groups"]).round(4)
    total["precision"] = (total["right"] / total["new_groups"]).round(4)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--tolerance", default="0")
    args = parser.parse_args()
    print(measure(args.lines, args.seeds, args.tolerance).to_string())


if __name__ == "__main__":
    main()
