"""Read a FEC file into the canonical ledger frame, keeping its bytes for write-back."""
from __future__ import annotations

import dataclasses
import mmap
import os
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lettrage.errors import Fault, FecError
from lettrage.io.fec_fields import field_texts
from lettrage.io.fec_layout import FecLayout, FileBytes, detect_layout, file_stamp
from lettrage.io.fec_values import ParsedColumn, parse_amounts, parse_dates
from lettrage.ledger import (
    ATTR_DATE_FORMAT,
    ATTR_FAULTS,
    ATTR_LAYOUT,
    DEFAULT_ACCOUNTS,
    faults_frame,
    is_third_party,
    raise_fatal_faults,
)

_CLOSING_DATE = re.compile(r"FEC(\d{8})", re.IGNORECASE)
_SENS = {"D": 1, "+1": 1, "1": 1, "C": -1, "-1": -1}


def read_fec(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    accounts: Sequence[str] | None = DEFAULT_ACCOUNTS,
) -> pd.DataFrame:
    """Read a FEC file into the canonical ledger frame.

    Parameters
    ----------
    path : the FEC file (tab or ``|`` separated, any layout of ``shared/FEC.md``).
    encoding : force a text encoding; by default UTF-8 (with or without BOM), Windows-1252
        or ISO 8859-15 is detected.
    accounts : prefixes of the third-party accounts the run will letter. An unreadable
        amount, sense or date on those lines is fatal; elsewhere it is a warning. ``None``
        defers that decision to :func:`lettrage.match`.

    Returns
    -------
    DataFrame with one row per data line (see ``lettrage.ledger.COLUMNS``). The warnings
    are in ``frame.attrs["lettrage.faults"]``; the file's bytes, needed by
    :func:`lettrage.write_fec`, in ``frame.attrs["lettrage.layout"]``.

    Raises
    ------
    FecError
        (a ``ValueError``) for a fatal fault, naming file, line, field and value.
    """
    name = os.fspath(path)
    try:
        data, stamp = _file_bytes(name)
    except OSError as exc:
        raise FecError(f"cannot read the file: {exc.strerror}", file=name) from None
    layout = detect_layout(data, name, encoding)
    if stamp is not None:
        layout = dataclasses.replace(layout, mapped_stamp=stamp)
    return _build_frame(layout, accounts)


def _file_bytes(name: str) -> tuple[FileBytes, tuple[int, int, int] | None]:
    """The file mapped read-only, with its :func:`file_stamp`: its bytes are read where the
    system caches them, and no memory is filled with a copy first. A file that cannot be
    mapped (empty, a pipe) is read (no stamp)."""
    with open(name, "rb") as handle:
        try:
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            return handle.read(), None
        return mapped, file_stamp(os.fstat(handle.fileno()))


class _FaultLog:
    """Collects faults with their physical line numbers."""

    def __init__(self, layout: FecLayout) -> None:
        self.layout = layout
        self.faults: list[Fault] = []

    def add(
        self, mask: np.ndarray, field: str, values: pd.Series, reasons: np.ndarray | str,
        *, fatal_on_third_party: bool,
    ) -> None:
        positions = np.flatnonzero(mask)
        if not len(positions):
            return
        file_lines = np.atleast_1d(self.layout.file_lines(positions + 1))
        reason_of = (lambda i: reasons) if isinstance(reasons, str) else (lambda i: reasons[i])
        for position, file_line in zip(positions.tolist(), file_lines.tolist()):
            self.faults.append(
                Fault(
                    file=self.layout.path,
                    line=int(file_line),
                    field=field,
                    value=str(values.iat[position]),
                    message=str(reason_of(position)),
                    data_line=position + 1,
                    fatal_on_third_party=fatal_on_third_party,
                )
            )


#: Above this sum of the amounts' sizes (cents), a sum of some of them might not fit in int64.
_MAX_TOTAL_CENTS = 2**62


