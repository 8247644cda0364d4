"""Build small FEC files as bytes inside tests.

The helper knows nothing of the package under test: it lays out cells the way an exporter
would (separator, encoding, line ends, BOM, trailing separator, padding), so that the tests
can check the reader and writer against text they wrote themselves.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

FIELDS: tuple[str, ...] = (
    "JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
    "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit",
    "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise",
)
#: The 18 fields with Montant + Sens in place of Debit + Credit.
MONTANT_SENS_FIELDS: tuple[str, ...] = FIELDS[:11] + ("Montant", "Sens") + FIELDS[13:]
#: Cash-basis layouts.
FIELDS_21: tuple[str, ...] = FIELDS + ("DateRglt", "ModeRglt", "NatOp")
FIELDS_22: tuple[str, ...] = FIELDS_21 + ("IdClient",)

UTF8_BOM = b"\xef\xbb\xbf"
_TERMINATOR = re.compile(rb"(\r\r\n|\r\n|\n|\r)")


def fold(name: str) -> str:
    """A header cell reduced to lower-case ASCII letters and digits (test-side matching)."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", plain.casefold())


def line(
    account: str,
    debit: str = "0,00",
    credit: str = "0,00",
    *,
    aux: str = "",
    aux_name: str = "",
    journal: str = "VT",
    entry: str = "1",
    date: str = "20240115",
    piece: str = "F001",
    label: str = "Facture F001",
    letter: str = "",
    letter_date: str = "",
    **more: str,
) -> dict[str, str]:
    """One ledger line as a dict keyed by FEC field name (any other field through ``more``)."""
    row = {
        "JournalCode": journal,
        "JournalLib": {"VT": "Ventes", "HA": "Achats", "BQ": "Banque"}.get(journal, "Divers"),
        "EcritureNum": entry,
        "EcritureDate": date,
        "CompteNum": account,
        "CompteLib": f"Compte {account}",
        "CompAuxNum": aux,
        "CompAuxLib": aux_name,
        "PieceRef": piece,
        "PieceDate": date,
        "EcritureLib": label,
        "Debit": debit,
        "Credit": credit,
        "EcritureLet": letter,
        "DateLet": letter_date,
        "ValidDate": date,
        "Montantdevise": "",
        "Idevise": "",
    }
    row.update(more)
    return row


def sample_rows() -> list[dict[str, str]]:
    """A sale to customer C001 and its payment; a purchase from supplier F001 and its payment."""
    return [
        line("411000", "120,00", aux="C001", aux_name="Dupont SA"),
        line("706000", credit="100,00"),
        line("445710", credit="20,00"),
        line("512000", "120,00", journal="BQ", entry="2", date="20240120", piece="R001",
             label="Virement Dupont F001"),
        line("411000", credit="120,00", aux="C001", aux_name="Dupont SA", journal="BQ",
             entry="2", date="20240120", piece="R001", label="Virement Dupont F001"),
        line("607000", "50,00", journal="HA", entry="3", date="20240201", piece="A17",
             label="Achat A17"),
        line("401000", credit="50,00", aux="F001", aux_name="Martin SARL", journal="HA",
             entry="3", date="20240201", piece="A17", label="Achat A17"),
    ]


def _cells(row: Mapping[str, object] | Sequence[object], header: Sequence[str]) -> list[str]:
    if isinstance(row, Mapping):
        by_fold = {fold(str(key)): value for key, value in row.items()}
        out = []
        for name in header:
            value = row[name] if name in row else by_fold.get(fold(name), "")
            out.append("" if value is None else str(value))
        return out
    cells = ["" if value is None else str(value) for value in row]
    return cells


def fec_bytes(
    rows: Sequence[Mapping[str, object] | Sequence[object]],
    *,
    header: Sequence[str] = FIELDS,
    sep: str = "\t",
    encoding: str = "utf-8",
    eol: str = "\n",
    bom: bool = False,
    trailing_sep: bool = False,
    header_trailing_sep: bool | None = None,
    pad: int | Mapping[str, int] | None = None,
    final_eol: bool = True,
) -> bytes:
    """The bytes of a FEC file.

    Parameters
    ----------
    rows : data lines, each a dict keyed by header name (matched loosely: case, accents and
        padding ignored; missing fields empty) or a list of cells in header order.
    header : the header cells, written as given.
    sep, encoding, eol : separator, text encoding, line end.
    bom : start with a UTF-8 byte-order mark.
    trailing_sep : end every line with a separator; ``header_trailing_sep`` overrides it for
        the header line alone.
    pad : left-justify every data cell to this width, or per field name (others unpadded).
    final_eol : end the last line with ``eol``.
    """
    header = list(header)
    body = [_cells(row, header) for row in rows]
    if pad is not None:
        widths = (
            {i: pad for i in range(len(header))}
            if isinstance(pad, int)
            else {i: pad[name] for i, name in enumerate(header) if name in pad}
        )
        body = [
            [cell.ljust(widths[i]) if i in widths else cell for i, cell in enumerate(cells)]
            for cells in body
        ]
    header_trails = trailing_sep if header_trailing_sep is None else header_trailing_sep
    lines = [sep.join(header) + (sep if header_trails else "")]
    lines += [sep.join(cells) + (sep if trailing_sep else "") for cells in body]
    text = eol.join(lines) + (eol if final_eol else "")
    data = text.encode(encoding)
    return (UTF8_BOM if bom else b"") + data


def write_fec_text(
    directory: Path,
    rows: Sequence[Mapping[str, object] | Sequence[object]],
    *,
    name: str = "123456789FEC20241231.txt",
    **layout: object,
) -> Path:
    """Write :func:`fec_bytes` of ``rows`` into ``directory / name`` and return the path."""
    path = Path(directory) / name
    path.write_bytes(fec_bytes(rows, **layout))  # type: ignore[arg-type]
    return path


def split_lines(data: bytes) -> list[bytes]:
    """The file cut into physical lines, each keeping its own terminator."""
    parts = _TERMINATOR.split(data)
    lines = [parts[i] + parts[i + 1] for i in range(0, len(parts) - 1, 2)]
    if parts[-1]:
        lines.append(parts[-1])
    return lines
