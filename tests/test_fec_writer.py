"""The FEC writer: golden output, letters put where they belong, safety, and the real files."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from fec_text import sample_rows, split_lines, write_fec_text

from lettrage import FecError, read_fec
from lettrage.io.fec_writer import write_fec

DATA = Path(__file__).resolve().parent.parent / "datasets" / "fec-neolegal"
DAY = pd.Timestamp("2024-02-29")


def _letter(frame: pd.DataFrame, rows: list[int], letter: str, day: pd.Timestamp | None = DAY
            ) -> pd.DataFrame:
    out = frame.copy()
    out.loc[rows, "letter"] = letter
    out.loc[rows, "letter_date"] = pd.NaT if day is None else day
    return out


def _listing(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


# --- golden output -----------------------------------------------------------------------

GOLDEN_IN = (
    b"JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|"
    b"PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|MontantDevise|"
    b"Idevise|\r\n"
    b"VE  |Ventes|00000001|20240115|41100000|Clients   |C001    |Dupont    |F1  |20240115|"
    b"Facture F1\xa0  |0000000120,00|0000000000,00|    |        |20240115|||\r\n"
    b"VE  |Ventes|00000001|20240115|70600000|Ventes    |        |          |F1  |20240115|"
    b"Facture F1\xa0  |0000000000,00|0000000120,00|    |        |20240115|||\r\n"
    b"\r\n"
    b"BQ  |Banque|00000002|20240120|51200000|Banque    |        |          |R1  |20240120|"
    b"Vir Dupont    |0000000120,00|0000000000,00|AA  |20240120|20240120|||\r\n"
    b"BQ  |Banque|00000002|20240120|41100000|Clients   |C001    |Dupont    |R1  |20240120|"
    b"Vir Dupont    |0000000000,00|0000000120,00|    |        |20240120|||"
)
GOLDEN_OUT = (
    b"JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|"
    b"PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|MontantDevise|"
    b"Idevise|\r\n"
    b"VE  |Ventes|00000001|20240115|41100000|Clients   |C001    |Dupont    |F1  |20240115|"
    b"Facture F1\xa0  |0000000120,00|0000000000,00|A   |20240229|20240115|||\r\n"
    b"VE  |Ventes|00000001|20240115|70600000|Ventes    |        |          |F1  |20240115|"
    b"Facture F1\xa0  |0000000000,00|0000000120,00|    |        |20240115|||\r\n"
    b"\r\n"
    b"BQ  |Banque|00000002|20240120|51200000|Banque    |        |          |R1  |20240120|"
    b"Vir Dupont    |0000000120,00|0000000000,00|    |        |20240120|||\r\n"
    b"BQ  |Banque|00000002|20240120|41100000|Clients   |C001    |Dupont    |R1  |20240120|"
    b"Vir Dupont    |0000000000,00|0000000120,00|A   |20240229|20240120|||"
)


def test_golden_padded_pipe_file(tmp_path: Path) -> None:
    source = tmp_path / "123456789FEC20241231.TXT"
    source.write_bytes(GOLDEN_IN)
    frame = read_fec(source)
    assert frame["amount"].tolist() == [12000, -12000, 12000, -12000]
    assert frame.loc[0, "label"] == "Facture F1"  # padding, NBSP included, stripped
    frame = _letter(frame, [0, 3], "A")
    frame = _letter(frame, [2], "", None)  # the bank letter taken off
    out = tmp_path / "out.TXT"
    assert write_fec(frame, out) == 3
    assert out.read_bytes() == GOLDEN_OUT


def test_nothing_changed_writes_the_same_bytes(tmp_path: Path) -> None:
    source = write_fec_text(tmp_path, sample_rows(), sep="|", eol="\r\n", bom=True)
    out = tmp_path / "out" / "copy.txt"
    out.parent.mkdir()
    assert write_fec(read_fec(source), out) == 0
    assert out.read_bytes() == source.read_bytes()


def test_count_of_changed_lines(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[0].update(EcritureLet="A", DateLet="20240120")
    rows[4].update(EcritureLet="A", DateLet="20240120")
    frame = read_fec(write_fec_text(tmp_path, rows))
    out = tmp_path / "out.txt"
    same = frame.copy()
    same.loc[0, "letter"] = "A"  # the same letter again: not a change
    assert write_fec(same, out) == 0
    date_only = frame.copy()
    date_only.loc[0, "letter_date"] = DAY
    assert write_fec(date_only, out) == 1
    lines = split_lines(out.read_bytes())
    assert b"\tA\t20240229\t" in lines[1] and b"\tA\t20240120\t" in lines[5]
    assert write_fec(_letter(frame, [0, 4, 6], "B"), out) == 3


def test_changes_made_in_place_on_the_frame_read_are_written(tmp_path: Path) -> None:
    """No copy first: the writer's memory of the file must not be a view of the columns."""
    rows = sample_rows()
    rows[0].update(EcritureLet="A", DateLet="20240120")
    source = write_fec_text(tmp_path, rows)
    frame = read_fec(source)
    frame.loc[0, "letter_date"] = DAY
    frame.loc[6, "letter"] = "B"
    frame.loc[6, "letter_date"] = DAY
    out = tmp_path / "out.txt"
    assert write_fec(frame, out) == 2
    again = read_fec(out)
    assert again["letter"].tolist() == ["A", "", "", "", "", "", "B"]
    assert again["letter_date"].tolist()[0] == again["letter_date"].tolist()[6] == DAY

    whole = read_fec(source)
    whole["letter"] = "Z"
    whole["letter_date"] = DAY
    assert write_fec(whole, out) == 7
    assert (read_fec(out)["letter"] == "Z").all()


