"""The fast reader against the reference one, on every pitfall of shared/FEC.md.

``lettrage.io.fec_fields`` cuts the data lines into fields two ways: pyarrow's CSV parser
(fast) and ``bytes.split`` line by line (the reference). Whatever the file, both must give the
same frame, the same faults and the same errors, and the same bytes once written back. The
fast path may step aside (then the reference answers alone); the tests below also check that
it does not step aside on the regular files it is meant for, so the comparison is not empty.

The layout helpers that go block by block over the bytes are checked against the plain
whole-file computations they replaced.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from fec_text import (
    FIELDS,
    FIELDS_21,
    FIELDS_22,
    MONTANT_SENS_FIELDS,
    UTF8_BOM,
    fec_bytes,
    line,
    sample_rows,
    split_lines,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lettrage import FecError
from lettrage.io import fec_layout, fec_writer
from lettrage.io.fec_fields import fast_field_texts
from lettrage.io.fec_layout import detect_layout
from lettrage.io.fec_reader import _build_frame
from lettrage.io.fec_writer import write_fec
from lettrage.ledger import ATTR_DATE_FORMAT, ATTR_FAULTS, ATTR_LAYOUT, DEFAULT_ACCOUNTS

NAME = "123456789FEC20241231.txt"


# --- helpers -----------------------------------------------------------------------------

def outcome(
    data: bytes, *, fast: bool, encoding: str | None = None,
    accounts: tuple[str, ...] | None = DEFAULT_ACCOUNTS,
) -> pd.DataFrame | tuple:
    """The frame read from ``data``, or the error's parts."""
    try:
        layout = detect_layout(data, NAME, encoding)
        return _build_frame(layout, accounts, fast=fast)
    except FecError as error:
        return ("FecError", str(error), error.file, error.line, error.field, error.value)


def assert_same_outcome(
    data: bytes, *, encoding: str | None = None,
    accounts: tuple[str, ...] | None = DEFAULT_ACCOUNTS, tmp_path: Path | None = None,
) -> pd.DataFrame | tuple:
    """Fast and reference readers agree on ``data``; returns the fast one's outcome."""
    fast = outcome(data, fast=True, encoding=encoding, accounts=accounts)
    slow = outcome(data, fast=False, encoding=encoding, accounts=accounts)
    if isinstance(slow, tuple) or isinstance(fast, tuple):
        assert fast == slow
        return fast
    assert list(fast.columns) == list(slow.columns)
    assert fast.dtypes.equals(slow.dtypes)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast.equals(slow)
    pd.testing.assert_frame_equal(fast.attrs[ATTR_FAULTS], slow.attrs[ATTR_FAULTS],
                                  check_exact=True)
    assert fast.attrs[ATTR_DATE_FORMAT] == slow.attrs[ATTR_DATE_FORMAT]
    fast_layout, slow_layout = fast.attrs[ATTR_LAYOUT], slow.attrs[ATTR_LAYOUT]
    assert fast_layout.letter_width == slow_layout.letter_width
    assert fast_layout.letter_date_width == slow_layout.letter_date_width
    assert list(fast_layout.original_letters) == list(slow_layout.original_letters)
    np.testing.assert_array_equal(fast_layout.original_letter_dates,
                                  slow_layout.original_letter_dates)
    if tmp_path is not None:
        assert_same_writes(fast, slow, data, tmp_path)
    return fast


def assert_same_writes(fast: pd.DataFrame, slow: pd.DataFrame, data: bytes,
                       tmp_path: Path) -> None:
    """Both frames write the file back as read, and the same bytes once lettered."""
    written = []
    for which, frame in (("fast", fast), ("slow", slow)):
        same = tmp_path / f"same-{which}.txt"
        assert write_fec(frame, same) == 0
        assert same.read_bytes() == data
        changed = frame.copy()
        rows = np.arange(len(frame))
        changed["letter"] = np.where(rows % 3 == 0, "QZ", changed["letter"].to_numpy())
        changed["letter_date"] = changed["letter_date"].where(
            rows % 2 == 1, pd.Timestamp("2024-03-31"))
        out = tmp_path / f"lettered-{which}.txt"
        write_fec(changed, out)
        written.append(out.read_bytes())
    assert written[0] == written[1]


