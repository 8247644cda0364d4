"""Print every quality table of the README in one run: letters on generated ledgers (precision
and recall per situation), the review list's coverage of what must go to a person, and the
agreement with the accountant on the real files (40x/41x letters blanked).

    python benchmarks/quality_report.py [--lines 5000] [--seeds 1 2 3 4 5]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import generated_quality  # noqa: E402
import real_files_agreement  # noqa: E402
import review_quality  # noqa: E402


def machine() -> str:
    """CPU, cores and Python of this machine, for the tables' caption."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def markdown(table) -> str:
    """A DataFrame as a Markdown table (index first), without optional packages."""
    head = [str(table.index.name or "")] + [str(c) for c in table.columns]
    rows = [[str(i)] + [f"{v:g}" if isinstance(v, float) else str(v) for v in row]
            for i, row in zip(table.index, table.itertuples(index=False))]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    args = parser.parse_args()
    print(f"Machine: {machine()}\n")
    for tolerance in ("0", "1.00"):
        print(f"## Letters on generated ledgers ({len(args.seeds)} × {args.lines} lines, "
              f"tolerance {tolerance})\n")
        table = generated_quality.measure(args.lines, args.seeds, tolerance)
        print(markdown(table) + "\n")
    print(f"## Review list on generated ledgers ({len(args.seeds)} × {args.lines} lines)\n")
    print(markdown(review_quality.measure(args.lines, args.seeds)) + "\n")
    print("## Agreement with the accountant on the real files\n")
    real_files_agreement.main()


if __name__ == "__main__":
    main()