def _check_total(amount: np.ndarray, layout: FecLayout, read: dict[str, ParsedColumn],
                 text: dict[str, pd.Series]) -> None:
    """Refuse a file whose amounts could add up past int64 (every sum the engine makes is of
    some of them), naming its largest amount (the field ``read`` that holds it): sums in cents
    must stay exact."""
    if np.abs(amount).sum(dtype=np.float64) >= _MAX_TOTAL_CENTS:
        position = int(np.argmax(np.abs(amount)))
        field = max(read, key=lambda name: abs(int(read[name].values[position])))
        raise FecError(f"amounts too large to add up exactly: together they pass {_MAX_TOTAL_CENTS / 100:.3g}",
                       file=layout.path, line=int(layout.file_lines(position + 1)), field=field,
                       value=str(text[field].iat[position]))


def _build_frame(
    layout: FecLayout, accounts: Sequence[str] | None, *, fast: bool = True
) -> pd.DataFrame:
    """The ledger frame of a laid-out file; ``fast=False`` cuts the fields the reference way
    (see :mod:`lettrage.io.fec_fields`), for tests comparing both."""
    fields = field_texts(layout, fast=fast)
    size = len(layout.starts)
    text = fields.columns
    log = _FaultLog(layout)

    if "Debit" in layout.fields and "Credit" in layout.fields:
        debit, credit = parse_amounts(text["Debit"]), parse_amounts(text["Credit"])
        log.add(debit.bad, "Debit", text["Debit"], debit.reasons, fatal_on_third_party=True)
        log.add(credit.bad, "Credit", text["Credit"], credit.reasons, fatal_on_third_party=True)
        amount = debit.values - credit.values
        amount[debit.bad | credit.bad] = 0
        read_amounts = {"Debit": debit, "Credit": credit}
    else:
        montant = parse_amounts(text["Montant"])
        log.add(montant.bad, "Montant", text["Montant"], montant.reasons, fatal_on_third_party=True)
        sens_text = text["Sens"].str.upper()
        sens = sens_text.map(_SENS)
        bad_sens = sens.isna().to_numpy()
        log.add(bad_sens, "Sens", text["Sens"], "sense is not D, C, +1 or -1",
                fatal_on_third_party=True)
        amount = montant.values * sens.fillna(0).to_numpy(dtype=np.int64)
        amount[montant.bad] = 0
        read_amounts = {"Montant": montant}

    _check_total(amount, layout, read_amounts, text)
    dates, date_format = parse_dates(text["EcritureDate"])
    missing_date = pd.isna(dates.values) & ~dates.bad
    log.add(dates.bad, "EcritureDate", text["EcritureDate"], dates.reasons,
            fatal_on_third_party=True)
    log.add(missing_date, "EcritureDate", text["EcritureDate"], "empty date",
            fatal_on_third_party=True)
    letter_dates, _ = parse_dates(text["DateLet"])
    log.add(letter_dates.bad, "DateLet", text["DateLet"], letter_dates.reasons,
            fatal_on_third_party=False)
    due_dates, _ = parse_dates(text["DateLimitReglmt"])

    account = text["CompteNum"]
    empty_account = (account == "").to_numpy()
    if empty_account.any():
        position = int(np.flatnonzero(empty_account)[0])
        raise FecError("empty account number", file=layout.path,
                       line=int(layout.file_lines(position + 1)), field="CompteNum", value="")

    currency_amount = parse_amounts(text["Montantdevise"])
    log.add(currency_amount.bad, "Montantdevise", text["Montantdevise"],
            currency_amount.reasons, fatal_on_third_party=False)
    has_currency = (text["Montantdevise"] != "").to_numpy() & ~currency_amount.bad
    sign = np.where(amount < 0, -1, 1)
    signed_currency = pd.array(np.abs(currency_amount.values) * sign, dtype="Int64")
    signed_currency[~has_currency] = pd.NA

    aux = text["CompAuxNum"]
    frame = pd.DataFrame(
        {
            "line": np.arange(1, size + 1, dtype=np.int64),
            "journal": text["JournalCode"],
            "entry": text["EcritureNum"],
            "date": dates.values.astype("datetime64[s]"),
            "due_date": due_dates.values.astype("datetime64[s]"),
            "account": account,
            "aux": aux,
            "party": _either(aux, account),
            "account_name": text["CompteLib"],
            "party_name": _either(aux, text["CompteLib"], text["CompAuxLib"]),
            "piece_ref": text["PieceRef"],
            "invoice_number": text["NumFacture"],
            "label": text["EcritureLib"],
            "amount": amount.astype(np.int64),
            "currency": text["Idevise"],
            "currency_amount": signed_currency,
            "letter": text["EcritureLet"],
            "letter_date": letter_dates.values.astype("datetime64[s]"),
        },
        copy=False,  # every column is new here: no need for pandas to copy it again
    )
    _check_entries(frame, layout, log)
    _check_year(frame, layout, log)
    for field, parsed in read_amounts.items():
        if parsed.dotted:
            # One warning per column, on its first such line: a whole file is often dotted.
            dotted = text[field].str.contains(".", regex=False).to_numpy(dtype=bool) & ~parsed.bad
            first = np.zeros(size, dtype=bool)
            first[np.flatnonzero(dotted)[0]] = True
            log.add(first, field, text[field],
                    "amount written with '.' as decimal point (the FEC wants ','), "
                    f"on {int(dotted.sum())} line(s) of {field}",
                    fatal_on_third_party=False)
    frame.attrs[ATTR_LAYOUT] = dataclasses.replace(
        layout,
        original_letters=_letter_array(frame["letter"]),
        original_letter_dates=frame["letter_date"].to_numpy(copy=True),
        letter_width=fields.letter_width,
        letter_date_width=fields.letter_date_width,
        letter_spans=fields.letter_spans,
    )
    frame.attrs[ATTR_DATE_FORMAT] = date_format
    frame.attrs[ATTR_FAULTS] = faults_frame(log.faults)
    if accounts is not None:
        raise_fatal_faults(frame, is_third_party(frame["account"], accounts))
    return frame


