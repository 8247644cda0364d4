"""The text of every field of every data line, column by column.

Two ways cut the data lines the layout found into fields, and give the same columns:

- the fast one hands the lines to pyarrow's CSV parser (no quoting, no escaping, every column
  read as text), which cuts and decodes them in C++;
- the reference one cuts each line in Python. It stays the definition of what a field is.

The fast one takes only files whose lines are all alike (the same field count, trailing
separator or not, a known encoding). On anything else — a line with a wrong field count, a
trailing separator on some lines only, an encoding pyarrow would not decode the same way — it
steps aside, and the reference decides, raising the error such a line deserves.
"""
from __future__ import annotations

import codecs
import concurrent.futures
import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from lettrage.errors import FecError
from lettrage.io.fec_layout import UTF8_BOM, FecLayout, mapped_bytes, opens_with

#: The fields the reader turns into columns (absent ones read as '').
TEXT_FIELDS: tuple[str, ...] = (
    "JournalCode", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
    "CompAuxLib", "PieceRef", "EcritureLib", "Debit", "Credit", "Montant", "Sens",
    "EcritureLet", "DateLet", "Montantdevise", "Idevise", "DateLimitReglmt", "NumFacture",
)

# Encodings the fast path reads: UTF-8 as is, the others transcoded by pyarrow through the
# same Python codec. In the single-byte ones a field's byte width is its character count.
_UTF8_CODECS = frozenset({"utf-8", "utf-8-sig"})
_SINGLE_BYTE_CODECS = frozenset({"ascii", "cp1252", "iso8859-1", "iso8859-15"})
# The bytes `bytes.strip()` removes that a field can hold (never CR or LF): a field starting
# or ending with one is padded.
_PADDING = " \t\x0b\x0c"
_BLOCK_SIZE = 1 << 22  # bytes pyarrow parses at a time (a longer line: the reference reads)
_HALVES_FROM = 1 << 24  # bytes of data lines above which two readers parse a half each


@dataclass(frozen=True)
class FieldTexts:
    """The fields of the data lines.

    Attributes
    ----------
    columns : field name of :data:`TEXT_FIELDS` -> its text on every line, stripped of its
        padding ('' on every line when the file lacks the field).
    letter_width, letter_date_width : byte width of the EcritureLet / DateLet columns when
        the file pads them with spaces (0 when no value is padded).
    letter_spans : where EcritureLet and DateLet start and end on each line, in bytes back
        from the line's end (rows: letter start, letter end, date start, date end), int32;
        ``None`` when the fields were cut the reference way.
    """

    columns: dict[str, pd.Series]
    letter_width: int
    letter_date_width: int
    letter_spans: np.ndarray | None = None


def field_texts(layout: FecLayout, *, fast: bool = True) -> FieldTexts:
    """Cut every data line into its fields (fast path when it can, else the reference)."""
    if fast:
        found = fast_field_texts(layout)
        if found is not None:
            return found
    return reference_field_texts(layout)


def _empty_column(size: int) -> pd.Series:
    """The column of a field the file lacks: '' on every line (held by pyarrow, its offsets
    all 0, when pandas keeps text so: not a million copies of '' taken one by one)."""
    text_dtype = pd.api.types.pandas_dtype("str")
    if getattr(text_dtype, "storage", None) != "pyarrow" or not size:
        return pd.Series("", index=pd.RangeIndex(size), dtype="str")
    offsets = pa.py_buffer(np.zeros(size + 1, dtype=np.int64))
    empty = pa.LargeStringArray.from_buffers(size, offsets, pa.py_buffer(b""))
    return pd.Series(pd.array(empty, dtype=text_dtype))


# --- The reference: one line at a time, in Python ------------------------------------------


def reference_field_texts(layout: FecLayout) -> FieldTexts:
    """The reference cut: ``bytes.split`` of each line, a column decoded at a time."""
    rows = _split_fields(layout)
    return FieldTexts(
        columns={field: _column(layout, rows, field) for field in TEXT_FIELDS},
        letter_width=_padded_width(layout, rows, "EcritureLet"),
        letter_date_width=_padded_width(layout, rows, "DateLet"),
    )


