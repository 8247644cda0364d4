"""Write a ledger back as FEC: every byte as read, but the letters and letter dates changed."""
from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lettrage.errors import FecError
from lettrage.io.fec_layout import FecLayout
from lettrage.ledger import ATTR_DATE_FORMAT, ATTR_LAYOUT

# Work a little at a time: the temporary arrays stay small enough to be reused from one step
# to the next (memory touched for the first time is dear).
_BLOCK = 1 << 20  # bytes of lines searched for separators at a time
_EDITS = 1 << 13  # fields replaced at a time


def write_fec(lettered: object, path: str | os.PathLike[str]) -> int:
    """Write a lettered ledger as a FEC file, byte for byte as it was read.

    Parameters
    ----------
    lettered : a :class:`lettrage.MatchResult` (or the :class:`lettrage.engine.LetteredRun`
        of :func:`lettrage.engine.start_match`, its review pass still under way), or a ledger
        frame from :func:`lettrage.read_fec` (its ``letter`` and ``letter_date`` columns may
        have been changed by the caller).
    path : the output file. It is written to a temporary file beside it, then renamed:
        a failure leaves no partial output. It may not be the input file.

    Returns
    -------
    The number of lines whose ``EcritureLet`` or ``DateLet`` changed.

    Raises
    ------
    FecError
        when the output is the input file, or when the input file, mapped by
        :func:`lettrage.read_fec`, was changed in place since it was read.
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
    layout.check_mapped()
    frame = _in_file_order(frame)

    letters = _letter_texts(frame["letter"])
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


def _letter_texts(column: pd.Series) -> pa.Array | np.ndarray:
    """The letters as one pyarrow text array ('' where missing); as an object array when
    some are not text (they are written as ``str()`` gives them)."""
    filled = column.fillna("")
    if isinstance(filled.dtype, pd.StringDtype) and filled.dtype.storage == "pyarrow":
        array = filled.array.__arrow_array__()
    else:
        values = filled.to_numpy(dtype=object)
        try:
            array = pa.array(values, type=pa.large_string())
        except (pa.ArrowException, TypeError):
            return values
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def _objects(letters: pa.Array | np.ndarray | None) -> np.ndarray:
    """Letters as an object array."""
    if isinstance(letters, pa.Array):
        return letters.to_numpy(zero_copy_only=False)
    return np.asarray(letters, dtype=object)


def _changes(
    layout: FecLayout, letters: pa.Array | np.ndarray, dates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the lines whose letter, and whose letter date, differ from the file's."""
    assert layout.original_letters is not None and layout.original_letter_dates is not None
    old_dates = layout.original_letter_dates.astype("datetime64[s]")
    same_date = (dates == old_dates) | (np.isnat(dates) & np.isnat(old_dates))
    original = layout.original_letters
    if isinstance(letters, pa.Array) and isinstance(original, pa.Array):
        differ = pc.not_equal(letters, original.cast(pa.large_string()))
        new_letter = differ.to_numpy(zero_copy_only=False)
    else:
        new_letter = _objects(letters) != _objects(original)
    return np.asarray(new_letter, dtype=bool), ~same_date


def _fit(value: bytes, old: bytes, width: int) -> bytes:
    """The new value in the old field's clothes: a space-padded field stays padded.

    ``width`` is the column's padded width in the file (0 if the file does not pad it): a
    field that was full, "AA" in a column two wide, shows no padding of its own.
    """
    if old and old.strip() != old:
        width = max(width, len(old))
    return value.ljust(width)


def _letter_problem(layout: FecLayout, text: str) -> tuple[bytes, str]:
    """A letter in the file's encoding, or why it cannot be written (it would break the
    line's fields, or the encoding cannot hold it)."""
    encoding = "utf-8" if layout.encoding == "utf-8-sig" else layout.encoding
    if "\r" in text or "\n" in text or layout.separator.decode("ascii") in text:
        return b"", "a letter may not hold a line end or the file's separator"
    try:
        return text.encode(encoding), ""
    except UnicodeEncodeError:
        return b"", f"the letter cannot be written in the file's encoding ({layout.encoding})"


