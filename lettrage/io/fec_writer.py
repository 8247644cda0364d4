"""Write a ledger back as FEC: every byte as read, but the letters and letter dates changed."""
from __future__ import annotations

import os
import secrets
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
    frame = _in_file_order(frame)

    letters = frame["letter"].fillna("").to_numpy(dtype=object)
    dates = frame["letter_date"].to_numpy(dtype="datetime64[s]")
    new_letter, new_date = _changes(layout, letters, dates)
    pieces = _assemble(layout, new_letter, new_date, letters, dates, date_format)
    write_atomically(target, pieces)
    return int(np.count_nonzero(new_letter | new_date))


def _in_file_order(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows in the order of the file, by their ``line`` number (a frame may be sorted)."""
    if "line" not in frame.columns:
        return frame
    lines = frame["line"].to_numpy()
    expected = np.arange(1, len(frame) + 1)
    if np.array_equal(lines, expected):
        return frame
    order = np.argsort(lines, kind="stable")
    if not np.array_equal(lines[order], expected):
        raise ValueError("the frame's line numbers are not the data lines of its file")
    return frame.iloc[order]


def _changes(
    layout: FecLayout, letters: np.ndarray, dates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the lines whose letter, and whose letter date, differ from the file's."""
    assert layout.original_letters is not None and layout.original_letter_dates is not None
    old_dates = layout.original_letter_dates.astype("datetime64[s]")
    same_date = (dates == old_dates) | (np.isnat(dates) & np.isnat(old_dates))
    return np.asarray(letters != layout.original_letters, dtype=bool), ~same_date


def _fit(value: bytes, old: bytes, width: int) -> bytes:
    """The new value in the old field's clothes: a space-padded field stays padded.

    ``width`` is the column's padded width in the file (0 if the file does not pad it): a
    field that was full, "AA" in a column two wide, shows no padding of its own.
    """
    if old and old.strip() != old:
        width = max(width, len(old))
    return value.ljust(width)


def _letter_bytes(layout: FecLayout, index: int, letter: object) -> bytes:
    """A letter in the file's encoding; one that would break the line's fields is refused."""
    text = str(letter)
    encoding = "utf-8" if layout.encoding == "utf-8-sig" else layout.encoding
    problem = ""
    if "\r" in text or "\n" in text or layout.separator.decode("ascii") in text:
        problem = "a letter may not hold a line end or the file's separator"
    else:
        try:
            return text.encode(encoding)
        except UnicodeEncodeError:
            problem = f"the letter cannot be written in the file's encoding ({layout.encoding})"
    raise FecError(problem, file=layout.path, line=int(layout.file_lines(index + 1)),
                   field="EcritureLet", value=text)


def _assemble(
    layout: FecLayout,
    new_letter: np.ndarray,
    new_date: np.ndarray,
    letters: np.ndarray,
    dates: np.ndarray,
    date_format: str,
) -> list[bytes]:
    """The file as chunks: untouched runs of bytes, and the rewritten lines between them.

    On a rewritten line only the field that changed is rewritten: a new letter leaves the
    ``DateLet`` bytes as they were, and the reverse.
    """
    data, sep = layout.data, layout.separator
    letter_at, date_at = layout.fields["EcritureLet"], layout.fields["DateLet"]
    pieces: list[bytes] = []
    cursor = 0
    for index in np.flatnonzero(new_letter | new_date).tolist():
        start, end = int(layout.starts[index]), int(layout.ends[index])
        fields = data[start:end].split(sep)
        while len(fields) <= max(letter_at, date_at):
            fields.append(b"")
        if new_letter[index]:
            fields[letter_at] = _fit(_letter_bytes(layout, index, letters[index]),
                                     fields[letter_at], layout.letter_width)
        if new_date[index]:
            date = dates[index]
            date_text = "" if np.isnat(date) else pd.Timestamp(date).strftime(date_format)
            fields[date_at] = _fit(date_text.encode("ascii"), fields[date_at],
                                   layout.letter_date_width)
        pieces.append(data[cursor:start])
        pieces.append(sep.join(fields))
        cursor = end
    pieces.append(data[cursor:])
    return pieces


def write_atomically(target: Path, pieces: list[bytes]) -> None:
    """Write beside ``target``, then rename: a failure leaves no partial output behind.

    The temporary file is created with mode 0o666 less the umask, as ``open`` would (a
    ``tempfile`` is private, 0o600, and the rename would keep that).
    """
    directory = target.parent if str(target.parent) else Path(".")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = directory / f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            descriptor = os.open(temporary, flags, 0o666)
            break
        except FileExistsError:
            continue
        except OSError as exc:
            raise FecError(f"cannot write the output: {exc.strerror}", file=str(target)) from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.writelines(pieces)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise FecError(f"cannot write the output: {exc.strerror or exc}",
                           file=str(target)) from exc
        raise