def _split_fields(layout: FecLayout) -> list[list[bytes]]:
    """Every data line cut into its fields; lines with a wrong field count are fatal."""
    data, sep = layout.data, layout.separator
    rows = [data[s:e].split(sep) for s, e in zip(layout.starts.tolist(), layout.ends.tolist())]
    width = len(layout.header)
    header_trails = layout.header[-1].strip() == ""
    counts = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    odd = np.flatnonzero(counts != width).tolist()
    # A trailing separator the header has and the lines not (or the reverse) is the style of
    # the whole file. On a line here and there, the same count is a separator inside a value
    # that shifted the fields after it: that line is refused like any other wrong count.
    regular = len(rows) - len(odd)
    longer = [i for i in odd if counts[i] == width + 1 and not rows[i][-1].strip()]
    shorter = [i for i in odd if counts[i] == width - 1 and header_trails]
    extra_style = len(longer) > regular
    short_style = len(shorter) > regular
    for index in odd:
        row = rows[index]
        if extra_style and len(row) == width + 1 and not row[-1].strip():
            rows[index] = row[:-1]  # a trailing separator the header does not have
        elif short_style and len(row) == width - 1 and header_trails:
            rows[index] = row + [b""]  # the header has a trailing separator, this line not
        else:
            raise FecError(
                f"{len(row)} fields where the header has {width}"
                " (a separator inside a value?)",
                file=layout.path,
                line=int(layout.file_lines(index + 1)),
                value=data[layout.starts[index] : layout.ends[index]][:80].decode(
                    layout.encoding, "replace"
                ),
            )
    return rows


def _padded_width(layout: FecLayout, rows: list[list[bytes]], field: str) -> int:
    """Byte width of a column the file pads with spaces (0 when no value of it is padded)."""
    position = layout.fields[field]
    padded = [len(row[position]) for row in rows if row[position].strip() != row[position]]
    return max(padded, default=0)


def _column(layout: FecLayout, rows: list[list[bytes]], field: str) -> pd.Series:
    """One field of every line, decoded and stripped of its padding ('' when absent)."""
    position = layout.fields.get(field)
    if position is None:
        return _empty_column(len(rows))
    encoding = "utf-8" if layout.encoding == "utf-8-sig" else layout.encoding
    joined = b"\n".join([row[position] for row in rows]).decode(encoding)
    values = joined.split("\n") if rows else []
    return pd.Series(values, dtype="str").str.strip()


# --- The fast path: pyarrow's CSV parser over the data lines ---------------------------------


def fast_field_texts(layout: FecLayout) -> FieldTexts | None:
    """The fields cut by pyarrow, or ``None`` when the file is not regular enough for it.

    ``None`` means: use :func:`reference_field_texts`, which gives the answer (or the error)
    for the file as it is.
    """
    size = len(layout.starts)
    if not size:
        return None
    text_dtype = pd.api.types.pandas_dtype("str")
    if getattr(text_dtype, "storage", None) != "pyarrow":
        return None  # pandas keeps text otherwise (pandas 2, or mode.string_storage)
    codec = codecs.lookup(layout.encoding).name
    if codec not in _UTF8_CODECS | _SINGLE_BYTE_CODECS:
        return None
    data, sep = layout.data, layout.separator
    first, first_end = int(layout.starts[0]), int(layout.ends[0])
    if opens_with(data, UTF8_BOM, first):
        return None  # pyarrow would drop a BOM that opens its input; the reference keeps it

    # The field count of the first line tells the file's style; every other line must share
    # it (pyarrow refuses a row of another count, and the reference takes over).
    width = len(layout.header)
    count = data[first:first_end].count(sep) + 1
    if count == width:
        columns = width
    elif count == width + 1 and not data[first:first_end].rsplit(sep, 1)[1].strip():
        columns = width + 1  # a trailing separator the header does not have
    elif count == width - 1 and layout.header[-1].strip() == "":
        columns = width - 1  # the header has a trailing separator, the lines not
    else:
        return None
    wanted = {field: layout.fields[field] for field in TEXT_FIELDS if field in layout.fields}
    if any(position >= columns for position in wanted.values()):
        return None
    letters = (wanted["EcritureLet"], wanted["DateLet"])
    cut = _cut(layout, columns, sorted(set(wanted.values())), letters, codec)
    if cut is None:
        return None
    stripped, widths = cut.stripped, cut.widths
    spans = np.concatenate(cut.spans, axis=1) if cut.spans else None
    if spans is None or spans.shape[1] != size:
        return None
    texts: dict[str, pd.Series] = {}
    for field in TEXT_FIELDS:
        position = wanted.get(field)
        if position is None:
            texts[field] = _empty_column(size)
            continue
        column = pa.chunked_array(stripped[position], pa.large_string())
        if len(column) != size:
            return None
        texts[field] = pd.Series(pd.array(column, dtype=text_dtype))
    return FieldTexts(texts, widths[letters[0]], widths[letters[1]], spans)