def _letter_bytes(layout: FecLayout, index: int, letter: object) -> bytes:
    """A letter in the file's encoding; one that would break the line's fields is refused."""
    text = str(letter)
    encoded, problem = _letter_problem(layout, text)
    if problem:
        raise FecError(problem, file=layout.path, line=int(layout.file_lines(index + 1)),
                       field="EcritureLet", value=text)
    return encoded


def _date_bytes(date: np.datetime64, date_format: str) -> bytes:
    """A letter date as the file writes its dates ('' for none)."""
    return b"" if np.isnat(date) else pd.Timestamp(date).strftime(date_format).encode("ascii")


def _rewritten_line(
    layout: FecLayout, index: int, letter: object | None, date: np.datetime64 | None,
    date_format: str,
) -> bytes:
    """Data line ``index`` with a new letter and/or letter date (``None``: unchanged), cut
    and joined again in Python: the definition of a rewritten line."""
    data, sep = layout.data, layout.separator
    letter_at, date_at = layout.fields["EcritureLet"], layout.fields["DateLet"]
    fields = data[int(layout.starts[index]) : int(layout.ends[index])].split(sep)
    while len(fields) <= max(letter_at, date_at):
        fields.append(b"")
    if letter is not None:
        fields[letter_at] = _fit(_letter_bytes(layout, index, letter), fields[letter_at],
                                 layout.letter_width)
    if date is not None:
        fields[date_at] = _fit(_date_bytes(date, date_format), fields[date_at],
                               layout.letter_date_width)
    return sep.join(fields)


def reference_pieces(
    layout: FecLayout,
    new_letter: np.ndarray,
    new_date: np.ndarray,
    letters: pa.Array | np.ndarray,
    dates: np.ndarray,
    date_format: str,
) -> list[bytes]:
    """:func:`_assemble` the slow way, one rewritten line at a time (the tests' oracle)."""
    objects = _objects(letters)
    pieces: list[bytes] = []
    cursor = 0
    for index in np.flatnonzero(new_letter | new_date).tolist():
        pieces.append(layout.data[cursor : int(layout.starts[index])])
        pieces.append(_rewritten_line(
            layout, index, objects[index] if new_letter[index] else None,
            dates[index] if new_date[index] else None, date_format))
        cursor = int(layout.ends[index])
    pieces.append(layout.data[cursor:])
    return pieces


_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[list(b" \t\n\r\x0b\x0c")] = True  # what bytes.strip() removes


