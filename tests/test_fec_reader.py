"""The FEC reader on every layout pitfall of shared/FEC.md, on bad input, and on its warnings.

Each layout test checks three things: the values read, a byte-identical round trip through
``write_fec``, and that lettering one third-party line rewrites that line's ``EcritureLet`` and
``DateLet`` and nothing else.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fec_text import (
    FIELDS,
    FIELDS_21,
    FIELDS_22,
    MONTANT_SENS_FIELDS,
    UTF8_BOM,
    fec_bytes,
    fold,
    line,
    sample_rows,
    split_lines,
    write_fec_text,
)

from lettrage import FecError, read_fec
from lettrage.io.fec_writer import write_fec
from lettrage.ledger import COLUMNS

FAULTS = "lettrage.faults"
SAMPLE_AMOUNTS = [12000, -10000, -2000, 12000, -12000, 5000, -5000]
SAMPLE_PARTIES = ["C001", "706000", "445710", "512000", "C001", "607000", "F001"]
LETTER_DAY = pd.Timestamp("2024-02-29")


# --- helpers -----------------------------------------------------------------------------

def faults(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.attrs[FAULTS]


def fault_rows(frame: pd.DataFrame, field: str | None = None) -> list[tuple[int, str, str]]:
    table = faults(frame)
    if field is not None:
        table = table[table["field"] == field]
    return list(zip(table["line"].tolist(), table["field"].tolist(), table["value"].tolist()))


def assert_sample(frame: pd.DataFrame) -> None:
    """The values of :func:`fec_text.sample_rows`, whatever the layout they were written in."""
    assert list(frame.columns) == list(COLUMNS)
    assert frame["amount"].dtype == np.int64
    assert frame["amount"].tolist() == SAMPLE_AMOUNTS
    assert frame["line"].tolist() == list(range(1, 8))
    assert frame["party"].tolist() == SAMPLE_PARTIES
    assert frame["account"].tolist() == [
        "411000", "706000", "445710", "512000", "411000", "607000", "401000"
    ]
    assert frame["aux"].tolist() == ["C001", "", "", "", "C001", "", "F001"]
    assert frame["party_name"].tolist()[:2] == ["Dupont SA", "Compte 706000"]
    assert frame["journal"].tolist() == ["VT", "VT", "VT", "BQ", "BQ", "HA", "HA"]
    assert frame["entry"].tolist() == ["1", "1", "1", "2", "2", "3", "3"]
    assert frame["piece_ref"].tolist()[3] == "R001"
    assert frame["label"].tolist()[3] == "Virement Dupont F001"
    assert frame["date"].tolist()[:4] == [pd.Timestamp("2024-01-15")] * 3 + [
        pd.Timestamp("2024-01-20")
    ]
    assert (frame["letter"] == "").all()
    assert frame["letter_date"].isna().all()
    assert frame["currency_amount"].isna().all()
    assert faults(frame).empty, faults(frame)


def _header_positions(data: bytes) -> tuple[bytes, int, int]:
    """Separator and positions of EcritureLet / DateLet, found by the test on its own."""
    first = next(raw for raw in split_lines(data) if raw.strip(b"\r\n\t| ").strip(UTF8_BOM))
    first = first.rstrip(b"\r\n")
    first = first.removeprefix(UTF8_BOM)
    sep = b"\t" if b"\t" in first else b"|"
    try:
        names = [fold(cell.decode("utf-8")) for cell in first.split(sep)]
    except UnicodeDecodeError:
        names = [fold(cell.decode("cp1252")) for cell in first.split(sep)]
    return sep, names.index("ecriturelet"), names.index("datelet")


def _data_line_indexes(lines: list[bytes]) -> list[int]:
    """Indexes (in ``split_lines``) of the non-blank lines after the header."""
    filled = [
        i for i, raw in enumerate(lines)
        if raw.strip(b"\r\n\t| ").replace(UTF8_BOM, b"")
    ]
    return filled[1:]


def assert_round_trip(
    path: Path,
    tmp_path: Path,
    *,
    row: int | None = None,
    letter: str = "ZZ",
    letter_date: pd.Timestamp | None = LETTER_DAY,
    date_text: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read, write back byte for byte, then letter one third-party line and check the diff.

    Returns the frame read from ``path``.
    """
    original = path.read_bytes()
    frame = read_fec(path, encoding=encoding)

    same = tmp_path / "same" / path.name
    same.parent.mkdir(exist_ok=True)
    assert write_fec(frame, same) == 0
    assert same.read_bytes() == original

    if row is None:
        row = int(np.flatnonzero(frame["account"].str.startswith(("40", "41")))[0])
    changed = frame.copy()
    changed.loc[row, "letter"] = letter
    changed.loc[row, "letter_date"] = letter_date if letter_date is not None else pd.NaT
    lettered = tmp_path / "lettered" / path.name
    lettered.parent.mkdir(exist_ok=True)
    assert write_fec(changed, lettered) == 1
    new = lettered.read_bytes()

    # Every physical line but one is given back as it was, terminators included.
    old_lines, new_lines = split_lines(original), split_lines(new)
    assert len(new_lines) == len(old_lines)
    target = _data_line_indexes(old_lines)[row]
    for index, (old, fresh) in enumerate(zip(old_lines, new_lines)):
        if index != target:
            assert fresh == old, f"physical line {index + 1} changed"
    old_line, new_line = old_lines[target], new_lines[target]
    old_body, new_body = old_line.rstrip(b"\r\n"), new_line.rstrip(b"\r\n")
    assert new_line[len(new_body):] == old_line[len(old_body):]  # same terminator

    # On that line, only EcritureLet and DateLet differ; padded fields keep their width.
    sep, let_at, date_at = _header_positions(original)
    old_fields, new_fields = old_body.split(sep), new_body.split(sep)
    assert len(new_fields) == len(old_fields)
    for index, (old, fresh) in enumerate(zip(old_fields, new_fields)):
        if index not in (let_at, date_at):
            assert fresh == old, f"field {index + 1} changed"
    if date_text is None:
        date_text = "" if letter_date is None else letter_date.strftime("%Y%m%d")
    for at, expected in ((let_at, letter), (date_at, date_text)):
        old, fresh = old_fields[at], new_fields[at]
        assert fresh.strip() == expected.encode("ascii")
        if old.strip() != old:
            assert len(fresh) == max(len(old), len(expected)), (old, fresh)

    # Read again: the letter is there, everything else as before.
    again = read_fec(lettered, encoding=encoding)
    assert again.loc[row, "letter"] == letter
    if letter_date is None:
        assert pd.isna(again.loc[row, "letter_date"])
    else:
        assert again.loc[row, "letter_date"] == letter_date
    others = [name for name in frame.columns if name not in ("letter", "letter_date")]
    pd.testing.assert_frame_equal(again[others], frame[others])
    keep = np.arange(len(frame)) != row
    assert again["letter"][keep].tolist() == frame["letter"][keep].tolist()
    return frame