def fast_path_taken(data: bytes, encoding: str | None = None) -> bool:
    return fast_field_texts(detect_layout(data, NAME, encoding)) is not None


# --- regular files: the fast path reads them, and agrees ----------------------------------

def _varied_rows() -> list[dict[str, str]]:
    rows = sample_rows()
    rows[0].update(CompAuxLib="Société Œuvre € ", EcritureLib=" «Facture» \"F001\" \\ ",
                   EcritureLet="AA", DateLet="20240131")
    rows[4].update(EcritureLet="AA", DateLet="20240131", Montantdevise="130,00",
                   Idevise="USD")
    rows[1]["EcritureLib"] = "non\xa0breaking\xa0spaces\xa0"
    rows[2]["Debit"] = " 000000000001437,12"
    rows[3].update(Debit="1437.12-", Credit="")
    rows[5]["EcritureDate"] = "2024-02-01"
    rows[6]["EcritureLib"] = "single ' quotes '"
    return rows


REGULAR_LAYOUTS = {
    "plain tab": {},
    "pipe": {"sep": "|"},
    "bom crlf": {"bom": True, "eol": "\r\n"},
    "crcrlf": {"eol": "\r\r\n"},
    "lone cr": {"eol": "\r", "final_eol": False},
    "trailing separator everywhere": {"sep": "|", "trailing_sep": True},
    "trailing separator on the lines only": {"trailing_sep": True, "header_trailing_sep": False},
    "trailing separator on the header only": {"sep": "|", "trailing_sep": False,
                                                  "header_trailing_sep": True},
    "cp1252": {"encoding": "cp1252"},
    "iso8859-15": {"encoding": "iso8859-15", "sep": "|"},
    "padded": {"pad": 14},
    "padded letters": {"pad": {"EcritureLet": 4, "DateLet": 10}},
}


@pytest.mark.parametrize("options", REGULAR_LAYOUTS.values(), ids=REGULAR_LAYOUTS.keys())
def test_regular_layouts_take_the_fast_path_and_agree(tmp_path: Path, options: dict) -> None:
    data = fec_bytes(_varied_rows(), **options)
    assert fast_path_taken(data)
    frame = assert_same_outcome(data, accounts=None, tmp_path=tmp_path)
    assert isinstance(frame, pd.DataFrame) and len(frame) == 7


@pytest.mark.parametrize("header", [MONTANT_SENS_FIELDS, FIELDS_21, FIELDS_22],
                         ids=["montant-sens", "21 fields", "22 fields"])
def test_other_headers_take_the_fast_path_and_agree(tmp_path: Path, header: tuple) -> None:
    rows = [dict(row, Montant=row["Debit"] or row["Credit"],
                 Sens="D" if row["Debit"] != "0,00" else "C", NatOp="x")
            for row in sample_rows()]
    data = fec_bytes(rows, header=header)
    assert fast_path_taken(data)
    assert_same_outcome(data, tmp_path=tmp_path)


def test_blank_runs_between_data_lines_take_the_fast_path(tmp_path: Path) -> None:
    lines = split_lines(fec_bytes(sample_rows(), eol="\r\n"))
    shaped = (lines[:2] + [b"  \t \r\n", b"\r\n", b"|||\n"] + lines[2:5] + [b"\t\r"]
              + lines[5:] + [b"   "])
    data = b"".join(shaped)
    assert fast_path_taken(data)
    assert_same_outcome(data, tmp_path=tmp_path)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-8", "utf-8-sig"])
def test_forced_encodings_agree(tmp_path: Path, encoding: str) -> None:
    rows = _varied_rows()
    data = fec_bytes(rows, encoding="utf-8" if encoding.startswith("utf") else "cp1252")
    assert_same_outcome(data, encoding=encoding, accounts=None, tmp_path=tmp_path)


# --- irregular files: the fast path steps aside, the reference answers --------------------