@dataclass(frozen=True)
class _Cut:
    """The data lines as pyarrow cut them (see :func:`_cut`)."""

    stripped: dict[int, list]  # kept position -> chunks of its values, stripped
    widths: dict[int, int]  # measured position -> widest padded value, in bytes
    spans: list[np.ndarray]  # chunks of the measured fields' spans (see _spans)


def _cut(
    layout: FecLayout, columns: int, keep: list[int], measure: tuple[int, ...], codec: str
) -> _Cut | None:
    """The fields of the data lines, cut by pyarrow a block of lines at a time.

    Returns the values of the columns at positions ``keep``, stripped of their padding (as
    lists of chunks), and for the positions ``measure`` the byte width of their widest padded
    value (0 when none is) and where they stand on each line; ``None`` when pyarrow refuses
    a line, or when the trailing separator the first line showed turns out to hold a value
    on some line.

    A large file is cut in two halves at a line start, each parsed by its own single-threaded
    reader in a thread of its own (pyarrow works without the GIL): the halves' chunks are
    joined in file order, so the values are those of one reader.
    """
    cut = functools.partial(_cut_part, layout=layout, columns=columns, keep=keep,
                            measure=measure, codec=codec)
    parts = _parts(layout)
    if len(parts) == 1:
        found = [cut(parts[0])]
    else:
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(parts)) as pool:
            found = list(pool.map(cut, parts))
    if any(part is None for part in found):
        return None
    return _Cut(
        stripped={position: [chunk for part in found for chunk in part.stripped[position]]
                  for position in keep},
        widths={position: max(part.widths[position] for part in found)
                for position in measure},
        spans=[chunk for part in found for chunk in part.spans],
    )


