"""The physical layout of a FEC file: encoding, line boundaries, separator, header.

Nothing here interprets amounts or dates; it finds where each line and field stands in the
bytes, so that the reader can parse them and the writer can give every byte back.
"""
from __future__ import annotations

import codecs
import dataclasses
import itertools
import mmap
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np
import pyarrow as pa

from lettrage.errors import FecError

UTF8_BOM = b"\xef\xbb\xbf"
#: The bytes of a file: read into memory, or the file mapped read-only (``read_fec``).
FileBytes = bytes | mmap.mmap
SEPARATORS = (b"\t", b"|")
_TERMINATOR = re.compile(rb"\r\r\n|\r\n|\n|\r")
_NOT_SPACE = re.compile(rb"[^ \t\n\r\x0b\x0c]")  # what bytes.strip() keeps
# Passes over the bytes go block by block: the temporary arrays stay a few MiB whatever the
# size of the file (a 170 MB file would otherwise cost several 170 MB masks at once).
_BLOCK = 1 << 23
_FEW = 64  # blank_runs looks into each candidate run alone below one run in _FEW
_SINGLE_BYTE_CODECS = frozenset({"ascii", "cp1252", "iso8859-1", "iso8859-15"})
# Encodings in which a LF byte is always a whole character: text cut after a LF decodes
# piece by piece exactly as in one go.
_LINE_SAFE_CODECS = frozenset(
    {"utf-8", "utf-8-sig", "ascii", "cp1252", "iso8859-1", "iso8859-15"}
)

# Normalised header name -> canonical field. Normalising drops case, accents, padding and
# anything that is not a letter or digit, so `CompteLIB`, ` Montant Devise ` and `IdDevise`
# all land on their field.
HEADER_ALIASES: dict[str, str] = {
    "journalcode": "JournalCode",
    "journallib": "JournalLib",
    "ecriturenum": "EcritureNum",
    "ecrituredate": "EcritureDate",
    "comptenum": "CompteNum",
    "comptelib": "CompteLib",
    "compauxnum": "CompAuxNum",
    "compteauxnum": "CompAuxNum",
    "compauxlib": "CompAuxLib",
    "compteauxlib": "CompAuxLib",
    "pieceref": "PieceRef",
    "piecedate": "PieceDate",
    "ecriturelib": "EcritureLib",
    "debit": "Debit",
    "credit": "Credit",
    "ecriturelet": "EcritureLet",
    "datelet": "DateLet",
    "validdate": "ValidDate",
    "montantdevise": "Montantdevise",
    "idevise": "Idevise",
    "iddevise": "Idevise",
    "montant": "Montant",
    "sens": "Sens",
    "datelimitreglmt": "DateLimitReglmt",
    "dateecheance": "DateLimitReglmt",
    "numfacture": "NumFacture",
}


def normalise_header_name(name: str) -> str:
    """Fold a header cell to the key of :data:`HEADER_ALIASES` (case, accents, padding)."""
    decomposed = unicodedata.normalize("NFKD", name.replace("\ufeff", ""))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", plain.casefold())


