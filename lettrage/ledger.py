"""The canonical ledger frame: its columns, its attributes, and third-party selection."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lettrage.errors import Fault, FecError

DEFAULT_ACCOUNTS: tuple[str, ...] = ("40", "41")

ATTR_LAYOUT = "lettrage.layout"
ATTR_FAULTS = "lettrage.faults"
ATTR_DATE_FORMAT = "lettrage.date_format"
#: Accounts of suppliers (an invoice is a credit); the other third parties are customers.
SUPPLIER_PREFIX = "40"

#: Column -> meaning. Amounts are signed integer cents (debit positive); never floats.
COLUMNS: dict[str, str] = {
    "line": "1-based data line number (header and blank lines not counted); the key of results",
    "journal": "JournalCode",
    "entry": "EcritureNum",
    "date": "EcritureDate",
    "due_date": "DateLimitReglmt when the file has it",
    "account": "CompteNum",
    "aux": "CompAuxNum ('' when not used)",
    "party": "the third party: CompAuxNum, or CompteNum when CompAuxNum is empty",
    "account_name": "CompteLib",
    "party_name": "CompAuxLib, or CompteLib",
    "piece_ref": "PieceRef",
    "invoice_number": "NumFacture when the file has it",
    "label": "EcritureLib",
    "amount": "Debit - Credit in cents (int64)",
    "currency": "Idevise",
    "currency_amount": "Montantdevise in cents, signed like amount (Int64, NA when absent)",
    "letter": "EcritureLet as read ('' when unlettered)",
    "letter_date": "DateLet as read",
}

FAULT_COLUMNS = ["file", "line", "data_line", "field", "value", "message", "fatal_on_third_party"]


def faults_frame(faults: Sequence[Fault]) -> pd.DataFrame:
    """The faults as a DataFrame (one row each, columns :data:`FAULT_COLUMNS`)."""
    return pd.DataFrame(
        [(f.file, f.line, f.data_line, f.field, f.value, f.message, f.fatal_on_third_party)
         for f in faults],
        columns=FAULT_COLUMNS,
    )


def is_third_party(accounts: pd.Series, prefixes: Sequence[str]) -> np.ndarray:
    """Mask of the lines whose account starts with one of ``prefixes``."""
    if not prefixes:
        return np.zeros(len(accounts), dtype=bool)
    return accounts.str.startswith(tuple(prefixes)).to_numpy(dtype=bool)


def raise_fatal_faults(ledger: pd.DataFrame, third_party: np.ndarray) -> None:
    """Raise the first fault that stands on a third-party line and makes it unusable."""
    faults = ledger.attrs.get(ATTR_FAULTS)
    if faults is None or faults.empty:
        return
    candidates = faults[faults["fatal_on_third_party"] & (faults["data_line"] > 0)]
    if candidates.empty:
        return
    hit = third_party[candidates["data_line"].to_numpy() - 1]
    if hit.any():
        row = candidates[hit].iloc[0]
        raise FecError(
            f"{row['message']} on a third-party line", file=row["file"], line=int(row["line"]),
            field=row["field"], value=row["value"],
        )


REQUIRED_COLUMNS = ("line", "date", "account", "party", "amount", "letter")


def validate_frame(ledger: pd.DataFrame) -> None:
    """Check that a caller's frame has what the passes need, with usable types."""
    missing = [name for name in REQUIRED_COLUMNS if name not in ledger.columns]
    if missing:
        raise FecError(f"the ledger frame lacks columns {missing}", field=", ".join(missing))
    if not pd.api.types.is_integer_dtype(ledger["amount"]):
        raise FecError("amount must be integer cents (int64), not floats", field="amount")
    lines = ledger["line"]
    in_order = isinstance(lines.dtype, np.dtype) and lines.dtype.kind in "iu" and _increasing(
        lines.to_numpy())  # as read: unique, with no hashing of every number
    if not (in_order or lines.is_unique):
        raise FecError("line numbers must be unique", field="line")
    if not pd.api.types.is_datetime64_any_dtype(ledger["date"]):
        raise FecError("date must be a datetime64 column", field="date")


def line_positions(all_lines: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The positions of the ``wanted`` line numbers (all present) among ``all_lines``
    (unique): their offsets from the first when the numbers are consecutive and in order, as
    a whole ledger's are; read from a table indexed by line number when the numbers are
    dense, as data line numbers are; else a binary search when they are in order, as read."""
    if len(all_lines) and len(wanted):
        first = int(all_lines[0])
        if int(all_lines[-1]) - first == len(all_lines) - 1 and _increasing(all_lines):
            return wanted - first
        low = int(all_lines.min())
        span = int(all_lines.max()) - low + 1
        if span <= 4 * len(all_lines):
            table = np.full(span, -1, dtype=np.intp)
            table[all_lines - low] = np.arange(len(all_lines))
            return table[wanted - low]
    if len(all_lines) and _increasing(all_lines):
        return np.searchsorted(all_lines, wanted)
    return pd.Index(all_lines).get_indexer(wanted)


def _increasing(numbers: np.ndarray) -> bool:
    """Whether ``numbers`` are in strictly increasing order."""
    return bool((numbers[1:] > numbers[:-1]).all())


def positions_or_absent(all_lines: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """:func:`line_positions` of ``wanted`` line numbers that may be absent from
    ``all_lines`` (unique): -1 for those."""
    at = np.full(len(wanted), -1, dtype=np.intp)
    if not len(all_lines):
        return at
    inside = np.flatnonzero((wanted >= all_lines.min()) & (wanted <= all_lines.max()))
    found = line_positions(all_lines, wanted[inside])
    known = found >= 0
    known[known] = all_lines[found[known]] == wanted[inside[known]]
    at[inside[known]] = found[known]
    return at
