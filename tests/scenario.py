"""Small ledgers written as text in the tests, read through the real FEC reader."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

import lettrage
from lettrage.invariants import violations

HEADER = ("JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\t"
          "CompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\t"
          "ValidDate\tMontantdevise\tIdevise")


def fec_text(rows: str) -> str:
    """A FEC from compact rows ``date | account | aux | piece_ref | label | debit | credit
    [| letter [| journal]]`` (blank lines and ``#`` comments ignored; amounts like
    ``1200,00``). The journal is ``VT`` for invoices, ``BQ`` for settlements unless given."""
    out = [HEADER]
    for number, row in enumerate(r for r in rows.strip().splitlines() if r.strip() and not r.strip().startswith("#")):
        cells = [c.strip() for c in row.split("|")]
        date, account, aux, ref, label, debit, credit = cells[:7]
        letter = cells[7] if len(cells) > 7 else ""
        journal = "BQ" if credit and account.startswith("41") or debit and account.startswith("40") else "VT"
        if len(cells) > 8 and cells[8]:
            journal = cells[8]
        out.append("\t".join([
            journal, journal, str(number + 1), date, account, "Tiers", aux, aux, ref, date, label,
            debit or "0,00", credit or "0,00", letter, date if letter else "", date, "", "",
        ]))
    return "\n".join(out) + "\n"


def read(tmp_path: Path, rows: str, name: str = "123456789FEC20251231.txt") -> pd.DataFrame:
    path = tmp_path / name
    path.write_text(fec_text(rows), encoding="utf-8")
    return lettrage.read_fec(path)


def run(tmp_path: Path, rows: str, **settings: object) -> lettrage.MatchResult:
    """Read ``rows`` as a FEC, match it, and check the invariants of the result."""
    result = lettrage.match(read(tmp_path, rows), **settings)
    assert violations(result) == []
    return result


def groups_of(result: lettrage.MatchResult) -> set[frozenset[int]]:
    """The new groups as sets of data line numbers."""
    lines = result.lines.dropna(subset=["group"])
    return {frozenset(g["line"].tolist()) for _, g in lines.groupby("group")}