def _either(aux: pd.Series, other: pd.Series, value: pd.Series | None = None) -> pd.Series:
    """``value`` (``aux`` by default) where ``aux`` is not empty, else ``other``: what
    ``value.where(aux != "", other)`` gives, computed by pyarrow when the texts are held so."""
    value = aux if value is None else value
    columns = (aux, other, value)
    if not all(isinstance(c.dtype, pd.StringDtype) and c.dtype.storage == "pyarrow"
               and c.dtype == aux.dtype for c in columns):
        return value.where(aux != "", other)
    arrays = [c.array.__arrow_array__() for c in columns]
    if any(array.null_count for array in arrays):
        return value.where(aux != "", other)
    chosen = pc.if_else(pc.equal(arrays[0], ""), arrays[1], arrays[2])
    return pd.Series(pd.array(chosen, dtype=aux.dtype), index=aux.index)


def _letter_array(letters: pd.Series) -> pa.Array:
    """The letters as read, kept for the writer: a pyarrow array, which nothing can change
    in place (no copy of the column is needed)."""
    if isinstance(letters.dtype, pd.StringDtype) and letters.dtype.storage == "pyarrow":
        array = letters.array.__arrow_array__()
    else:
        array = pa.array(letters.to_numpy(dtype=object), type=pa.large_string())
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _check_entries(frame: pd.DataFrame, layout: FecLayout, log: _FaultLog) -> None:
    """Warn about entries whose debits and credits do not balance."""
    if frame.empty:
        return
    entry = frame["entry"]  # text read from the file: never missing
    single_number = bool((entry == entry.iat[0]).all())
    keys = ["journal", "date", "piece_ref"] if single_number else ["journal", "entry"]
    found = _entry_runs(frame, keys)
    first, sums = found if found is not None else _entry_groups(frame, keys)
    unbalanced = sums != 0
    for line, total in zip(first[unbalanced].tolist(), sums[unbalanced].tolist()):
        row = frame.iloc[line - 1]
        log.faults.append(Fault(
            layout.path, int(layout.file_lines(line)), "EcritureNum",
            f"{row['journal']}/{row['entry']}",
            f"entry does not balance (debit - credit = {total / 100:.2f})", data_line=line,
        ))