def _lines_of(rows: list[dict[str, str]], **options: object) -> list[bytes]:
    return split_lines(fec_bytes(rows, **options))


def _irregular_files() -> dict[str, bytes]:
    rows = sample_rows()
    files = {}
    shifted = [dict(row) for row in rows]
    shifted[3]["EcritureLib"] = "a\tb"
    files["a separator inside a value"] = fec_bytes(shifted)
    lines = _lines_of(rows)
    lines[2] = lines[2].replace(b"\t", b"", 1)
    files["a missing field"] = b"".join(lines)
    lines = _lines_of(rows, sep="|", trailing_sep=True, header_trailing_sep=False)
    lines[3] = lines[3].replace(b"|\n", b"\n")
    files["one line without the trailing separator"] = b"".join(lines)
    lines = _lines_of(rows, sep="|", trailing_sep=True, header_trailing_sep=False)
    lines[1] = lines[1].replace(b"|\n", b"\n")
    files["the first line without the trailing separator"] = b"".join(lines)
    lines = _lines_of(rows, sep="|")
    lines[4] = lines[4].replace(b"\n", b"|\n")
    files["one line with a trailing separator"] = b"".join(lines)
    lines = _lines_of(rows, sep="|", trailing_sep=True, header_trailing_sep=False)
    lines[2] = lines[2].replace(b"|\n", b"|x\n")
    files["a value after the trailing separator"] = b"".join(lines)
    lines = _lines_of(rows)
    lines[1] = UTF8_BOM + lines[1]
    files["a BOM opening the first data line"] = b"".join(lines)
    lines = _lines_of(rows)
    lines[3] = b"x\n"
    files["a line of one field"] = b"".join(lines)
    return files


@pytest.mark.parametrize("data", _irregular_files().values(), ids=_irregular_files().keys())
def test_irregular_files_fall_back_to_the_reference(tmp_path: Path, data: bytes) -> None:
    assert not fast_path_taken(data)
    assert_same_outcome(data, tmp_path=tmp_path)


def test_nul_bytes_past_the_first_64k_are_text_both_ways() -> None:
    rows = [dict(row) for row in sample_rows() * 100]
    rows[-3]["EcritureLib"] = "nul\x00inside\x00"
    rows[-2]["CompteLib"] = "\x00"
    data = fec_bytes(rows)
    assert data.index(b"\x00") > 65536 and fast_path_taken(data)
    frame = assert_same_outcome(data)
    assert frame["label"].iloc[-3] == "nul\x00inside\x00"


def test_pandas_keeping_text_in_python_objects_reads_the_reference_way() -> None:
    data = fec_bytes(_varied_rows())
    with pd.option_context("mode.string_storage", "python"):
        assert not fast_path_taken(data)
        frame = assert_same_outcome(data, accounts=None)
        assert frame["label"].dtype == pd.api.types.pandas_dtype("str")


DATASETS = Path(__file__).parent.parent / "datasets" / "fec-neolegal"


@pytest.mark.parametrize("name", sorted(path.name for path in DATASETS.glob("*FEC*")))
def test_real_files_take_the_fast_path_and_agree(tmp_path: Path, name: str) -> None:
    data = (DATASETS / name).read_bytes()
    assert fast_path_taken(data)
    assert_same_outcome(data, accounts=None, tmp_path=tmp_path)


def test_a_line_longer_than_a_parser_block_reads_the_same() -> None:
    rows = sample_rows()
    rows[2]["EcritureLib"] = "x" * (5 << 20)
    data = fec_bytes(rows)
    assert_same_outcome(data)


# --- generated variants: both paths agree on whatever comes ------------------------------