# --- 1. layouts --------------------------------------------------------------------------

@pytest.mark.parametrize("sep", ["\t", "|"])
def test_separator_tab_and_pipe(tmp_path: Path, sep: str) -> None:
    path = write_fec_text(tmp_path, sample_rows(), sep=sep)
    assert_sample(assert_round_trip(path, tmp_path))


def test_utf8_without_bom(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[0]["CompAuxLib"] = "Société Œuvre €"
    path = write_fec_text(tmp_path, rows)
    frame = assert_round_trip(path, tmp_path)
    assert frame.loc[0, "party_name"] == "Société Œuvre €"


def test_utf8_with_bom(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[0]["CompAuxLib"] = "Société Œuvre €"
    path = write_fec_text(tmp_path, rows, bom=True)
    assert path.read_bytes().startswith(UTF8_BOM + b"JournalCode")
    frame = assert_round_trip(path, tmp_path)
    assert_sample(frame.assign(party_name=frame["party_name"].where(frame.index != 0,
                                                                       "Dupont SA")))
    assert frame.loc[0, "party_name"] == "Société Œuvre €"


def test_utf8_bom_with_crlf_and_pipe(tmp_path: Path) -> None:
    path = write_fec_text(tmp_path, sample_rows(), bom=True, eol="\r\n", sep="|")
    assert_sample(assert_round_trip(path, tmp_path))


def test_iso_8859_15(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[0]["CompAuxLib"] = "Œuvres Été"
    rows[1]["EcritureLib"] = "Remise 5 €"
    path = write_fec_text(tmp_path, rows, encoding="iso8859-15")
    data = path.read_bytes()
    assert b"Remise 5 \xa4" in data and b"\xbcuvres \xc9t\xe9" in data
    frame = assert_round_trip(path, tmp_path)
    assert frame.loc[0, "party_name"] == "Œuvres Été"
    assert frame.loc[1, "label"] == "Remise 5 €"


def test_windows_1252(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[0]["CompAuxLib"] = "Œuvres Été"
    rows[1]["EcritureLib"] = "Remise 5 € – soldes"
    path = write_fec_text(tmp_path, rows, encoding="cp1252")
    data = path.read_bytes()
    assert b"Remise 5 \x80 \x96 soldes" in data and b"\x8cuvres \xc9t\xe9" in data
    frame = assert_round_trip(path, tmp_path)
    assert frame.loc[0, "party_name"] == "Œuvres Été"
    assert frame.loc[1, "label"] == "Remise 5 € – soldes"


@pytest.mark.parametrize("encoding", ["iso8859-15", "cp1252", "latin-1"])
def test_forced_encoding(tmp_path: Path, encoding: str) -> None:
    rows = sample_rows()
    rows[0]["CompAuxLib"] = "Été"
    path = write_fec_text(tmp_path, rows, encoding=encoding)
    frame = assert_round_trip(path, tmp_path, encoding=encoding)
    assert frame.loc[0, "party_name"] == "Été"


def test_ascii_only_file(tmp_path: Path) -> None:
    path = write_fec_text(tmp_path, sample_rows(), encoding="ascii")
    assert_sample(assert_round_trip(path, tmp_path))


@pytest.mark.parametrize("eol", ["\r\n", "\n", "\r", "\r\r\n"])
@pytest.mark.parametrize("final_eol", [True, False])
def test_line_ends(tmp_path: Path, eol: str, final_eol: bool) -> None:
    path = write_fec_text(tmp_path, sample_rows(), eol=eol, final_eol=final_eol)
    assert path.read_bytes().endswith(eol.encode()) == final_eol
    assert_sample(assert_round_trip(path, tmp_path))


def test_line_end_on_the_lettered_last_line_without_final_newline(tmp_path: Path) -> None:
    rows = sample_rows()
    path = write_fec_text(tmp_path, rows, final_eol=False)
    frame = assert_round_trip(path, tmp_path, row=6)
    assert frame.loc[6, "party"] == "F001"


def test_blank_lines(tmp_path: Path) -> None:
    data = fec_bytes(sample_rows(), eol="\r\n")
    lines = split_lines(data)
    # blank lines after the header, in the middle (one with spaces), and at the end
    shaped = lines[:1] + [b"\r\n"] + lines[1:4] + [b"   \r\n", b"\r\n"] + lines[4:] + [b"\r\n"]
    path = tmp_path / "123456789FEC20241231.txt"
    path.write_bytes(b"".join(shaped))
    frame = assert_round_trip(path, tmp_path, row=4)
    assert_sample(frame)


def test_blank_lines_before_the_header(tmp_path: Path) -> None:
    path = tmp_path / "123456789FEC20241231.txt"
    path.write_bytes(b"\n\n" + fec_bytes(sample_rows()))
    assert_sample(assert_round_trip(path, tmp_path))


def test_mixed_line_ends(tmp_path: Path) -> None:
    lines = split_lines(fec_bytes(sample_rows()))
    ends = [b"\r\n", b"\n", b"\r", b"\r\r\n"]
    mixed = b"".join(raw.rstrip(b"\n") + ends[i % 4] for i, raw in enumerate(lines))
    path = tmp_path / "123456789FEC20241231.txt"
    path.write_bytes(mixed)
    assert_sample(assert_round_trip(path, tmp_path, row=4))


@pytest.mark.parametrize("sep", ["\t", "|"])
def test_trailing_separator_on_every_line(tmp_path: Path, sep: str) -> None:
    path = write_fec_text(tmp_path, sample_rows(), sep=sep, trailing_sep=True)
    assert path.read_bytes().split(b"\n")[1].endswith(sep.encode())
    assert_sample(assert_round_trip(path, tmp_path))


@pytest.mark.parametrize("header_trails", [True, False])
def test_trailing_separator_on_header_or_lines_only(tmp_path: Path, header_trails: bool) -> None:
    path = write_fec_text(tmp_path, sample_rows(), sep="|", trailing_sep=not header_trails,
                          header_trailing_sep=header_trails)
    assert_sample(assert_round_trip(path, tmp_path))


def test_trailing_separator_file_with_one_line_without_it(tmp_path: Path) -> None:
    lines = split_lines(fec_bytes(sample_rows(), sep="|", trailing_sep=True,
                                  header_trailing_sep=False))
    lines[3] = lines[3].replace(b"|\n", b"\n")
    path = tmp_path / "123456789FEC20241231.txt"
    path.write_bytes(b"".join(lines))
    assert_sample(assert_round_trip(path, tmp_path))


def _renamed(**renames: str) -> list[str]:
    return [renames.get(name, name) for name in FIELDS]


@pytest.mark.parametrize(
    "header",
    [
        _renamed(CompteLib="CompteLIB"),
        _renamed(Montantdevise="MontantDevise", Idevise="IdDevise"),
        _renamed(EcritureDate=" EcritureDate "),
        _renamed(EcritureDate="ÉcritureDate", EcritureLet="ÉcritureLet"),
        [name.lower() for name in FIELDS],
        [name.upper() for name in FIELDS],
        [f" {name}  " for name in FIELDS],
        _renamed(CompAuxNum="CompteAuxNum", CompAuxLib="CompteAuxLib"),
    ],
    ids=["CompteLIB", "MontantDevise-IdDevise", "padded", "accents", "lower", "upper",
         "all-padded", "CompteAux"],
)
@pytest.mark.parametrize("encoding", ["utf-8", "iso8859-15"])
def test_header_variants(tmp_path: Path, header: list[str], encoding: str) -> None:
    rows = [[row[name] for name in FIELDS] for row in sample_rows()]  # cells by position
    path = write_fec_text(tmp_path, rows, header=header, encoding=encoding)
    assert_sample(assert_round_trip(path, tmp_path))


def test_header_maps_columns_by_name_not_position(tmp_path: Path) -> None:
    header = list(reversed(FIELDS))
    path = write_fec_text(tmp_path, sample_rows(), header=header, sep="|")
    assert_sample(assert_round_trip(path, tmp_path))


@pytest.mark.parametrize("header", [FIELDS_21, FIELDS_22], ids=["21-fields", "22-fields"])
def test_cash_basis_extra_columns(tmp_path: Path, header: tuple[str, ...]) -> None:
    rows = sample_rows()
    for row in rows:
        row.update(DateRglt="20240120", ModeRglt="VIR", NatOp="Vente", IdClient="CLI-7")
    path = write_fec_text(tmp_path, rows, header=header)
    assert len(path.read_bytes().split(b"\n")[1].split(b"\t")) == len(header)
    assert_sample(assert_round_trip(path, tmp_path))


def test_due_date_and_invoice_number_columns(tmp_path: Path) -> None:
    header = FIELDS[:11] + ("DateLimitReglmt", "NumFacture") + FIELDS[11:]
    rows = sample_rows()
    rows[0].update(DateLimitReglmt="20240215", NumFacture="FA-2024-001")
    path = write_fec_text(tmp_path, rows, header=header)
    frame = assert_round_trip(path, tmp_path)
    assert_sample(frame)
    assert frame.loc[0, "due_date"] == pd.Timestamp("2024-02-15")
    assert pd.isna(frame.loc[1, "due_date"])
    assert frame["invoice_number"].tolist() == ["FA-2024-001"] + [""] * 6


def test_without_optional_columns_due_date_and_invoice_number_are_empty(tmp_path: Path) -> None:
    frame = read_fec(write_fec_text(tmp_path, sample_rows()))
    assert frame["due_date"].isna().all()
    assert (frame["invoice_number"] == "").all()
    assert (frame["currency"] == "").all()


@pytest.mark.parametrize(
    ("debit_sense", "credit_sense"), [("D", "C"), ("+1", "-1"), ("d", "c"), ("1", "-1")]
)
def test_montant_and_sens(tmp_path: Path, debit_sense: str, credit_sense: str) -> None:
    rows = []
    for row in sample_rows():
        debit, credit = row.pop("Debit"), row.pop("Credit")
        is_debit = debit != "0,00"
        row["Montant"] = debit if is_debit else credit
        row["Sens"] = debit_sense if is_debit else credit_sense
        rows.append(row)
    path = write_fec_text(tmp_path, rows, header=MONTANT_SENS_FIELDS, sep="|")
    assert_sample(assert_round_trip(path, tmp_path))


def test_space_padded_values(tmp_path: Path) -> None:
    widths = {name: 12 for name in FIELDS}
    widths.update(EcritureLet=4, DateLet=10, CompteLib=30, EcritureLib=30)
    path = write_fec_text(tmp_path, sample_rows(), sep="|", pad=widths, trailing_sep=True)
    assert b"|411000      |" in path.read_bytes()
    frame = assert_round_trip(path, tmp_path)
    assert_sample(frame)
    # the lettered line keeps its widths: the letter stays 4 wide, the date 10 wide
    out = (tmp_path / "lettered" / path.name).read_bytes()
    assert b"|ZZ  |20240229  |" in out


def test_padded_letter_field_exactly_as_wide_as_the_letter(tmp_path: Path) -> None:
    """The 111111111FEC layout: EcritureLet two spaces wide, DateLet eight."""
    path = write_fec_text(tmp_path, sample_rows(), sep="|", pad={"EcritureLet": 2, "DateLet": 8},
                          trailing_sep=True)
    assert_round_trip(path, tmp_path, letter="AB")
    out = (tmp_path / "lettered" / path.name).read_bytes()
    assert b"|AB|20240229|" in out


def test_padded_letter_field_narrower_than_the_new_letter_grows(tmp_path: Path) -> None:
    path = write_fec_text(tmp_path, sample_rows(), sep="|", pad={"EcritureLet": 2})
    assert_round_trip(path, tmp_path, letter="ABCD")


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("0", 0),
        ("15000", 1_500_000),
        ("0000000069,60", 6960),
        ("+000000069,40", 6940),
        (" 000000000001437,12", 143712),
        ("69,40-", -6940),
        ("1 437,12", 143712),
        ("1234.56", 123456),
    ],
)
def test_amount_styles(tmp_path: Path, text: str, cents: int) -> None:
    rows = [
        line("411000", text, aux="C001"),
        line("706000", credit=text),
    ]
    path = write_fec_text(tmp_path, rows)
    frame = assert_round_trip(path, tmp_path)
    assert frame["amount"].tolist() == [cents, -cents]


def test_amount_with_three_decimals_is_refused(tmp_path: Path) -> None:
    path = write_fec_text(tmp_path, [line("411000", "12,345", aux="C001"),
                                     line("706000", credit="12,345")])
    with pytest.raises(FecError) as caught:
        read_fec(path)
    assert (caught.value.line, caught.value.field, caught.value.value) == (2, "Debit", "12,345")


def test_debit_and_credit_both_filled(tmp_path: Path) -> None:
    path = write_fec_text(tmp_path, [line("411000", "100,00", "30,00", aux="C001"),
                                     line("706000", credit="70,00")])
    assert read_fec(path)["amount"].tolist() == [7000, -7000]


@pytest.mark.parametrize("style", ["%Y%m%d", "%Y-%m-%d", "%d/%m/%Y"])
def test_date_styles_and_letter_date_written_in_the_file_style(tmp_path: Path, style: str
                                                               ) -> None:
    rows = sample_rows()
    day = pd.Timestamp("2024-01-15").strftime(style)
    for row in rows:
        stamp = pd.Timestamp(row["EcritureDate"])
        row.update(EcritureDate=stamp.strftime(style), PieceDate=stamp.strftime(style),
                   ValidDate=stamp.strftime(style))
    rows[0].update(EcritureLet="AA", DateLet=pd.Timestamp("2024-01-31").strftime(style))
    rows[4].update(EcritureLet="AA", DateLet=pd.Timestamp("2024-01-31").strftime(style))
    path = write_fec_text(tmp_path, rows)
    assert day.encode() in path.read_bytes()
    frame = assert_round_trip(path, tmp_path, row=6, date_text=LETTER_DAY.strftime(style))
    assert frame.loc[0, "date"] == pd.Timestamp("2024-01-15")
    assert frame.loc[0, "letter"] == "AA"
    assert frame.loc[0, "letter_date"] == pd.Timestamp("2024-01-31")


def test_letter_replaced_and_letter_removed(tmp_path: Path) -> None:
    rows = sample_rows()
    for index in (0, 4):
        rows[index].update(EcritureLet="AB", DateLet="20240131")
    path = write_fec_text(tmp_path, rows)
    assert_round_trip(path, tmp_path, row=0, letter="AC")
    assert_round_trip(path, tmp_path, row=4, letter="", letter_date=None)


def test_letter_changed_but_not_its_date_leaves_the_date_bytes(tmp_path: Path) -> None:
    rows = sample_rows()
    # DateLet written in a style other than the rest of the file: left as it is
    rows[0].update(EcritureLet="AB", DateLet="2024-01-31")
    rows[4].update(EcritureLet="AB", DateLet="2024-01-31")
    path = write_fec_text(tmp_path, rows)
    frame = read_fec(path)
    frame.loc[0, "letter"] = "AC"
    out = tmp_path / "out" / path.name
    out.parent.mkdir()
    assert write_fec(frame, out) == 1
    expected = path.read_bytes().replace(b"\tAB\t2024-01-31\t", b"\tAC\t2024-01-31\t", 1)
    assert out.read_bytes() == expected


def test_currency_amount_signed_like_the_amount(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[0].update(Montantdevise="130,50", Idevise="USD")
    rows[1].update(Montantdevise="108,75", Idevise="USD")
    rows[4].update(Montantdevise="-130,50", Idevise="USD")  # already signed: kept negative
    path = write_fec_text(tmp_path, rows, header=_renamed(Montantdevise="MontantDevise"))
    frame = assert_round_trip(path, tmp_path)
    assert frame["currency_amount"].dtype == pd.Int64Dtype()
    assert frame["currency_amount"].tolist()[:5] == [13050, -10875, pd.NA, pd.NA, -13050]
    assert frame["currency"].tolist()[:3] == ["USD", "USD", ""]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "iso8859-15"])
def test_non_breaking_spaces_in_labels_are_kept(tmp_path: Path, encoding: str) -> None:
    rows = sample_rows()
    rows[0]["EcritureLib"] = "Facture\xa0F001 du\xa015/01"
    rows[0]["CompAuxLib"] = "Dupont\xa0SA"
    path = write_fec_text(tmp_path, rows, encoding=encoding)
    assert "\xa0".encode(encoding) in path.read_bytes()
    frame = assert_round_trip(path, tmp_path)
    assert frame.loc[0, "label"] == "Facture\xa0F001 du\xa015/01"
    assert frame.loc[0, "party_name"] == "Dupont\xa0SA"


def test_letters_of_every_account_and_groups_keyed_by_account(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[0].update(EcritureLet="A", DateLet="20240120")
    rows[4].update(EcritureLet="A", DateLet="20240120")
    rows[3].update(EcritureLet="A")  # bank letters reuse the same code
    rows[6].update(EcritureLet="*A")
    frame = assert_round_trip(write_fec_text(tmp_path, rows), tmp_path, row=6, letter="B")
    assert frame["letter"].tolist() == ["A", "", "", "A", "A", "", "*A"]
    assert frame["letter_date"].tolist()[0] == pd.Timestamp("2024-01-20")
    assert pd.isna(frame["letter_date"].tolist()[3])


def test_header_only_gives_an_empty_frame(tmp_path: Path) -> None:
    path = write_fec_text(tmp_path, [])
    frame = read_fec(path)
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 0
    assert frame["amount"].dtype == np.int64
    out = tmp_path / "out.txt"
    assert write_fec(frame, out) == 0
    assert out.read_bytes() == path.read_bytes()


def test_entry_numbers_zero_everywhere(tmp_path: Path) -> None:
    rows = sample_rows()
    for row in rows:
        row["EcritureNum"] = "0"
    frame = read_fec(write_fec_text(tmp_path, rows))
    assert (frame["entry"] == "0").all()
    assert faults(frame).empty  # entries told apart by journal, date and piece


def test_third_party_as_general_account(tmp_path: Path) -> None:
    rows = [line("411DUPONT", "10,00"), line("706000", credit="10,00"),
            line("4011234", credit="5,00", journal="HA", entry="2"),
            line("607000", "5,00", journal="HA", entry="2")]
    frame = assert_round_trip(write_fec_text(tmp_path, rows), tmp_path)
    assert frame["party"].tolist() == ["411DUPONT", "706000", "4011234", "607000"]
    assert frame["party_name"].tolist()[0] == "Compte 411DUPONT"


def test_the_frame_survives_a_deep_copy(tmp_path: Path) -> None:
    path = write_fec_text(tmp_path, sample_rows())
    frame = read_fec(path).copy(deep=True)
    out = tmp_path / "out.txt"
    assert write_fec(frame, out) == 0
    assert out.read_bytes() == path.read_bytes()


# --- 2. fatal faults ---------------------------------------------------------------------

def _raises(path: Path, **kwargs: object) -> FecError:
    with pytest.raises(FecError) as caught:
        read_fec(path, **kwargs)  # type: ignore[arg-type]
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.file == str(path)
    assert str(path) in str(error)
    return error


def test_missing_file(tmp_path: Path) -> None:
    error = _raises(tmp_path / "absent.txt")
    assert "cannot read" in str(error)


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "123456789FEC20241231.txt"
    folder.mkdir()
    _raises(folder)


def test_utf16_file(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(fec_bytes(sample_rows()).decode().encode("utf-16"))
    assert "NUL" in _raises(path).reason


def test_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(fec_bytes(sample_rows()).replace(b"Dupont SA", b"Dupont\x00SA"))
    _raises(path)


def test_forced_wrong_encoding(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[4]["CompAuxLib"] = "Société"
    path = write_fec_text(tmp_path, rows, encoding="iso8859-15")
    error = _raises(path, encoding="utf-8")
    assert error.line == 6
    assert "encoding" in error.reason


def test_unknown_encoding_name(tmp_path: Path) -> None:
    path = write_fec_text(tmp_path, sample_rows())
    assert "unknown encoding" in _raises(path, encoding="no-such-codec").reason


def test_undecodable_windows_1252_byte(tmp_path: Path) -> None:
    # 0x81 is defined neither in Windows-1252 nor (as text) in UTF-8
    data = fec_bytes(sample_rows()).replace(b"Dupont SA", b"Dupont \x81SA", 1)
    path = tmp_path / "f.txt"
    path.write_bytes(data)
    assert _raises(path).line == 2


@pytest.mark.parametrize("data", [b"", b"\n\n", b"  \r\n\t\n", UTF8_BOM, UTF8_BOM + b"\n\n"],
                         ids=["empty", "newlines", "blanks", "bom", "bom-newlines"])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(data)
    assert "header" in _raises(path).reason


def test_no_header_line(tmp_path: Path) -> None:
    data = fec_bytes(sample_rows())
    path = tmp_path / "f.txt"
    path.write_bytes(data.split(b"\n", 1)[1])  # the first line is data
    error = _raises(path)
    assert error.line == 1 and "header" in error.reason


@pytest.mark.parametrize("sep", [";", ",", " "])
def test_unknown_separator(tmp_path: Path, sep: str) -> None:
    path = write_fec_text(tmp_path, sample_rows(), sep=sep)
    error = _raises(path)
    assert error.line == 1 and "separator" in error.reason


def test_unknown_separator_after_blank_lines_names_the_header_line(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"\r\n\r\n" + fec_bytes(sample_rows(), sep=";", eol="\r\n"))
    assert _raises(path).line == 3


@pytest.mark.parametrize(
    ("dropped", "field"),
    [
        (("EcritureDate",), "EcritureDate"),
        (("CompteNum",), "CompteNum"),
        (("EcritureLet",), "EcritureLet"),
        (("DateLet",), "DateLet"),
        (("Debit",), "Debit/Credit (or Montant/Sens)"),
        (("Credit",), "Debit/Credit (or Montant/Sens)"),
        (("EcritureLet", "DateLet"), "EcritureLet, DateLet"),
    ],
)
def test_header_lacking_a_required_field(
    tmp_path: Path, dropped: tuple[str, ...], field: str
) -> None:
    header = [name for name in FIELDS if name not in dropped]
    path = write_fec_text(tmp_path, sample_rows(), header=header)
    error = _raises(path)
    assert (error.line, error.field) == (1, field)


@pytest.mark.parametrize("dropped", ["Montant", "Sens"])
def test_montant_without_sens_and_the_reverse(tmp_path: Path, dropped: str) -> None:
    header = [name for name in MONTANT_SENS_FIELDS if name != dropped]
    path = write_fec_text(tmp_path, [line("411000", "1,00")], header=header)
    assert _raises(path).field == "Debit/Credit (or Montant/Sens)"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        (FIELDS + ("CompteLIB",), "CompteLIB"),
        (FIELDS + ("Debit",), "Debit"),
        (FIELDS + (" ecriturelet ",), " ecriturelet "),
        (FIELDS + ("IdDevise",), "IdDevise"),
    ],
)
def test_field_named_twice(tmp_path: Path, header: tuple[str, ...], field: str) -> None:
    path = write_fec_text(tmp_path, sample_rows(), header=header)
    error = _raises(path)
    assert (error.line, error.field) == (1, field)
    assert "twice" in error.reason


def test_field_named_twice_on_a_header_after_a_bom(tmp_path: Path) -> None:
    path = write_fec_text(tmp_path, sample_rows(), header=FIELDS + ("Credit",), bom=True)
    assert _raises(path).field == "Credit"


@pytest.mark.parametrize(
    ("field", "value"),
    [("EcritureLib", "Facture\tF001"), ("CompteLib", "Clients\tFrance"), ("Idevise", "EUR\tX")],
)
def test_separator_inside_a_value_is_a_wrong_field_count(
    tmp_path: Path, field: str, value: str
) -> None:
    rows = sample_rows()
    rows[3][field] = value  # physical line 5; Idevise empty on the other lines
    path = write_fec_text(tmp_path, rows)
    error = _raises(path)
    assert error.line == 5
    assert "19 fields" in error.reason


def test_a_missing_field_is_a_wrong_field_count(tmp_path: Path) -> None:
    data = fec_bytes(sample_rows(), eol="\r\n")
    lines = split_lines(data)
    lines[2] = lines[2].replace(b"\t", b"", 1)
    path = tmp_path / "f.txt"
    path.write_bytes(b"\r\n".join([b""]) + b"".join(lines))
    error = _raises(path)
    assert error.line == 3 and "17 fields" in error.reason


def test_wrong_field_count_in_a_trailing_separator_file(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[1]["EcritureLib"] = "a|b"
    path = write_fec_text(tmp_path, rows, sep="|", trailing_sep=True, header_trailing_sep=False)
    assert _raises(path).line == 3


def test_wrong_field_count_line_counts_blank_lines_and_crcrlf(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[5]["EcritureLib"] = "a\tb"
    lines = split_lines(fec_bytes(rows, eol="\r\r\n"))
    shaped = lines[:3] + [b"\r\r\n", b"\r\r\n"] + lines[3:]
    path = tmp_path / "f.txt"
    path.write_bytes(b"".join(shaped))
    assert _raises(path).line == 9  # header 1, data 2-3, blanks 4-5, data 6.. -> 7th row is 9


def test_empty_account_number(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[2]["CompteNum"] = "   "
    path = write_fec_text(tmp_path, rows, sep="|")
    error = _raises(path, accounts=None)
    assert (error.line, error.field) == (4, "CompteNum")


@pytest.mark.parametrize("account", ["411000", "401000", "4010001", "411DUPONT"])
@pytest.mark.parametrize(
    ("field", "value"),
    [("Debit", "12x"), ("Credit", "1.234,56"), ("Debit", "12,345"), ("Credit", "--1"),
     ("Debit", "123456789012345678901,00"), ("Credit", "10000000000000000")],  # beyond int64 / 16 digits
)
def test_bad_amount_on_a_third_party_line_is_fatal(
    tmp_path: Path, account: str, field: str, value: str
) -> None:
    rows = sample_rows()
    rows[4].update(CompteNum=account, CompAuxNum="", **{field: value})
    path = write_fec_text(tmp_path, rows)
    error = _raises(path)
    assert (error.line, error.field, error.value) == (6, field, value)
    assert "third-party" in error.reason


def test_bad_amount_on_another_account_is_a_warning(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[5]["Debit"] = "50,OO"  # letter O typed for a zero, on a 607 line
    frame = read_fec(write_fec_text(tmp_path, rows))
    assert frame.loc[5, "amount"] == 0
    bad = faults(frame)[faults(frame)["field"] == "Debit"]
    assert fault_rows(frame, "Debit") == [(7, "Debit", "50,OO")]
    assert bad["data_line"].tolist() == [6]
    assert bad["fatal_on_third_party"].tolist() == [True]
    # the entry then does not balance: that is reported too
    assert (7, "EcritureNum", "HA/3") in fault_rows(frame, "EcritureNum")


@pytest.mark.parametrize(("text", "cents"), [("9999999999999999,99", 10**18 - 1), ("-9999999999999999", -(10**18 - 100)),
                                           ("0000000000000000000012,50", 1250)])
def test_sixteen_digits_of_units_are_read_by_both_parsers(text: str, cents: int) -> None:
    from lettrage.io.fec_values import parse_amount, parse_amounts
    bulk = parse_amounts(pd.Series([text, "1,00"] * 3, dtype=pd.StringDtype("pyarrow")))
    assert parse_amount(text) == (cents, "", False)
    assert bulk.values[0] == cents and not bulk.bad.any()


@pytest.mark.parametrize(("row", "field", "line"), [(3, "Debit", 5), (4, "Credit", 6)])
def test_amounts_that_could_add_up_past_int64_are_refused(tmp_path: Path, row: int, field: str,
                                                          line: int) -> None:
    rows = sample_rows()
    for each in rows:  # each value may be read; all of them together may not be summed exactly
        for name in ("Debit", "Credit"):
            if each[name] not in ("", "0,00"):
                each[name] = "9000000000000000,00"
    rows[row][field] = "9900000000000000,00"  # the largest, named
    error = _raises(write_fec_text(tmp_path, rows))
    assert (error.line, error.field, error.value) == (line, field, "9900000000000000,00")
    assert "too large to add up" in error.reason


def test_the_accounts_option_chooses_what_is_fatal(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[5]["Debit"] = "x"
    path = write_fec_text(tmp_path, rows)
    assert _raises(path, accounts=("6",)).line == 7
    assert _raises(path, accounts=("40", "41", "60")).line == 7
    assert fault_rows(read_fec(path, accounts=None), "Debit") == [(7, "Debit", "x")]
    rows[5]["Debit"] = "50,00"
    rows[0]["Debit"] = "x"
    path = write_fec_text(tmp_path, rows)
    assert fault_rows(read_fec(path, accounts=()), "Debit") == [(2, "Debit", "x")]
    assert fault_rows(read_fec(path, accounts=("512",)), "Debit") == [(2, "Debit", "x")]


@pytest.mark.parametrize("account", ["411000", "607000"])
def test_bad_sens(tmp_path: Path, account: str) -> None:
    rows = [
        {"CompteNum": "411000", "CompAuxNum": "C1", "EcritureDate": "20240115", "Montant": "10,00",
         "Sens": "D", "JournalCode": "VT", "EcritureNum": "1"},
        {"CompteNum": "706000", "EcritureDate": "20240115", "Montant": "10,00", "Sens": "C",
         "JournalCode": "VT", "EcritureNum": "1"},
        {"CompteNum": account, "EcritureDate": "20240115", "Montant": "5,00", "Sens": "X",
         "JournalCode": "OD", "EcritureNum": "2"},
    ]
    path = write_fec_text(tmp_path, rows, header=MONTANT_SENS_FIELDS)
    if account.startswith("41"):
        error = _raises(path)
        assert (error.line, error.field, error.value) == (4, "Sens", "X")
    else:
        frame = read_fec(path)
        assert fault_rows(frame, "Sens") == [(4, "Sens", "X")]
        assert frame.loc[2, "amount"] == 0


@pytest.mark.parametrize("value", ["20240230", "15.01.2024", "", "2024011"])
def test_bad_entry_date_on_a_third_party_line_is_fatal(tmp_path: Path, value: str) -> None:
    rows = sample_rows()
    rows[6]["EcritureDate"] = value
    error = _raises(write_fec_text(tmp_path, rows))
    assert (error.line, error.field, error.value) == (8, "EcritureDate", value)


def test_bad_entry_date_on_another_account_is_a_warning(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[2]["EcritureDate"] = "20240230"
    rows[3]["EcritureDate"] = ""
    frame = read_fec(write_fec_text(tmp_path, rows))
    assert fault_rows(frame, "EcritureDate") == [
        (4, "EcritureDate", "20240230"), (5, "EcritureDate", "")
    ]
    assert frame["date"].isna().tolist() == [False, False, True, True, False, False, False]


def test_amount_error_message_names_file_line_field_and_value(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[0]["Debit"] = "12x"
    path = write_fec_text(tmp_path, rows)
    message = str(_raises(path))
    assert message.startswith(f"{path}:2: ")
    assert "Debit" in message and "'12x'" in message


# --- 2. warnings -------------------------------------------------------------------------

def test_unreadable_letter_date_is_a_warning(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[0].update(EcritureLet="A", DateLet="20241301")
    rows[4].update(EcritureLet="A", DateLet="20240131")
    frame = read_fec(write_fec_text(tmp_path, rows))
    assert fault_rows(frame) == [(2, "DateLet", "20241301")]
    assert pd.isna(frame.loc[0, "letter_date"])
    assert frame.loc[0, "letter"] == "A"
    assert not faults(frame)["fatal_on_third_party"].any()


def test_unreadable_currency_amount_is_a_warning(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[0].update(Montantdevise="12O,00", Idevise="USD")
    frame = read_fec(write_fec_text(tmp_path, rows))
    assert fault_rows(frame) == [(2, "Montantdevise", "12O,00")]
    assert pd.isna(frame.loc[0, "currency_amount"])
    assert frame.loc[0, "amount"] == 12000


def test_unbalanced_entry_is_a_warning(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[2]["Credit"] = "19,99"
    frame = read_fec(write_fec_text(tmp_path, rows))
    assert fault_rows(frame) == [(2, "EcritureNum", "VT/1")]
    assert "0.01" in faults(frame)["message"].iloc[0]
    assert faults(frame)["data_line"].tolist() == [1]


def test_unbalanced_entry_with_entry_numbers_all_zero(tmp_path: Path) -> None:
    rows = sample_rows()
    for row in rows:
        row["EcritureNum"] = "0"
    rows[6]["Credit"] = "49,00"
    frame = read_fec(write_fec_text(tmp_path, rows))
    assert fault_rows(frame) == [(7, "EcritureNum", "HA/0")]


def test_date_after_the_closing_date_of_the_file_name(tmp_path: Path) -> None:
    path = write_fec_text(tmp_path, sample_rows(), name="123456789FEC20240131.txt")
    frame = read_fec(path)
    assert fault_rows(frame) == [(7, "EcritureDate", "20240201"), (8, "EcritureDate", "20240201")]
    assert "2024-01-31" in faults(frame)["message"].iloc[0]
    assert not faults(frame)["fatal_on_third_party"].any()


@pytest.mark.parametrize(
    "name", ["ledger.txt", "123456789FEC20241399.txt", "123456789fec20240131.TXT"]
)
def test_closing_date_only_from_a_valid_file_name(tmp_path: Path, name: str) -> None:
    frame = read_fec(write_fec_text(tmp_path, sample_rows(), name=name))
    late = fault_rows(frame, "EcritureDate")
    assert late == ([(7, "EcritureDate", "20240201"), (8, "EcritureDate", "20240201")]
                    if name.lower().endswith("fec20240131.txt") else [])


def test_dot_decimal_point_is_a_warning(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[3]["Debit"] = "120.00"
    rows[5]["Debit"] = "50.00"
    frame = read_fec(write_fec_text(tmp_path, rows))
    assert frame["amount"].tolist() == SAMPLE_AMOUNTS
    assert fault_rows(frame) == [(5, "Debit", "120.00")]
    table = faults(frame)
    assert "decimal point" in table["message"].iloc[0]
    assert "on 2 line(s) of Debit" in table["message"].iloc[0]
    assert not table["fatal_on_third_party"].any()


def test_dot_decimal_point_in_a_montant_file_names_montant(tmp_path: Path) -> None:
    rows = [
        {"CompteNum": "411000", "EcritureDate": "20240115", "Montant": "10.00", "Sens": "D",
         "JournalCode": "VT", "EcritureNum": "1"},
        {"CompteNum": "706000", "EcritureDate": "20240115", "Montant": "10.00", "Sens": "C",
         "JournalCode": "VT", "EcritureNum": "1"},
    ]
    frame = read_fec(write_fec_text(tmp_path, rows, header=MONTANT_SENS_FIELDS))
    assert frame["amount"].tolist() == [1000, -1000]
    assert fault_rows(frame) == [(2, "Montant", "10.00")]


def test_warnings_count_physical_lines(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[5]["Debit"] = "x"
    lines = split_lines(fec_bytes(rows, eol="\r\n", bom=True))
    shaped = [b"\r\n"] + lines[:2] + [b"\r\n"] + lines[2:]
    path = tmp_path / "f.txt"
    path.write_bytes(b"".join(shaped))
    frame = read_fec(path)
    # blank 1, header 2, data 3, blank 4, data 5.. -> 6th data row on line 9
    assert (9, "Debit", "x") in fault_rows(frame)


def test_faults_frame_columns(tmp_path: Path) -> None:
    frame = read_fec(write_fec_text(tmp_path, sample_rows()))
    assert list(faults(frame).columns) == [
        "file", "line", "data_line", "field", "value", "message", "fatal_on_third_party"
    ]
