"""Write a ledger back as FEC: every byte as read, but the letters and letter dates changed."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from lettrage.errors import FecError
from lettrage.io.fec_layout import FecLayout
from lettrage.ledger import ATTR_DATE_FORMAT, ATTR_LAYOUT


def write_fec(lettered: object, path: str | os.PathLike[str]) -> int:
    """Write a lettered ledger as a FEC file, byte for byte as it was read.

    Parameters
    ----------
    lettered : a :class:`lettrage.MatchResult`, or a ledger frame from
        :func:`lettrage.read_fec` (its ``letter`` and ``letter_date`` columns may have been
        changed by the caller).
    path : the output file. It is written to a temporary file beside it, then renamed:
        a failure leaves no partial output. It may not be the input file.

    Returns
    -------
    The number of lines whose ``EcritureLet`` or ``DateLet`` changed.
    """
    frame = getattr(lettered, "lines", lettered)
    ledger = getattr(lettered, "ledger", frame)
    if not isinstance(frame, pd.DataFrame) or ATTR_LAYOUT not in ledger.attrs:
        raise TypeError("write_fec needs a MatchResult or a frame from lettrage.read_fec")
    layout: FecLayout = ledger.attrs[ATTR_LAYOUT]
    date_format: str = ledger.attrs.get(ATTR_DATE_FORMAT, "%Y%m%d")
    target = Path(path)
    if target.exists() and target.resolve() == Path(layout.path).resolve():
        raise FecError("the output would overwrite the input file", file=str(target))
    if len(frame) != len(layout.starts):
        raise ValueError("the frame does not have one row per line of the file it came from")

    letters = frame["letter"].fillna("").to_numpy(dtype=object)
    dates = frame["letter_date"].to_numpy(dtype="datetime64[s]")
    changed = _changed_lines(layout, letters, dates)
    pieces = _assemble(layout, changed, letters, dates, date_format)
    _write_atomically(target, pieces)
    return len(changed)


def _changed_lines(layout: FecLayout, letters: np.ndarray, dates: np.ndarray) -> np.ndarray:
    assert layout.original_letters is not None and layout.original_letter_dates is not None
    old_dates = layout.original_letter_dates.astype("datetime64[s]")
    same_date = (dates == old_dates) | (np.isnat(dates) & np.isnat(old_dates))
    return np.flatnonzero((letters != layout.original_letters) | ~same_date)


def _fit(value: bytes, old: bytes) -> bytes:
    """The new value in the old field's clothes: a space-padded field stays padded."""
    if old and old.strip() != old:
        return value.ljust(len(old))
    return value


def _assemble(
    layout: FecLayout, changed: np.ndarray, letters: np.ndarray, dates: np.ndarray, date_format: str
) -> list[bytes]:
    """The file as chunks: untouched runs of bytes, and the rewritten lines between them."""
    data, sep = layout.data, layout.separator
    letter_at, date_at = layout.fields["EcritureLet"], layout.fields["DateLet"]
    pieces: list[bytes] = []
    cursor = 0
    for index in changed.tolist():
        start, end = int(layout.starts[index]), int(layout.ends[index])
        fields = data[start:end].split(sep)
        while len(fields) <= max(letter_at, date_at):
            fields.append(b"")
        date = dates[index]
        date_text = "" if np.isnat(date) else pd.Timestamp(date).strftime(date_format)
        fields[letter_at] = _fit(str(letters[index]).encode("ascii"), fields[letter_at])
        fields[date_at] = _fit(date_text.encode("ascii"), fields[date_at])
        pieces.append(data[cursor:start])
        pieces.append(sep.join(fields))
        cursor = end
    pieces.append(data[cursor:])
    return pieces


def _write_atomically(target: Path, pieces: list[bytes]) -> None:
    directory = target.parent if str(target.parent) else Path(".")
    try:
        handle = tempfile.NamedTemporaryFile(
            dir=directory, prefix=f".{target.name}.", suffix=".tmp", delete=False
        )
    except OSError as exc:
        raise FecError(f"cannot write the output: {exc.strerror}", file=str(target)) from None
    try:
        with handle:
            handle.writelines(pieces)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