_PLAIN = st.text(st.sampled_from(list("AZaz09 ,.-/'\"\\*#_") + ["é", "€"]), max_size=6)
_ODD_CHARS = st.sampled_from(
    list("AZaz09 ,.-+/'\"\\;:*#_") + ["é", "Œ", "€", "\xa0", "\x0b", "\x0c", "\x1c",
                                      "\ufeff", "\u2003", "|"]
)
_TEXT = st.one_of(_PLAIN, _PLAIN, _PLAIN, st.text(_ODD_CHARS, max_size=6))
_AMOUNT = st.one_of(
    st.sampled_from(["0,00", "120,00", "0000000069,60", "+000000069,40", "69,40-",
                     " 000000000001437,12", "1234.56", "15000", "", "12,00 "]),
    st.sampled_from(["abc", "1,234", "  ", "1,2,3"]) | _TEXT,
)
_DATE = st.one_of(
    st.sampled_from(["20240115", "2024-01-20", "15/01/2024", "", " 20240115 ", "20260101"]),
    st.sampled_from(["20240230", "2024011", "x"]) | _TEXT,
)
_ACCOUNT = st.sampled_from(["411000", "401000", "4010001", "411DUPONT", " 411000 "]
                           + ["607000", "512000", "445710"] * 5 + [""])
_LETTER = st.sampled_from(["", "AA", "aa", "*A", " AB ", "ZZZZ", "É"]) | _TEXT
_BLANK = st.sampled_from([b"", b"   ", b"\t", b"|", b" \t|", b"\t" * 17])
_EOL = st.sampled_from([b"\n", b"\r\n", b"\r", b"\r\r\n"])


@st.composite
def _fec_files(draw: st.DrawFn) -> tuple[bytes, str | None]:
    header = draw(st.sampled_from([FIELDS, MONTANT_SENS_FIELDS, FIELDS_21,
                                   FIELDS + ("DateLimitReglmt", "NumFacture")]))
    encoding = draw(st.sampled_from(["utf-8", "cp1252", "iso8859-15"]))
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        debit, credit = draw(_AMOUNT), draw(_AMOUNT)
        rows.append(line(
            draw(_ACCOUNT), debit, credit, aux=draw(st.sampled_from(["", "C001", " F01"])),
            label=draw(_TEXT), letter=draw(_LETTER), letter_date=draw(_DATE),
            date=draw(_DATE), entry=draw(st.sampled_from(["1", "2", "0"])),
            Montant=debit, Sens=draw(st.sampled_from(["D", "C", "+1", "-1", "x", ""])),
            Montantdevise=draw(st.sampled_from(["", "10,00", "x"])),
            CompAuxLib=draw(_TEXT), DateLimitReglmt=draw(_DATE), NumFacture=draw(_TEXT),
        ))
    rows = [{key: value.encode(encoding, "replace").decode(encoding)
             for key, value in row.items()} for row in rows]
    pad = draw(st.sampled_from([None, 12, {"EcritureLet": 4}, {"DateLet": 10}]))
    trailing = draw(st.booleans())
    data = fec_bytes(
        rows, header=header, sep=draw(st.sampled_from(["\t", "|"])), encoding=encoding,
        bom=draw(st.booleans()) and encoding == "utf-8", trailing_sep=trailing,
        header_trailing_sep=draw(st.sampled_from([None, not trailing])), pad=pad,
    )
    lines = [raw.rstrip(b"\r\n") for raw in split_lines(data)]
    # Blank lines anywhere, a separator added or dropped on a line, line ends of all kinds.
    for _ in range(draw(st.integers(0, 2))):
        lines.insert(draw(st.integers(0, len(lines))), draw(_BLANK))
    if len(lines) > 1 and draw(st.integers(0, 3)) == 0:
        at = draw(st.integers(1, len(lines) - 1))
        sep = b"\t" if b"\t" in lines[0] else b"|"
        lines[at] = draw(st.sampled_from([lines[at] + sep, lines[at].replace(sep, b"", 1),
                                          lines[at].replace(sep, sep * 2, 1)]))
    ends = [draw(_EOL) for _ in lines]
    if not draw(st.booleans()):
        ends[-1] = b""
    forced = draw(st.sampled_from([None] * 6 + ["latin-1", "utf-8"]))
    return b"".join(body + end for body, end in zip(lines, ends)), forced


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_fec_files(), st.sampled_from([DEFAULT_ACCOUNTS, None, None]))
def test_generated_files_read_the_same_both_ways(case: tuple[bytes, str | None],
                                                 accounts: tuple[str, ...] | None) -> None:
    data, encoding = case
    assert_same_outcome(data, encoding=encoding, accounts=accounts)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_fec_files())