def _parts(layout: FecLayout) -> list[memoryview | np.ndarray]:
    """The bytes of the data lines (see :func:`_data_lines`), in two halves cut at the start
    of a data line when they weigh more than :data:`_HALVES_FROM`, else in one piece."""
    lines = _data_lines(layout)
    if len(lines) <= _HALVES_FROM:
        return [lines]
    first = int(layout.starts[0])
    middle = int(np.searchsorted(layout.starts, first + len(lines) // 2))
    if middle >= len(layout.starts):
        return [lines]
    at = int(layout.starts[middle])
    if opens_with(layout.data, UTF8_BOM, at):
        return [lines]  # pyarrow would drop a BOM that opens its input
    return [lines[: at - first], lines[at - first :]]


def _cut_part(
    lines: memoryview | np.ndarray, *, layout: FecLayout, columns: int, keep: list[int],
    measure: tuple[int, ...], codec: str,
) -> _Cut | None:
    """:func:`_cut` of some whole data lines, by one reader.

    Each block's raw text is dropped once stripped: the file's text is never held twice.
    pyarrow skips empty lines, so terminators of every kind (CR, LF, CRLF, ``\\r\\r\\n``)
    between the data lines cost nothing. Blank runs after the header (spaces, tabs, pipes)
    would make rows of their own: :func:`_data_lines` turns them into line ends.
    """
    names = [f"c{i}" for i in range(columns)]
    # A trailing separator the header lacks: the extra last column must be blank everywhere.
    extra = [columns - 1] if columns == len(layout.header) + 1 else []
    single_byte = codec in _SINGLE_BYTE_CODECS
    stripped: dict[int, list] = {position: [] for position in keep}
    widths = dict.fromkeys(measure, 0)
    spans: list[np.ndarray] = []
    # The fields after a measured one are read too: their widths say where it stands.
    include = sorted(set(keep) | set(range(min(measure), columns)))
    try:
        reader = pacsv.open_csv(
            pa.BufferReader(pa.py_buffer(lines)),
            memory_pool=_parser_pool(),
            read_options=pacsv.ReadOptions(
                column_names=names,
                # One thread: as fast here, deterministic, and clear of the crashes seen with
                # pyarrow 26's CSV reader on several threads (shared/FEC.md).
                use_threads=False,
                block_size=_BLOCK_SIZE,
                # A single-byte encoding is read as is, its fields transcoded below
                # (pyarrow would transcode the whole text through Python's codec, holding
                # the GIL: the two halves' readers would wait for each other).
                encoding="utf8",
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=layout.separator.decode("ascii"),
                quote_char=False,
                escape_char=False,
                double_quote=False,
                newlines_in_values=False,
                ignore_empty_lines=True,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.large_string() for name in names},
                include_columns=[names[i] for i in include],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=not single_byte,
            ),
        )
        for batch in reader:
            if single_byte:
                batch = _transcoded(batch, codec)
                if batch is None:
                    return None
            for position in extra:
                kept = pc.binary_length(pc.utf8_trim(batch.column(names[position]), _PADDING))
                if pc.any(pc.greater(kept, 0)).as_py():
                    return None
            for position in measure:
                raw = batch.column(names[position])
                # The width in the file's bytes: one per character in a single-byte encoding.
                lengths = pc.utf8_length(raw) if single_byte else pc.binary_length(raw)
                padded = pc.not_equal(pc.binary_length(pc.utf8_trim(raw, _PADDING)),
                                      pc.binary_length(raw))
                widest = pc.max(pc.if_else(padded, lengths, 0)).as_py()
                widths[position] = max(widths[position], int(widest or 0))
            spans.append(_spans(batch, names, measure, single_byte, columns))
            for position in keep:
                stripped[position].append(_strip(batch.column(names[position])))
    except (pa.ArrowException, ValueError):
        return None
    return _Cut(stripped, widths, spans)


def _transcoded(batch: pa.RecordBatch, codec: str) -> pa.RecordBatch | None:
    """A batch read from a single-byte encoding, every column turned into UTF-8 (what
    pyarrow's transcoding gives); ``None`` when a byte is one the codec does not map."""
    columns = [_utf8_column(column, codec) for column in batch.columns]
    if any(column is None for column in columns):
        return None
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


@functools.cache
def _utf8_table(codec: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each byte value, in ``codec``: its character's UTF-8 bytes (up to 3, zero-padded),
    their count, and whether the codec maps that byte at all."""
    table = np.zeros((256, 3), dtype=np.uint8)
    widths = np.ones(256, dtype=np.int64)
    mapped = mapped_bytes(codec)
    for byte in np.flatnonzero(mapped).tolist():
        encoded = bytes([byte]).decode(codec).encode("utf-8")
        table[byte, : len(encoded)] = list(encoded)
        widths[byte] = len(encoded)
    return table, widths, mapped


def _utf8_column(column: pa.Array, codec: str) -> pa.Array | None:
    """A column of texts in a single-byte ``codec`` (no nulls), in UTF-8: the column itself
    when it is all ASCII; else each byte from 0x80 up widened to its character's bytes."""
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int64)[
        column.offset : column.offset + len(column) + 1]
    data = column.buffers()[2]
    raw = (np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]] if data is not None
           else np.zeros(0, dtype=np.uint8))
    high = np.flatnonzero(raw >= 0x80)
    if not len(high):
        return column
    table, widths, mapped = _utf8_table(codec)
    values = raw[high]
    if not mapped[values].all():
        return None
    # Each such byte becomes its character's first UTF-8 byte, the others inserted after it.
    width = widths[values]
    later = [np.flatnonzero(width > k) for k in (1, 2)]
    utf8 = np.insert(raw, np.concatenate([high[at] + 1 for at in later]),
                     np.concatenate([table[values[at], k] for k, at in zip((1, 2), later)]))
    added_before = np.concatenate(([0], np.cumsum(width - 1)))
    utf8[high + added_before[:-1]] = table[values, 0]
    moved = offsets - offsets[0]
    moved += added_before[np.searchsorted(high, moved)]
    return pa.LargeStringArray.from_buffers(len(column), pa.py_buffer(moved), pa.py_buffer(utf8))