@dataclass(frozen=True, eq=False)
class FecLayout:
    """Where everything stands in the bytes of one FEC file.

    Attributes
    ----------
    path : the file's name, for messages.
    data : every byte of the file, as read: ``bytes``, or the file mapped read-only (the
        file must then stay as it is while the layout is in use).
    encoding : the text encoding used to decode fields.
    separator : ``b"\\t"`` or ``b"|"``.
    header : the raw header cells, decoded.
    fields : canonical field name -> column position.
    header_line : 1-based physical line number of the header.
    starts, ends : byte offsets of each data line's content (terminators excluded).
    original_letters, original_letter_dates : EcritureLet and DateLet as read (the writer
        rewrites only the lines whose letter or date the caller changed). Never views of
        the frame's columns, which the caller may change in place: the letters are a
        (immutable) pyarrow array, the dates a copy.
    letter_width, letter_date_width : byte width of the EcritureLet / DateLet columns when
        the file pads them with spaces (0 when not): a blanked or new value keeps that width
        even on a line whose field was full, hence showed no padding.
    blank_after : whether runs of spaces, tabs or pipes alone (blank lines) stand after the
        first data line (True when not known).
    letter_spans : where EcritureLet and DateLet start and end on each data line, in bytes
        back from the line's end (rows: letter start, letter end, date start, date end), when
        the reader measured them; ``None``: the writer finds them by the separators.
    mapped_stamp : ``(inode, size, modification time in ns)`` of the file when ``data`` maps
        it, so that the writer can refuse a file changed in place since (:meth:`check_mapped`).
    """

    path: str
    data: FileBytes
    encoding: str
    separator: bytes
    header: tuple[str, ...]
    fields: dict[str, int]
    header_line: int
    starts: np.ndarray
    ends: np.ndarray
    original_letters: pa.Array | None = None
    original_letter_dates: np.ndarray | None = None
    letter_width: int = 0
    letter_date_width: int = 0
    blank_after: bool = True
    letter_spans: np.ndarray | None = None
    mapped_stamp: tuple[int, int, int] | None = None

    def __deepcopy__(self, memo: dict) -> FecLayout:
        # Immutable: pandas copies DataFrame.attrs deeply; sharing is safe and cheap.
        return self

    def __copy__(self) -> FecLayout:
        return self

    def __reduce__(self) -> tuple:
        # A mapped file cannot be pickled: its bytes are.
        values = [getattr(self, field.name) for field in dataclasses.fields(self)]
        return FecLayout, tuple(bytes(value) if isinstance(value, mmap.mmap) else value
                                for value in values)

    def check_mapped(self) -> None:
        """Raise :class:`FecError` when ``data`` maps a file that was changed in place since it
        was read (its bytes would no longer be those read; a file cut shorter would crash the
        process on reading them). A file replaced by another (a rename) or deleted is fine:
        the mapping keeps the old one."""
        if self.mapped_stamp is None or not isinstance(self.data, mmap.mmap):
            return
        try:
            now = file_stamp(os.stat(self.path))
        except OSError:
            return  # gone: the mapping keeps the file's bytes
        if now[0] == self.mapped_stamp[0] and now != self.mapped_stamp:
            raise FecError("the input file was changed while lettrage used it; read it again",
                           file=self.path)

    @cached_property
    def _terminator_ends(self) -> np.ndarray:
        return terminator_ends(self.data)

    def physical_line(self, offsets: np.ndarray | int) -> np.ndarray | int:
        """1-based line numbers, as an editor counts them, of byte offsets in the file."""
        return np.searchsorted(self._terminator_ends, offsets, side="right") + 1

    def file_lines(self, data_lines: np.ndarray | int) -> np.ndarray | int:
        """Physical line numbers of 1-based data line numbers."""
        return self.physical_line(self.starts[np.asarray(data_lines) - 1])


def file_stamp(status: os.stat_result) -> tuple[int, int, int]:
    """``(inode, size, modification time in ns)``: what tells a file changed in place."""
    return status.st_ino, status.st_size, status.st_mtime_ns


def opens_with(data: FileBytes, prefix: bytes, at: int = 0) -> bool:
    """``data.startswith(prefix, at)``, for a mapped file too."""
    return data[at : at + len(prefix)] == prefix


def _is_ascii(data: FileBytes) -> bool:
    """``data.isascii()``, for a mapped file too (a block at a time, no copy)."""
    if isinstance(data, bytes):
        return data.isascii()
    raw = np.frombuffer(data, dtype=np.uint8)
    return all(raw[begin : begin + _BLOCK].max(initial=0) < 0x80
               for begin in range(0, len(raw), _BLOCK))


def decode_check(data: FileBytes, path: str, encoding: str | None) -> str:
    """Choose the file's text encoding, or fail with the line of the first bad byte.

    Auto-detection: a UTF-8 BOM or valid UTF-8 gives UTF-8; otherwise bytes in 0x80–0x9F
    (control codes in ISO 8859-15, letters and signs in Windows-1252) give Windows-1252;
    otherwise ISO 8859-15, the encoding the regulation names.
    """
    if b"\x00" in data[:65536]:
        raise FecError(
            "NUL bytes: the file looks like UTF-16 or binary; a FEC is ASCII, ISO 8859-15 "
            "or UTF-8 text",
            file=path,
        )
    if encoding is not None:
        candidates = [encoding]
    elif opens_with(data, UTF8_BOM):
        candidates = ["utf-8-sig"]
    else:
        candidates = ["utf-8", ""]  # the second one chosen if UTF-8 fails (see below)
    error: UnicodeDecodeError | None = None
    for index, name in enumerate(candidates):
        if not name:
            name = candidates[index] = "cp1252" if _has_c1_bytes(data) else "iso8859-15"
        try:
            _decode_all(data, name)
        except LookupError:
            raise FecError(f"unknown encoding {name!r}", file=path) from None
        except UnicodeDecodeError as exc:
            error = error or exc
            continue
        return name
    assert error is not None
    line = len(_TERMINATOR.findall(data[: error.start])) + 1
    raise FecError(
        f"byte {data[error.start]:#04x} cannot be read as {candidates[-1]}"
        " (wrong encoding? pass encoding= / --encoding)",
        file=path,
        line=line,
        value=repr(data[max(0, error.start - 20) : error.start + 20]),
    )