def _field_spans(
    layout: FecLayout, rows: np.ndarray, positions: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Byte offsets where the fields at ``positions`` start and end on data lines ``rows``
    (one row of offsets per position), and whether each line holds them all.

    The separators are found block by block, a few MiB of lines at a time.
    """
    raw = np.frombuffer(layout.data, dtype=np.uint8)
    sep = layout.separator[0]
    line_starts, line_ends = layout.starts[rows], layout.ends[rows]
    starts = np.zeros((len(positions), len(rows)), dtype=np.int64)
    ends = np.zeros_like(starts)
    complete = np.zeros(len(rows), dtype=bool)
    need = max(positions)
    block = (line_starts - line_starts[0]) // _BLOCK
    bounds = [0, *(np.flatnonzero(np.diff(block)) + 1).tolist(), len(rows)]
    for first, stop in itertools.pairwise(bounds):
        low, high = int(line_starts[first]), int(line_ends[stop - 1])
        found = np.flatnonzero(raw[low:high] == sep) + low
        found = np.append(found, high)  # a stop for the gathers of short lines
        begin, end = line_starts[first:stop], line_ends[first:stop]
        before = np.searchsorted(found, begin)
        inside = np.searchsorted(found[:-1], end) - before  # separators on each line
        complete[first:stop] = inside >= need
        last = len(found) - 1
        for which, position in enumerate(positions):
            opening = begin if position == 0 else found[
                np.minimum(before + position - 1, last)] + 1
            closing = np.where(inside > position, found[np.minimum(before + position, last)],
                               end)
            starts[which, first:stop], ends[which, first:stop] = opening, closing
    return starts, ends, complete


def _measured_spans(
    layout: FecLayout, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_field_spans` of the letter and date fields, from the spans the reader measured
    (every line read that way holds both fields)."""
    assert layout.letter_spans is not None
    line_ends = layout.ends[rows]
    spans = layout.letter_spans[:, rows]
    return (line_ends - spans[0::2], line_ends - spans[1::2], np.ones(len(rows), dtype=bool))


def _values_table(
    values: list[bytes], codes: np.ndarray, field_starts: np.ndarray, field_ends: np.ndarray,
    raw: np.ndarray, width: int,
) -> tuple[list[bytes], np.ndarray]:
    """The bytes each field gets, as a small table and an index per field: the value of
    ``codes`` in ``values``, padded as :func:`_fit` pads it."""
    old_width = field_ends - field_starts
    filled = old_width > 0
    padded = filled & (_WHITESPACE[raw[field_starts]] | _WHITESPACE[raw[np.maximum(
        field_ends - 1, 0)]])
    target = np.where(padded, np.maximum(width, old_width), width)
    lengths = np.array([len(value) for value in values], dtype=np.int64)
    pads = np.maximum(target - lengths[codes], 0)
    index, pairs = pd.factorize(codes * (int(pads.max(initial=0)) + 1) + pads)
    spread = int(pads.max(initial=0)) + 1
    table = [values[pair // spread] + b" " * int(pair % spread) for pair in pairs.tolist()]
    return table, index


def _assemble(
    layout: FecLayout,
    new_letter: np.ndarray,
    new_date: np.ndarray,
    letters: pa.Array | np.ndarray,
    dates: np.ndarray,
    date_format: str,
) -> Iterable[bytes | memoryview | pa.Buffer]:
    """The file as chunks: untouched runs of bytes, and the rewritten fields between them.

    On a changed line only the field that changed is rewritten: a new letter leaves the
    ``DateLet`` bytes as they were, and the reverse. Each distinct letter and date is
    encoded once; a line too short to hold both fields is rewritten whole, by
    :func:`_rewritten_line`.
    """
    data = layout.data
    view = memoryview(data)
    rows = np.flatnonzero(new_letter | new_date)
    if not len(rows):
        return [view]
    raw = np.frombuffer(data, dtype=np.uint8)
    letter_at, date_at = layout.fields["EcritureLet"], layout.fields["DateLet"]

    # Letters: each distinct one encoded (and checked) once; the first bad one is refused.
    letter_rows = np.flatnonzero(new_letter[rows])  # where in ``rows`` (sorted): no search
    lettered = rows[letter_rows]
    if isinstance(letters, pa.Array):
        encoded = pc.dictionary_encode(letters.take(pa.array(lettered)))
        letter_codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        texts = encoded.dictionary.to_pylist()
    else:
        letter_codes, uniques = pd.factorize(
            np.array([str(value) for value in letters[lettered]], dtype=object))
        texts = list(uniques)
    checked = [_letter_problem(layout, text) for text in texts]
    bad = np.array([bool(problem) for _, problem in checked], dtype=bool)
    if bad.any():
        first = int(np.flatnonzero(bad[letter_codes])[0])
        _letter_bytes(layout, int(lettered[first]), texts[letter_codes[first]])  # raises
    letter_values = [value for value, _ in checked]
    date_rows = np.flatnonzero(new_date[rows])
    dated = rows[date_rows]
    date_codes, unique_dates = pd.factorize(dates[dated].view(np.int64))
    date_values = [_date_bytes(np.int64(value).view("datetime64[s]"), date_format)
                   for value in unique_dates.tolist()]

    starts, ends, complete = (
        _field_spans(layout, rows, (letter_at, date_at)) if layout.letter_spans is None
        else _measured_spans(layout, rows))
    whole = ~complete
    in_letters, in_dates = complete[letter_rows], complete[date_rows]
    at_letters, at_dates = letter_rows[in_letters], date_rows[in_dates]
    letter_table, letter_index = _values_table(
        letter_values, letter_codes[in_letters], starts[0, at_letters], ends[0, at_letters],
        raw, layout.letter_width)
    date_table, date_index = _values_table(
        date_values, date_codes[in_dates], starts[1, at_dates], ends[1, at_dates],
        raw, layout.letter_date_width)
    objects = _objects(letters) if whole.any() else None
    short_lines = [
        _rewritten_line(layout, index, objects[index] if new_letter[index] else None,
                        dates[index] if new_date[index] else None, date_format)
        for index in rows[whole].tolist()
    ]
    table = letter_table + date_table + short_lines
    edit_starts = np.concatenate((starts[0, at_letters], starts[1, at_dates],
                                  layout.starts[rows[whole]]))
    edit_ends = np.concatenate((ends[0, at_letters], ends[1, at_dates],
                                layout.ends[rows[whole]]))
    edit_values = np.concatenate((
        letter_index, len(letter_table) + date_index,
        len(letter_table) + len(date_table) + np.arange(len(short_lines)),
    ))
    order = np.argsort(edit_starts, kind="stable")
    return _splice(data, edit_starts[order], edit_ends[order], table, edit_values[order])


def _splice(
    data: bytes, starts: np.ndarray, ends: np.ndarray, table: list[bytes], values: np.ndarray
) -> Iterator[pa.Buffer | bytes]:
    """``data`` with the bytes from ``starts`` to ``ends`` (sorted, apart) replaced by
    ``table[values]``, as chunks to write one after the other.

    pyarrow gathers the chunks, a few thousand edits at a time: the bytes between the
    edits and the table's values are the items of one binary array, which a ``take``
    puts in order (never one Python object per edit).
    """
    blob = b"".join(table)
    lengths = np.fromiter(map(len, table), dtype=np.int64, count=len(table))
    table_offsets = np.concatenate(([0], np.cumsum(lengths)))
    raw = np.frombuffer(data, dtype=np.uint8)
    edits = len(starts)
    low = 0
    for first in range(0, edits, _EDITS):
        stop = min(first + _EDITS, edits)
        high = int(starts[stop]) if stop < edits else len(data)
        # Items: the kept bytes and the old fields of this stretch of the file, then the table.
        cuts = np.empty(2 * (stop - first) + 2, dtype=np.int64)
        cuts[0], cuts[-1] = low, high
        cuts[1:-1:2], cuts[2:-1:2] = starts[first:stop], ends[first:stop]
        size = high - low
        buffer = np.empty(size + len(blob), dtype=np.uint8)
        buffer[:size] = raw[low:high]
        buffer[size:] = np.frombuffer(blob, dtype=np.uint8)
        offsets = np.concatenate((cuts - low, size + table_offsets[1:]))
        items = pa.LargeBinaryArray.from_buffers(
            pa.large_binary(), len(offsets) - 1, [None, pa.py_buffer(offsets),
                                                  pa.py_buffer(buffer)])
        order = np.arange(len(cuts) - 1, dtype=np.int64)
        order[1::2] = len(cuts) - 1 + values[first:stop]
        spliced = items.take(pa.array(order))
        bounds = np.frombuffer(spliced.buffers()[1], dtype=np.int64)
        begin, end = int(bounds[spliced.offset]), int(bounds[spliced.offset + len(spliced)])
        yield spliced.buffers()[2].slice(begin, end - begin)
        low = high
    if not edits:
        yield data


def write_atomically(target: Path, pieces: Iterable[bytes | memoryview | pa.Buffer]) -> None:
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