def test_generated_files_write_back_the_same_both_ways(
    tmp_path: Path, case: tuple[bytes, str | None]
) -> None:
    data, encoding = case
    assert_same_outcome(data, encoding=encoding, accounts=None, tmp_path=tmp_path)


# --- a large file: the fast path on many parser blocks ------------------------------------

def test_a_large_file_reads_the_same_both_ways() -> None:
    """More than 150k lines, over several pyarrow blocks (FEC.md: test on large files)."""
    header = "\t".join(FIELDS)
    body = [
        f"VT\tVentes\t{index // 2}\t2024{1 + index % 12:02d}15\t"
        + ("411000\tClients\tC{index % 97:03d}\tClient" if index % 2 else "706000\tVentes\t\t")
        + f"\tF{index // 2}\t20240115\tFacture {index // 2} é\t"
        + (f"{index // 2 % 1000},50\t0,00" if index % 2 else f"0,00\t{index // 2 % 1000},50")
        + ("\tAB \t20240131" if index % 10 == 1 else "\t\t") + "\t20240131\t\t"
        for index in range(160_000)
    ]
    data = "\r\n".join([header, *body, ""]).encode("utf-8")
    assert len(data) > 3 * (1 << 22)
    assert fast_path_taken(data)
    frame = assert_same_outcome(data)
    assert len(frame) == 160_000 and frame.attrs[ATTR_FAULTS].empty


# --- layout helpers: block by block as in one go ------------------------------------------

_TERMINATOR = re.compile(rb"\r\r\n|\r\n|\n|\r")


def _content_runs_in_one_go(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    raw = np.frombuffer(data, dtype=np.uint8)
    is_eol = (raw == 10) | (raw == 13)
    edges = np.diff(np.concatenate(([True], is_eol, [True])).astype(np.int8))
    return np.flatnonzero(edges == -1), np.flatnonzero(edges == 1)


def _blank_runs_in_one_go(data: bytes, starts: np.ndarray) -> np.ndarray:
    if not len(starts):
        return np.zeros(0, dtype=bool)
    raw = np.frombuffer(data, dtype=np.uint8)
    filled = ~((raw == 32) | (raw == 9) | (raw == 124) | (raw == 10) | (raw == 13))
    return ~np.logical_or.reduceat(filled, starts)


def _first_bad_byte(data: bytes, encoding: str) -> int | None:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        return error.start
    return None


_BYTES = st.lists(st.sampled_from([b"\r", b"\n", b" ", b"\t", b"|", b"a", b"\xe9", b"\xc3",
                                   b"\xa9", b"\x81", b"\xef\xbb\xbf", b"\xed\xa0\x80",
                                   b"\xf0\x9f\x98\x80", b"\xe2\x82"]),
                  max_size=40).map(b"".join)


@settings(max_examples=500, deadline=None)
@given(_BYTES, st.sampled_from([1, 2, 3, 7, 1 << 23]), st.sampled_from([1, 64]))
def test_layout_helpers_block_by_block(data: bytes, block: int, few: int) -> None:
    with mock.patch.object(fec_layout, "_BLOCK", block), \
            mock.patch.object(fec_layout, "_FEW", few):
        starts, ends = fec_layout.content_runs(data)
        expected_starts, expected_ends = _content_runs_in_one_go(data)
        np.testing.assert_array_equal(starts, expected_starts)
        np.testing.assert_array_equal(ends, expected_ends)
        assert starts.dtype == expected_starts.dtype
        np.testing.assert_array_equal(fec_layout.blank_runs(data, starts, ends),
                                      _blank_runs_in_one_go(data, starts))
        assert fec_layout.terminator_ends(data).tolist() == [
            match.end() for match in _TERMINATOR.finditer(data)
        ]
        for encoding in ("utf-8", "utf-8-sig", "cp1252", "iso8859-15", "utf-16"):
            try:
                fec_layout._decode_all(data, encoding)
                found = None
            except UnicodeDecodeError as error:
                found = error.start
            assert found == _first_bad_byte(data, encoding)


# --- the writer: fields spliced in bulk as lines rewritten one by one ---------------------

def _written_both_ways(layout: fec_layout.FecLayout, letters: pd.Series, dates: np.ndarray,
                       date_format: str) -> bytes | tuple:
    """The bytes of the bulk writer and of the line-by-line reference (or their errors),
    once they are checked to agree."""
    texts = fec_writer._letter_texts(letters)
    outcomes = []
    for assemble in (fec_writer._assemble, fec_writer.reference_pieces):
        try:
            new_letter, new_date = fec_writer._changes(layout, texts, dates)
            outcomes.append(b"".join(
                bytes(piece) for piece in
                assemble(layout, new_letter, new_date, texts, dates, date_format)))
        except FecError as error:
            outcomes.append(("FecError", str(error), error.line, error.field, error.value))
    assert outcomes[0] == outcomes[1]
    return outcomes[0]


_NEW_LETTER = st.sampled_from(["", "AA", "AAB", "*A", " A", "é€", "a|b", "a\tb", "x\ny", "Œ"])
_NEW_DATE = st.sampled_from([None, "2024-02-29", "1999-12-31", "2024-01-31"])


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_fec_files(), st.data(), st.sampled_from([1, 2, 3, 1 << 16]),
       st.sampled_from([1, 40, 1 << 23]), st.booleans())