def test_a_full_padded_field_keeps_the_column_width(tmp_path: Path) -> None:
    """A 2-wide letter column: 'AA' shows no padding, yet blanking it must give two spaces."""
    rows = sample_rows()
    for index in (0, 4):
        rows[index].update(EcritureLet="AA", DateLet="20240120")
    source = write_fec_text(tmp_path, rows, sep="|", pad={"EcritureLet": 2, "DateLet": 8})
    assert b"|AA|20240120|" in source.read_bytes() and b"|  |        |" in source.read_bytes()
    frame = read_fec(source)
    frame = _letter(frame, [0], "", None)
    frame = _letter(frame, [4], "B")
    out = tmp_path / "out.txt"
    assert write_fec(frame, out) == 2
    old_lines, new_lines = split_lines(source.read_bytes()), split_lines(out.read_bytes())
    assert [len(raw) for raw in new_lines] == [len(raw) for raw in old_lines]
    assert b"|  |        |" in new_lines[1] and b"|B |20240229|" in new_lines[5]


def test_letter_date_only_changed_leaves_the_letter_bytes(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[0].update(EcritureLet=" A ", DateLet="")  # an oddly padded letter, kept as it is
    source = write_fec_text(tmp_path, rows)
    frame = read_fec(source)
    frame.loc[0, "letter_date"] = DAY
    out = tmp_path / "out.txt"
    assert write_fec(frame, out) == 1
    assert out.read_bytes() == source.read_bytes().replace(b"\t A \t\t", b"\t A \t20240229\t")


def test_a_sorted_frame_writes_each_letter_on_its_own_line(tmp_path: Path) -> None:
    source = write_fec_text(tmp_path, sample_rows())
    frame = read_fec(source)
    expected = tmp_path / "expected.txt"
    write_fec(_letter(frame, [0, 4], "A"), expected)

    shuffled = frame.sort_values(["account", "line"], ascending=[True, False])
    shuffled = shuffled.reset_index(drop=True)
    third_party = shuffled["party"] == "C001"
    shuffled.loc[third_party, "letter"] = "A"
    shuffled.loc[third_party, "letter_date"] = DAY
    out = tmp_path / "out.txt"
    assert write_fec(shuffled, out) == 2
    assert out.read_bytes() == expected.read_bytes()


def test_a_frame_whose_line_numbers_do_not_match_is_refused(tmp_path: Path) -> None:
    source = write_fec_text(tmp_path, sample_rows())
    frame = read_fec(source)
    frame.loc[1, "line"] = 1
    with pytest.raises(ValueError, match="line numbers"):
        write_fec(frame, tmp_path / "out.txt")
    assert not (tmp_path / "out.txt").exists()


def test_a_result_like_object_is_accepted(tmp_path: Path) -> None:
    source = write_fec_text(tmp_path, sample_rows())
    ledger = read_fec(source)
    lines = pd.DataFrame({"line": ledger["line"], "letter": ledger["letter"],
                          "letter_date": ledger["letter_date"]})
    lines.loc[[0, 4], "letter"] = "A"
    result = SimpleNamespace(lines=lines, ledger=ledger)
    out = tmp_path / "out.txt"
    assert write_fec(result, out) == 2
    again = read_fec(out)
    assert again["letter"].tolist() == ["A", "", "", "", "A", "", ""]
    assert again["letter_date"].isna().all()


def test_what_is_not_a_read_ledger_is_refused(tmp_path: Path) -> None:
    frame = read_fec(write_fec_text(tmp_path, sample_rows()))
    stripped = frame.copy()
    stripped.attrs = {}
    with pytest.raises(TypeError):
        write_fec(stripped, tmp_path / "a.txt")
    with pytest.raises(TypeError):
        write_fec("not a frame", tmp_path / "b.txt")
    with pytest.raises(ValueError, match="one row per line"):
        write_fec(frame.iloc[:3], tmp_path / "c.txt")
    assert _listing(tmp_path) == ["123456789FEC20241231.txt"]


# --- letters the file cannot hold ----------------------------------------------------------

@pytest.mark.parametrize(("sep", "letter"), [("\t", "A\tB"), ("|", "A|B"), ("\t", "A\nB"),
                                             ("|", "A\rB")])
def test_a_letter_that_would_break_the_line_is_refused(tmp_path: Path, sep: str, letter: str
                                                       ) -> None:
    source = write_fec_text(tmp_path, sample_rows(), sep=sep)
    frame = _letter(read_fec(source), [4], letter)
    with pytest.raises(FecError) as caught:
        write_fec(frame, tmp_path / "out.txt")
    assert (caught.value.line, caught.value.field) == (6, "EcritureLet")
    assert _listing(tmp_path) == [source.name]


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [("utf-8", False, "É".encode()), ("utf-8", True, "É".encode()),
     ("iso8859-15", False, b"\xc9"), ("cp1252", False, b"\xc9")],
)
def test_a_letter_is_written_in_the_file_encoding(
    tmp_path: Path, encoding: str, bom: bool, expected: bytes
) -> None:
    rows = sample_rows()
    rows[1]["EcritureLib"] = "Société €"  # makes the encoding detectable (cp1252: 0x80)
    source = write_fec_text(tmp_path, rows, encoding=encoding, bom=bom)
    out = tmp_path / "out.txt"
    assert write_fec(_letter(read_fec(source), [0], "É"), out) == 1
    data = out.read_bytes()
    assert data.count(b"\xef\xbb\xbf") == int(bom)
    assert split_lines(data)[1].split(b"\t")[13] == expected
    assert read_fec(out).loc[0, "letter"] == "É"


