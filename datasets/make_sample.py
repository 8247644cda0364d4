"""Make the bundled sample ledger: a real FEC of datasets/fec-neolegal/ with the letters of
its customer and supplier accounts removed, so that `lettrage match` has work to do.

    python datasets/make_sample.py
"""
from __future__ import annotations

from pathlib import Path

import lettrage
from lettrage.quality import blank_letters

HERE = Path(__file__).parent
SOURCE = HERE / "fec-neolegal" / "111111111FEC20221231.TXT"
TARGET = HERE / "sample" / "111111111FEC20221231.TXT"


def main() -> None:
    ledger = lettrage.read_fec(SOURCE)
    lettrage.write_fec(blank_letters(ledger), TARGET)
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