def _entry_groups(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """First line and sum of amounts of every entry (the lines sharing ``keys``), in the
    order entries first appear."""
    entries = frame.groupby(keys, sort=False, dropna=False)  # one grouping for both columns
    return entries["line"].min().to_numpy(), entries["amount"].sum().to_numpy()


def _entry_runs(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`_entry_groups` when every entry is one run of consecutive lines, as in a file
    written entry by entry; ``None`` when an entry's key comes back after another's."""
    if not np.array_equal(frame["line"].to_numpy(), np.arange(1, len(frame) + 1)):
        return None
    changed = np.zeros(len(frame), dtype=bool)
    changed[0] = True
    for key in keys:
        column = frame[key]
        if column.dtype.kind == "M":
            values = column.to_numpy()
            changed[1:] |= values[1:] != values[:-1]  # NaT differs from all: one run each
        elif isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
            values = column.array.__arrow_array__()
            if values.null_count:
                return None
            changed[1:] |= pc.not_equal(values[1:], values[:-1]).to_numpy(zero_copy_only=False)
        else:
            return None
    starts = np.flatnonzero(changed)
    if not _numbered_apart(frame, keys, starts) and frame[keys].iloc[starts].duplicated().any():
        return None
    return starts + 1, np.add.reduceat(frame["amount"].to_numpy(), starts)


#: Above this many journals, :func:`_numbered_apart` leaves the runs to pandas.
_FEW_JOURNALS = 64


def _numbered_apart(frame: pd.DataFrame, keys: list[str], starts: np.ndarray) -> bool:
    """Whether the runs opening at ``starts`` surely have distinct keys because each journal
    numbers its entries in integers that grow from run to run (as ledger software numbers
    them): a comparison of neighbours, no hashing of the runs' texts. ``False`` says nothing.

    The key columns are pyarrow texts without missing values (:func:`_entry_runs` saw them).
    """
    if keys != ["journal", "entry"] or len(starts) < 2:
        return False
    taken = pa.array(starts)
    try:
        numbers = pc.cast(_texts_at(frame["entry"], taken), pa.int64()).to_numpy()
    except pa.ArrowInvalid:
        return False  # not all integers
    journals = pc.dictionary_encode(_texts_at(frame["journal"], taken))
    if len(journals.dictionary) > _FEW_JOURNALS:
        return False
    codes = journals.indices.to_numpy(zero_copy_only=False)
    for code in range(len(journals.dictionary)):
        numbered = numbers[codes == code]
        if not (numbered[1:] > numbered[:-1]).all():
            return False
    return True


def _texts_at(column: pd.Series, taken: pa.Array) -> pa.Array:
    """The values of a pyarrow-backed text column at positions ``taken``, as one array."""
    values = column.array.__arrow_array__().take(taken)
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _check_year(frame: pd.DataFrame, layout: FecLayout, log: _FaultLog) -> None:
    """Warn about lines dated after the closing date the file name gives."""
    found = _CLOSING_DATE.search(os.path.basename(layout.path))
    if not found:
        return
    try:
        closing = pd.Timestamp(found.group(1))
    except ValueError:
        return
    late = (frame["date"] > closing).to_numpy()
    if not late.any():
        return
    dates = pd.Series("", index=frame.index, dtype=object)  # written out for late lines only
    dates[late] = frame["date"][late].dt.strftime("%Y%m%d").to_numpy(dtype=object)
    log.add(late, "EcritureDate", dates,
            f"date after the closing date {closing:%Y-%m-%d} of the file name",
            fatal_on_third_party=False)
