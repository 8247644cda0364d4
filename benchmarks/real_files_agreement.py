"""Print how much of the accountant's lettering lettrage finds again on the real FECs.

    python benchmarks/real_files_agreement.py

Each file is read, the letters of its 40x/41x accounts are blanked, it is matched, and the
new groups are compared with the accountant's (see lettrage.quality.Agreement).
"""
from __future__ import annotations

from pathlib import Path

import lettrage
from lettrage.quality import agreement, blank_letters

DATA = Path(__file__).parent.parent / "datasets" / "fec-neolegal"


def main() -> None:
    print("| file | accountant's balanced groups | found again | lettrage groups "
          "| contradicting (of which a balanced group) | unconfirmed |")
    print("|---|---:|---:|---:|---:|---:|")
    for path in sorted(DATA.glob("*FEC*")):
        ledger = lettrage.read_fec(path)
        measured = agreement(ledger, lettrage.match(blank_letters(ledger)).lines["group"])
        print(f"| `{path.name}` | {measured.balanced_groups} | {measured.found} "
              f"({100 * measured.recall:.1f} %) | {measured.run_groups} | "
              f"{measured.contradicting} ({measured.contradicting_balanced}) — "
              f"{100 * measured.contradiction_rate:.1f} % | {measured.unconfirmed} |")


if __name__ == "__main__":
    main()