def _has_c1_bytes(data: FileBytes) -> bool:
    """Whether ``data`` holds a byte from 0x80 to 0x9F (a block at a time, by numpy: a
    regular expression takes about a second over 100 MB that hold none)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    return any((np.subtract(raw[begin : begin + _BLOCK], 0x80, dtype=np.uint8) < 0x20).any()
               for begin in range(0, len(raw), _BLOCK))


@cache
def mapped_bytes(codec: str) -> np.ndarray:
    """For each byte value, whether the single-byte ``codec`` maps it to a character."""
    mapped = np.ones(256, dtype=bool)
    for byte in range(0x80, 0x100):
        try:
            bytes([byte]).decode(codec)
        except UnicodeDecodeError:
            mapped[byte] = False
    mapped.flags.writeable = False
    return mapped


def _single_byte_maps_all(data: FileBytes, codec: str) -> bool:
    """Whether the single-byte ``codec`` maps every byte of ``data`` (no text made): a block
    at a time, numpy finds the bytes in the span of the unmapped ones, then looks them up."""
    mapped = mapped_bytes(codec)
    unmapped = np.flatnonzero(~mapped)
    if not len(unmapped):
        return True
    low, span = int(unmapped[0]), int(unmapped[-1] - unmapped[0])
    raw = np.frombuffer(data, dtype=np.uint8)
    for begin in range(0, len(raw), _BLOCK):
        block = raw[begin : begin + _BLOCK]
        inside = block[np.subtract(block, low, dtype=np.uint8) <= span]
        if not mapped[inside].all():
            return False
    return True


def _decode_all(data: FileBytes, name: str) -> None:
    """Decode ``data`` as ``name`` to check it, raising the ``UnicodeDecodeError`` of
    ``data.decode(name)`` (its ``start`` included); the text is dropped as it goes (a whole
    file's text can weigh four times its bytes)."""
    codec = codecs.lookup(name).name
    if codec not in _LINE_SAFE_CODECS:
        str(memoryview(data), name)
        return
    if _is_ascii(data):
        return  # every one of those codecs reads ASCII as is
    skip = 0
    if codec == "utf-8-sig":
        # That codec drops a leading BOM, then counts error offsets from after it.
        codec, skip = "utf-8", len(UTF8_BOM) if opens_with(data, UTF8_BOM) else 0
    if codec == "utf-8" and _valid_utf8(memoryview(data)[skip:]):
        return
    if codec in _SINGLE_BYTE_CODECS and _single_byte_maps_all(data, codec):
        return  # else the decoder below finds the first byte it does not map
    view = memoryview(data)
    begin = skip
    while begin < len(data):
        cut = data.find(b"\n", begin + _BLOCK)
        end = len(data) if cut < 0 else cut + 1
        try:
            str(view[begin:end], codec)
        except UnicodeDecodeError as exc:
            raise UnicodeDecodeError(
                name, data, begin - skip + exc.start, begin - skip + exc.end, exc.reason
            ) from None
        begin = end


def _valid_utf8(data: memoryview) -> bool:
    """Whether ``data`` is valid UTF-8, as Python's strict decoder judges it: checked by
    pyarrow where it lies, with no text made (the decoder would fault in as much memory as
    the file holds, a few MiB at a time)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    text = pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data))
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False  # the decoder finds where, for the message
    return True


def _eol_offsets(raw: np.ndarray) -> np.ndarray:
    """Offsets of every CR and LF byte."""
    found = [np.zeros(0, dtype=np.int64)]
    for begin in range(0, len(raw), _BLOCK):
        block = raw[begin : begin + _BLOCK]
        eol = block == 10
        eol |= block == 13
        found.append(np.flatnonzero(eol).astype(np.int64) + begin)
    return np.concatenate(found)


def content_runs(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Byte offsets (start, end) of every run of bytes that holds no CR or LF.

    Whatever stands between two runs — CRLF, LF, lone CR, ``\\r\\r\\n``, blank lines — is a
    terminator the writer copies as it was.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    bounds = np.concatenate(([-1], _eol_offsets(raw), [len(raw)]))
    starts, ends = bounds[:-1] + 1, bounds[1:]
    filled = ends > starts
    return starts[filled], ends[filled]


def blank_runs(data: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Mask of the runs holding nothing but spaces, tabs and pipes (treated as blank lines)."""
    if not len(starts):
        return np.zeros(0, dtype=bool)
    raw = np.frombuffer(data, dtype=np.uint8)
    # A blank run starts with a space, tab or pipe: only those runs are looked into (all of
    # them, block by block, when they are many).
    opening = raw[starts]
    maybe = np.flatnonzero((opening == 32) | (opening == 9) | (opening == 124))
    if len(maybe) <= len(starts) // _FEW:
        blank = np.zeros(len(starts), dtype=bool)
        for index in maybe.tolist():
            blank[index] = not data[starts[index] : ends[index]].translate(None, b" \t|")
        return blank
    blank = np.empty(len(starts), dtype=bool)
    # Between two runs stand only CR/LF bytes (blank too), so AND-ing from one run's start
    # to the next one's covers exactly that run. The runs go in groups of about _BLOCK bytes.
    groups = np.unique(np.searchsorted(starts, np.arange(0, len(raw), _BLOCK))).tolist()
    groups = [g for g in groups if g < len(starts)] + [len(starts)]
    for first, stop in itertools.pairwise(groups):
        low = int(starts[first])
        high = int(starts[stop]) if stop < len(starts) else len(raw)
        block = raw[low:high]
        empty = block == 32
        for byte in (9, 124, 10, 13):
            empty |= block == byte
        blank[first:stop] = np.logical_and.reduceat(empty, starts[first:stop] - low)
    return blank


def terminator_ends(data: bytes) -> np.ndarray:
    """End offsets of the line terminators (``\\r\\r\\n``, ``\\r\\n``, ``\\n`` or ``\\r``),
    as ``re.finditer`` of them would give, tried in that order, from the left."""
    raw = np.frombuffer(data, dtype=np.uint8)
    eol = _eol_offsets(raw)
    after = np.zeros((2, len(eol)), dtype=np.uint8)
    for step in (1, 2):
        inside = eol + step < len(raw)
        after[step - 1, inside] = raw[eol[inside] + step]
    # A LF always ends a terminator. A CR does unless a LF follows, or CR LF follows: then
    # that CR starts a `\r\r\n` (it cannot be the middle of one, whose middle byte is
    # followed by LF).
    is_cr = raw[eol] == 13
    held = is_cr & ((after[0] == 10) | ((after[0] == 13) & (after[1] == 10)))
    return eol[~held] + 1


def detect_layout(data: FileBytes, path: str, encoding: str | None = None) -> FecLayout:
    """Find encoding, separator, header and data lines of a FEC file held in ``data``."""
    if _NOT_SPACE.search(data) is None:
        raise FecError("empty file: no header line", file=path)
    chosen = decode_check(data, path, encoding)
    starts, ends = content_runs(data)
    blank = blank_runs(data, starts, ends)
    if opens_with(data, UTF8_BOM) and len(starts) and starts[0] == 0:
        bom_only = ends[0] == len(UTF8_BOM)
        starts = starts.copy()
        starts[0] = len(UTF8_BOM)
        blank[0] = blank[0] or bom_only
    filled = np.flatnonzero(~blank)
    if not len(filled):
        raise FecError("no header line", file=path)
    first = filled[0]
    header_bytes = data[starts[first] : ends[first]]
    header_line = int(len(_TERMINATOR.findall(data[: starts[first]])) + 1)
    tabs, pipes = header_bytes.count(b"\t"), header_bytes.count(b"|")
    if not tabs and not pipes:
        raise FecError(
            "unknown separator: the header holds neither tabs nor '|'",
            file=path,
            line=header_line,
            value=header_bytes[:60].decode(chosen, "replace"),
        )
    separator = b"\t" if tabs >= pipes else b"|"
    header = tuple(cell.decode(chosen) for cell in header_bytes.split(separator))
    fields = map_header(header, path, header_line)
    data_runs = filled[1:]
    return FecLayout(
        blank_after=bool(len(data_runs) and blank[data_runs[0] :].any()),
        path=path,
        data=data,
        encoding=chosen,
        separator=separator,
        header=header,
        fields=fields,
        header_line=header_line,
        starts=starts[data_runs],
        ends=ends[data_runs],
    )


REQUIRED = ("EcritureDate", "CompteNum", "EcritureLet", "DateLet")


def map_header(header: tuple[str, ...], path: str, line: int) -> dict[str, int]:
    """Canonical field -> position, mapping by name whatever the case, accents or padding."""
    fields: dict[str, int] = {}
    for position, cell in enumerate(header):
        canonical = HEADER_ALIASES.get(normalise_header_name(cell))
        if canonical is None:
            continue
        if canonical in fields:
            raise FecError("field named twice in the header", file=path, line=line, field=cell)
        fields[canonical] = position
    if len(fields) < 3:
        raise FecError(
            "no FEC header: the first line does not name the FEC fields "
            "(JournalCode, EcritureDate, CompteNum, …)",
            file=path,
            line=line,
            value="|".join(header)[:80],
        )
    missing = [name for name in REQUIRED if name not in fields]
    has_debit_credit = "Debit" in fields and "Credit" in fields
    has_amount_sense = "Montant" in fields and "Sens" in fields
    if not (has_debit_credit or has_amount_sense):
        missing.append("Debit/Credit (or Montant/Sens)")
    if missing:
        raise FecError(
            "the header lacks a required field", file=path, line=line, field=", ".join(missing)
        )
    return fields
