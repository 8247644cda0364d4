"""Reports beside the lettered FEC: write-off entries as FEC lines, the review list as CSV.

Both are written to a temporary file and renamed, like the lettered FEC.
"""
from __future__ import annotations

import csv
import functools
import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from lettrage.io.fec_layout import FecLayout
from lettrage.io.fec_writer import write_atomically
from lettrage.ledger import ATTR_DATE_FORMAT, ATTR_LAYOUT
from lettrage.money import format_cents
from lettrage.result import REVIEW_COLUMNS, MatchResult

FEC_FIELDS = ["JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
              "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit",
              "Credit", "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise"]
NATURE_LABELS = {
    "bank_fees": "Frais bancaires", "discount_granted": "Escomptes accordes",
    "discount_received": "Escomptes obtenus", "rounding_loss": "Ecarts de reglement (charge)",
    "rounding_gain": "Ecarts de reglement (produit)", "exchange_loss": "Pertes de change",
    "exchange_gain": "Gains de change",
}


def write_writeoffs(result: MatchResult, path: str | os.PathLike[str]) -> int:
    """Write ``result.writeoffs`` as FEC lines ready to import, in the input's layout
    (header, separator, encoding, line ends); returns the number of lines written."""
    layout: FecLayout | None = result.ledger.attrs.get(ATTR_LAYOUT)
    date_format = result.ledger.attrs.get(ATTR_DATE_FORMAT, "%Y%m%d")
    if layout is not None:
        header, sep, encoding = list(layout.header), layout.separator.decode(), layout.encoding
        fields = layout.fields
        newline = _line_end(layout)
    else:
        header, sep, encoding, newline = FEC_FIELDS, "\t", "utf-8", "\n"
        fields = {name: i for i, name in enumerate(FEC_FIELDS)}
    names = _account_names(result.ledger)
    dated = functools.cache(lambda value: _date(value, date_format))  # few distinct dates
    rows = [sep.join(header)]
    for entry in result.writeoffs.itertuples(index=False):
        values = {
            "JournalCode": entry.journal, "JournalLib": "Lettrage", "EcritureNum": entry.entry,
            "EcritureDate": dated(entry.date), "CompteNum": entry.account,
            "CompteLib": names.get(entry.account, NATURE_LABELS.get(entry.nature, "")),
            "CompAuxNum": entry.aux, "CompAuxLib": names.get(f"{entry.account}/{entry.aux}", "") if entry.aux else "",
            "PieceRef": entry.piece_ref, "PieceDate": dated(entry.date),
            "EcritureLib": entry.label, "EcritureLet": entry.letter,
            "DateLet": dated(entry.date) if entry.letter else "",
        }
        amount = int(entry.amount)
        if "Debit" in fields:
            values["Debit"] = _amount(max(amount, 0))
            values["Credit"] = _amount(max(-amount, 0))
        else:
            values["Montant"] = _amount(abs(amount))
            values["Sens"] = "D" if amount >= 0 else "C"
        cells = [""] * len(header)
        for name, position in fields.items():
            text = str(values.get(name, ""))
            cells[position] = text.replace(sep, " ").replace("\r", " ").replace("\n", " ")
        rows.append(sep.join(cells))
    text = newline.join(rows) + newline
    data = text.encode(encoding, errors="replace")
    write_atomically(Path(path), [data])
    return len(result.writeoffs)


def write_review(result: MatchResult, path: str | os.PathLike[str]) -> int:
    """Write the review list: CSV (UTF-8), or JSON lines when ``path`` ends in ``.json``.

    ``gap`` is written as an amount (``-20.00``). Text cells beginning with ``=``, ``+``,
    ``-`` or ``@`` are prefixed with ``'`` in the CSV so that a spreadsheet shows them as
    text instead of running them as formulas.
    """
    review = result.review[REVIEW_COLUMNS].copy()
    review["gap"] = [format_cents(int(cents)) for cents in review["gap"]]
    target = Path(path)
    if target.suffix.lower() in (".json", ".jsonl"):
        lines = [json.dumps(record, ensure_ascii=False, default=str)
                 for record in review.to_dict(orient="records")]
        data = ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(REVIEW_COLUMNS)
        writer.writerows(zip(*(review[column].tolist() if column in _AMOUNT_COLUMNS
                               else [_neutralise(value) for value in review[column].tolist()]
                               for column in REVIEW_COLUMNS)))
        data = buffer.getvalue().encode("utf-8")
    write_atomically(target, [data])
    return len(review)


#: Columns of amounts we formatted ourselves: numbers to a spreadsheet, never neutralised
#: (a subclass of str marking them did not survive pandas' string columns: ``'-2.00``).
_AMOUNT_COLUMNS = frozenset({"gap"})


def _neutralise(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _line_end(layout: FecLayout) -> str:
    if len(layout.starts) or len(layout.ends):
        end = int(layout.ends[0]) if len(layout.ends) else len(layout.data)
        tail = layout.data[end:end + 3]
        for candidate in (b"\r\r\n", b"\r\n", b"\n", b"\r"):
            if tail.startswith(candidate):
                return candidate.decode()
    return "\n"


def _date(value: object, date_format: str) -> str:
    stamp = pd.Timestamp(value)
    return "" if pd.isna(stamp) else stamp.strftime(date_format)


def _amount(cents: int) -> str:
    units, rest = divmod(cents, 100)
    return f"{units},{rest:02d}"


def _account_names(ledger: pd.DataFrame) -> dict[str, str]:
    """The name of each account (``"401"``) and third party (``"401/F001"``, when CompAuxNum
    is not empty) on its first line; an account's name first when the two keys collide."""
    names: dict[str, str] = {}
    if "account_name" in ledger.columns:
        for (account,), name in _first_rows([ledger["account"]], ledger["account_name"]):
            names.setdefault(str(account), str(name))
    if "party_name" in ledger.columns:
        for (account, aux), name in _first_rows([ledger["account"], ledger.get("aux", ledger["account"])],
                                                ledger["party_name"]):
            if aux:
                names.setdefault(f"{account}/{aux}", str(name))
    return names


def _first_rows(keys: list[pd.Series], values: pd.Series) -> list[tuple[tuple, object]]:
    """``(key values, value)`` of the first row of each distinct combination of ``keys``, in
    row order: what a walk over every row keeps with ``setdefault`` (a missing key value
    stands for itself alone: ``None`` and ``NaN`` print apart)."""
    combined = np.zeros(len(values), dtype=np.int64)
    for key in keys:
        code, distinct = pd.factorize(key)
        missing = np.flatnonzero(code < 0)
        code[missing] = len(distinct) + np.arange(len(missing))
        combined = combined * (len(distinct) + len(missing)) + code
    # Codes in order of first appearance: a row is its combination's first where its code
    # exceeds every code before it (no sort of every row).
    order, _ = pd.factorize(combined)
    first = np.flatnonzero(order > np.maximum.accumulate(np.r_[-1, order[:-1]]))
    picked = [key.take(first).tolist() for key in keys]
    return list(zip(zip(*picked), values.take(first).tolist()))