def test_generated_files_spliced_as_rewritten_line_by_line(
    case: tuple[bytes, str | None], draw: st.DataObject, edits: int, block: int,
    as_objects: bool,
) -> None:
    data, encoding = case
    try:
        frame = _build_frame(detect_layout(data, NAME, encoding), None)
    except FecError:
        return
    layout = frame.attrs[ATTR_LAYOUT]
    size = len(frame)
    letters = frame["letter"].to_numpy(dtype=object).copy()
    dates = frame["letter_date"].to_numpy(dtype="datetime64[s]").copy()
    for row in range(size):
        if draw.draw(st.booleans()):
            letters[row] = draw.draw(_NEW_LETTER)
        if draw.draw(st.booleans()):
            day = draw.draw(_NEW_DATE)
            dates[row] = np.datetime64("NaT") if day is None else np.datetime64(day, "s")
    column = pd.Series(letters, dtype=object if as_objects else "str")
    with mock.patch.object(fec_writer, "_EDITS", edits), \
            mock.patch.object(fec_writer, "_BLOCK", block):
        _written_both_ways(layout, column, dates, frame.attrs[ATTR_DATE_FORMAT])


def test_short_lines_and_letters_that_are_not_text_are_rewritten_whole() -> None:
    data = (b"JournalCode|EcritureDate|CompteNum|Debit|Credit|EcritureLet|DateLet|ValidDate\n"
            b"VT|20240101|411000|1,00|0,00|  |        |20240101\n"
            b"VT|20240101|411000|1,00\n"
            b"VT|20240101|411000|1,00|0,00|A\n"
            b"VT|20240101|411000|1,00|0,00|AB|20240101|20240101\n")
    layout = detect_layout(data, NAME, None)
    layout = dataclasses.replace(
        layout, original_letters=pa.array(["", "", "A", "AB"], pa.large_string()),
        original_letter_dates=np.array(["NaT", "NaT", "NaT", "2024-01-01"], "datetime64[s]"),
        letter_width=2, letter_date_width=8)
    dates = np.array(["2024-02-29"] * 4, dtype="datetime64[s]")
    written = _written_both_ways(layout, pd.Series([7, "B", "C", "AB"], dtype=object), dates,
                                 "%Y%m%d")
    assert written.splitlines()[1:] == [
        b"VT|20240101|411000|1,00|0,00|7 |20240229|20240101",
        b"VT|20240101|411000|1,00||B |20240229",
        b"VT|20240101|411000|1,00|0,00|C |20240229",
        b"VT|20240101|411000|1,00|0,00|AB|20240229|20240101",
    ]