def _spans(
    batch: pa.RecordBatch, names: list[str], measure: tuple[int, ...], single_byte: bool,
    columns: int,
) -> np.ndarray:
    """Where the fields at positions ``measure`` start and end on each line of ``batch``, in
    the file's bytes back from the line's end: a row of starts and a row of ends per position.

    A field ends before the fields after it and their separators, as read (unstripped):
    every line has ``columns`` fields, or pyarrow would have refused it.
    """
    found = np.empty((2 * len(measure), batch.num_rows), dtype=np.int32)
    back = np.zeros(batch.num_rows, dtype=np.int32)  # bytes after the field's end
    for position in range(columns - 1, min(measure) - 1, -1):
        raw = batch.column(names[position])
        # The width in the file's bytes: one per character in a single-byte encoding.
        width = (pc.utf8_length(raw) if single_byte else pc.binary_length(raw)).to_numpy()
        for which, measured in enumerate(measure):
            if measured == position:
                found[2 * which] = back + width
                found[2 * which + 1] = back
        back += width.astype(np.int32) + 1  # the field and the separator before it
    return found


def _parser_pool() -> pa.MemoryPool:
    """The allocator of the CSV parser: jemalloc, else the C library's.

    pyarrow's default, mimalloc, gives the blocks the parser frees back to the system and
    faults them in again: on 10^6 lines that cost three times the kernel time of the other
    two, and more memory at the peak than jemalloc.
    """
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc
        return pa.system_memory_pool()


# Bytes that may open or close a whitespace character: ASCII controls and space, and every
# byte of a multi-byte UTF-8 sequence (Unicode spaces such as U+00A0 among them).
_MAYBE_SPACE = np.zeros(256, dtype=bool)
_MAYBE_SPACE[:0x21] = _MAYBE_SPACE[0x7F:] = True


def _strip(column: pa.Array) -> pa.Array:
    """What pandas' ``Series.str.strip()`` does on a pyarrow-backed column; the column itself
    (no copy) when no value opens or closes with a byte that could be whitespace."""
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int64)[
        column.offset : column.offset + len(column) + 1]
    data = column.buffers()[2]
    if data is None or not data.size:
        return column
    raw = np.frombuffer(data, dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    edges = np.concatenate((raw[starts[filled]], raw[ends[filled] - 1]))
    if not _MAYBE_SPACE[edges].any():
        return column
    return pc.utf8_trim_whitespace(column)


def _line_ends(data: memoryview) -> int:
    """How many CR and LF bytes ``data`` holds (a block at a time: no copy of a mapped file)."""
    count = 0
    for begin in range(0, len(data), _BLOCK_SIZE):
        block = data[begin : begin + _BLOCK_SIZE].tobytes()
        count += block.count(b"\n") + block.count(b"\r")
    return count


def _data_lines(layout: FecLayout) -> memoryview | np.ndarray:
    """The bytes from the first data line on, with anything but data lines and CR/LF as LF."""
    data = layout.data
    first = int(layout.starts[0])
    if not layout.blank_after:
        return memoryview(data)[first:]  # only data lines and line ends: no copy
    content = int((layout.ends - layout.starts).sum())
    line_ends = _line_ends(memoryview(data)[first:])
    if content + line_ends == len(data) - first:
        return memoryview(data)[first:]  # no blank run after the header: no copy
    # Overwrite every byte between two data lines, and after the last, with LF.
    gap_starts = layout.ends - first
    gap_ends = np.append(layout.starts[1:], len(data)) - first
    lengths = gap_ends - gap_starts
    offsets = np.repeat(gap_starts - (np.cumsum(lengths) - lengths), lengths)
    cleaned = np.frombuffer(data, dtype=np.uint8)[first:].copy()
    cleaned[offsets + np.arange(int(lengths.sum()))] = 10
    return cleaned