def test_a_letter_the_encoding_cannot_hold_is_refused(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[1]["EcritureLib"] = "Société"
    source = write_fec_text(tmp_path, rows, encoding="iso8859-15")
    frame = _letter(read_fec(source), [0], "Ω")
    with pytest.raises(FecError) as caught:
        write_fec(frame, tmp_path / "out.txt")
    assert (caught.value.line, caught.value.field, caught.value.value) == (2, "EcritureLet", "Ω")
    assert _listing(tmp_path) == [source.name]


# --- safety ----------------------------------------------------------------------------------

@pytest.fixture()
def ledger(tmp_path: Path) -> pd.DataFrame:
    (tmp_path / "in").mkdir()
    source = write_fec_text(tmp_path / "in", sample_rows())
    return _letter(read_fec(source), [0, 4], "A")


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_write_creates_no_output(
    tmp_path: Path, ledger: pd.DataFrame, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(FecError, match="cannot write the output") as caught:
        write_fec(ledger, out_dir / "lettered.txt")
    assert caught.value.file == str(out_dir / "lettered.txt")
    assert _listing(out_dir) == []


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_write_keeps_the_previous_output(
    tmp_path: Path, ledger: pd.DataFrame, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    out = tmp_path / "lettered.txt"
    out.write_bytes(b"previous output")

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(FecError):
        write_fec(ledger, out)
    assert out.read_bytes() == b"previous output"
    assert _listing(tmp_path) == ["in", "lettered.txt"]


def test_an_interrupt_while_writing_leaves_no_temporary_file(
    tmp_path: Path, ledger: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_fec(ledger, tmp_path / "lettered.txt")
    assert _listing(tmp_path) == ["in"]


def test_a_missing_output_directory(tmp_path: Path, ledger: pd.DataFrame) -> None:
    with pytest.raises(FecError, match="cannot write the output"):
        write_fec(ledger, tmp_path / "nowhere" / "lettered.txt")
    assert _listing(tmp_path) == ["in"]


def test_an_output_that_is_a_directory(tmp_path: Path, ledger: pd.DataFrame) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(FecError):
        write_fec(ledger, tmp_path / "taken")
    assert (tmp_path / "taken").is_dir()
    assert _listing(tmp_path) == ["in", "taken"]


def test_the_output_replaces_a_previous_one(tmp_path: Path, ledger: pd.DataFrame) -> None:
    out = tmp_path / "lettered.txt"
    out.write_bytes(b"old")
    assert write_fec(ledger, out) == 2
    assert read_fec(out)["letter"].tolist()[:5] == ["A", "", "", "", "A"]
    assert _listing(tmp_path) == ["in", "lettered.txt"]


def test_a_relative_output_path(tmp_path: Path, ledger: pd.DataFrame,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert write_fec(ledger, "lettered.txt") == 2
    assert _listing(tmp_path) == ["in", "lettered.txt"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_the_output_gets_the_usual_file_mode(tmp_path: Path, ledger: pd.DataFrame) -> None:
    previous = os.umask(0o022)
    try:
        write_fec(ledger, tmp_path / "lettered.txt")
    finally:
        os.umask(previous)
    assert (tmp_path / "lettered.txt").stat().st_mode & 0o777 == 0o644


def _overwrite_attempts(source: Path, tmp_path: Path) -> list[Path | str]:
    link = tmp_path / "link.txt"
    link.symlink_to(source)
    return [source, str(source), source.parent / ".." / source.parent.name / source.name, link]


def test_refuses_to_overwrite_the_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "in").mkdir()
    source = write_fec_text(tmp_path / "in", sample_rows())
    original = source.read_bytes()
    frame = _letter(read_fec(source), [0, 4], "A")
    for target in _overwrite_attempts(source, tmp_path):
        with pytest.raises(FecError, match="overwrite the input"):
            write_fec(frame, target)
    monkeypatch.chdir(source.parent)
    with pytest.raises(FecError, match="overwrite the input"):
        write_fec(frame, source.name)
    assert source.read_bytes() == original
    assert _listing(source.parent) == [source.name]


def test_refuses_to_overwrite_an_input_read_through_a_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_fec_text(tmp_path, sample_rows())
    original = source.read_bytes()
    monkeypatch.chdir(tmp_path)
    frame = _letter(read_fec(source.name), [0], "A")
    with pytest.raises(FecError, match="overwrite the input"):
        write_fec(frame, tmp_path / source.name)
    assert source.read_bytes() == original


# --- the real files ----------------------------------------------------------------------

REAL = {
    "0000000001FEC20220831.txt": 5422,
    "000000000FEC20231231.txt": 2102,
    "111111111FEC20221231.TXT": 934,
    "123456789FEC20500930.txt": 10756,
}


def _real_path(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


@pytest.fixture(scope="module", params=sorted(REAL))
def real(request: pytest.FixtureRequest) -> tuple[Path, pd.DataFrame]:
    path = _real_path(request.param)
    return path, read_fec(path)


def test_real_file_reads_and_writes_back_byte_for_byte(
    real: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    path, frame = real
    assert len(frame) == REAL[path.name]
    assert frame["amount"].dtype == np.int64
    assert (frame["account"] != "").all()
    assert frame["date"].notna().all()
    out = tmp_path / path.name
    assert write_fec(frame, out) == 0
    assert out.read_bytes() == path.read_bytes()


def test_real_file_with_third_party_letters_blanked(
    real: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    path, frame = real
    third_party = frame["account"].str.startswith(("40", "41")).to_numpy()
    lettered = third_party & ((frame["letter"] != "") | frame["letter_date"].notna()).to_numpy()
    assert lettered.any()
    blanked = frame.copy()
    blanked.loc[third_party, "letter"] = ""
    blanked.loc[third_party, "letter_date"] = pd.NaT
    out = tmp_path / path.name
    assert write_fec(blanked, out) == int(lettered.sum())

    again = read_fec(out)
    others = [name for name in frame.columns if name not in ("letter", "letter_date")]
    pd.testing.assert_frame_equal(again[others], frame[others])
    assert (again["letter"][third_party] == "").all()
    assert again["letter_date"][third_party].isna().all()
    pd.testing.assert_series_equal(again["letter"][~third_party], frame["letter"][~third_party])
    pd.testing.assert_series_equal(again["letter_date"][~third_party],
                                   frame["letter_date"][~third_party])
    pd.testing.assert_frame_equal(again.attrs["lettrage.faults"].drop(columns="file"),
                                  frame.attrs["lettrage.faults"].drop(columns="file"))

    # only the lettered third-party lines differ, and on them only EcritureLet / DateLet
    old_lines, new_lines = split_lines(path.read_bytes()), split_lines(out.read_bytes())
    assert len(new_lines) == len(old_lines)
    differing = [i for i, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b]
    assert len(differing) == int(lettered.sum())
    sep = b"|" if path.suffix == ".TXT" else b"\t"
    for index in differing[:50]:
        a, b = old_lines[index].split(sep), new_lines[index].split(sep)
        assert [x for i, x in enumerate(a) if i not in (13, 14)] == [
            x for i, x in enumerate(b) if i not in (13, 14)
        ]


def test_real_files_keep_their_other_letters(tmp_path: Path) -> None:
    kept: dict[str, int] = {}
    for name, prefix in (("0000000001FEC20220831.txt", "51"), ("123456789FEC20500930.txt", "467")):
        frame = read_fec(_real_path(name))
        blanked = frame.copy()
        third_party = frame["account"].str.startswith(("40", "41"))
        blanked.loc[third_party, "letter"] = ""
        blanked.loc[third_party, "letter_date"] = pd.NaT
        write_fec(blanked, tmp_path / name)
        again = read_fec(tmp_path / name)
        mask = frame["account"].str.startswith(prefix) & (frame["letter"] != "")
        kept[prefix] = int(mask.sum())
        assert again.loc[mask, "letter"].tolist() == frame.loc[mask, "letter"].tolist()
    assert kept["51"] > 400 and kept["467"] > 500


def test_real_padded_pipe_file_keeps_its_widths(tmp_path: Path) -> None:
    path = _real_path("111111111FEC20221231.TXT")
    frame = read_fec(path)
    assert frame.attrs["lettrage.layout"].separator == b"|"
    assert frame.loc[0, "amount"] == -6960  # 0000000069,60 on the credit side
    blanked = frame.assign(letter="", letter_date=pd.NaT)
    out = tmp_path / path.name
    assert write_fec(blanked, out) == int((frame["letter"] != "").sum())
    data = out.read_bytes()
    assert len(data) == len(path.read_bytes())  # letters and dates blanked to spaces
    assert [len(raw) for raw in split_lines(data)] == [
        len(raw) for raw in split_lines(path.read_bytes())
    ]
    assert (read_fec(out)["letter"] == "").all()


def test_real_crcrlf_file_keeps_its_line_ends(tmp_path: Path) -> None:
    path = _real_path("123456789FEC20500930.txt")
    frame = read_fec(path)
    lettered = frame["letter"] != ""
    frame.loc[lettered, "letter"] = frame.loc[lettered, "letter"] + "Z"
    out = tmp_path / path.name
    assert write_fec(frame, out) == int(lettered.sum())
    original, data = path.read_bytes(), out.read_bytes()
    assert data.count(b"\r\r\n") == original.count(b"\r\r\n") >= REAL[path.name]
    assert data.count(b"\n") == original.count(b"\n")
    assert read_fec(out)["letter"][lettered].str.endswith("Z").all()
