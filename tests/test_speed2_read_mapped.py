"""read_fec maps the file read-only instead of copying it: same frame, faults and errors as
from the file's bytes in memory, and the frame still pickles and writes back."""
from __future__ import annotations

import mmap
import pickle
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fec_text import fec_bytes, sample_rows
from hypothesis import HealthCheck, given, settings
from test_fec_fast_path import REGULAR_LAYOUTS, _fec_files, _varied_rows

from lettrage import FecError, read_fec, write_fec
from lettrage.io.fec_layout import _is_ascii, detect_layout, opens_with
from lettrage.io.fec_reader import _build_frame
from lettrage.ledger import ATTR_DATE_FORMAT, ATTR_FAULTS, ATTR_LAYOUT, DEFAULT_ACCOUNTS

NAME = "123456789FEC20241231.txt"


def _outcome_of_bytes(data: bytes, path: Path, encoding: str | None,
                      accounts: tuple[str, ...] | None) -> pd.DataFrame | tuple:
    try:
        return _build_frame(detect_layout(data, str(path), encoding), accounts)
    except FecError as error:
        return ("FecError", str(error), error.line, error.field, error.value)
    except ValueError as error:  # what a wrong forced encoding may raise, both ways
        return (type(error).__name__, str(error))


def _outcome_of_file(path: Path, encoding: str | None,
                     accounts: tuple[str, ...] | None) -> pd.DataFrame | tuple:
    try:
        return read_fec(path, encoding=encoding, accounts=accounts)
    except FecError as error:
        return ("FecError", str(error), error.line, error.field, error.value)
    except ValueError as error:  # what a wrong forced encoding may raise, both ways
        return (type(error).__name__, str(error))


def _assert_same(data: bytes, directory: Path, encoding: str | None = None,
                 accounts: tuple[str, ...] | None = DEFAULT_ACCOUNTS) -> None:
    path = directory / NAME
    path.write_bytes(data)
    mapped = _outcome_of_file(path, encoding, accounts)
    held = _outcome_of_bytes(data, path, encoding, accounts)
    if isinstance(mapped, tuple) or isinstance(held, tuple):
        assert mapped == held
        return
    pd.testing.assert_frame_equal(mapped, held, check_exact=True)
    pd.testing.assert_frame_equal(mapped.attrs[ATTR_FAULTS], held.attrs[ATTR_FAULTS])
    assert mapped.attrs[ATTR_DATE_FORMAT] == held.attrs[ATTR_DATE_FORMAT]
    assert bytes(mapped.attrs[ATTR_LAYOUT].data) == data


@pytest.mark.parametrize("options", REGULAR_LAYOUTS.values(), ids=REGULAR_LAYOUTS.keys())
def test_regular_layouts_mapped_as_held(tmp_path: Path, options: dict) -> None:
    _assert_same(fec_bytes(_varied_rows(), **options), tmp_path)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_fec_files())
def test_generated_files_mapped_as_held(case: tuple[bytes, str | None]) -> None:
    data, encoding = case
    with tempfile.TemporaryDirectory() as directory:
        _assert_same(data, Path(directory), encoding, accounts=None)


@pytest.mark.parametrize("data", [b"", b"  \n", b"\xff\xfeJ\x00", b"JournalCode\n"])
def test_small_and_bad_files_fail_the_same(tmp_path: Path, data: bytes) -> None:
    _assert_same(data, tmp_path)


def test_a_forced_encoding_the_reader_checks_whole(tmp_path: Path) -> None:
    _assert_same(fec_bytes(sample_rows()), tmp_path, encoding="utf-16")
    _assert_same(fec_bytes(sample_rows()), tmp_path, encoding="cp850")


def test_the_file_is_mapped_and_the_frame_pickles(tmp_path: Path) -> None:
    data = fec_bytes(_varied_rows())
    path = tmp_path / NAME
    path.write_bytes(data)
    frame = read_fec(path, accounts=None)
    assert isinstance(frame.attrs[ATTR_LAYOUT].data, mmap.mmap)
    copy = pickle.loads(pickle.dumps(frame))
    assert copy.attrs[ATTR_LAYOUT].data == data
    np.testing.assert_array_equal(copy.attrs[ATTR_LAYOUT].starts, frame.attrs[ATTR_LAYOUT].starts)
    copy["letter"] = "QZ"
    frame["letter"] = "QZ"
    write_fec(copy, tmp_path / "from-copy.txt")
    write_fec(frame, tmp_path / "from-frame.txt")
    assert (tmp_path / "from-copy.txt").read_bytes() == (tmp_path / "from-frame.txt").read_bytes()


@pytest.mark.parametrize("data", [b"", b"abc", b"ab\xe9", b"\xef\xbb\xbfx", b"\x80" * 9])
def test_helpers_on_a_mapped_file_as_on_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bytes"
    path.write_bytes(data + b"x")  # a file of zero bytes cannot be mapped
    with path.open("rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    held = data + b"x"
    assert _is_ascii(mapped) == held.isascii()
    for at in range(len(held) + 1):
        assert opens_with(mapped, b"\xef\xbb\xbf", at) == held.startswith(b"\xef\xbb\xbf", at)


def _lettered_sample(tmp_path: Path) -> tuple[Path, object]:
    """A sample FEC on disk, read (mapped) and lettered."""
    import lettrage

    path = tmp_path / NAME
    path.write_bytes(fec_bytes(sample_rows()))
    result = lettrage.match(read_fec(path))
    assert (result.lines["letter"] != "").any()
    return path, result


def _rewrite_in_place(path: Path, data: bytes) -> None:
    """Overwrite the file's content without replacing the file (the same inode)."""
    with path.open("r+b") as handle:
        handle.truncate(0)
        handle.write(data)


@pytest.mark.parametrize("change", ["same size", "shorter", "empty"])
def test_an_input_changed_in_place_is_refused_not_read(tmp_path: Path, change: str) -> None:
    path, result = _lettered_sample(tmp_path)
    data = path.read_bytes()
    changed = {"same size": data.replace(b"Dupont", b"Durand"), "shorter": data[: len(data) // 2],
               "empty": b""}[change]
    _rewrite_in_place(path, changed)
    out = tmp_path / "lettered.txt"
    with pytest.raises(FecError, match="changed while lettrage used it") as raised:
        write_fec(result, out)
    assert raised.value.file == str(path)
    assert not out.exists()


@pytest.mark.parametrize("change", ["replaced", "deleted"])
def test_an_input_replaced_or_deleted_still_writes_what_was_read(tmp_path: Path, change: str) -> None:
    path, result = _lettered_sample(tmp_path)
    expected = tmp_path / "expected.txt"
    write_fec(result, expected)
    if change == "replaced":
        other = tmp_path / "other.txt"
        other.write_bytes(b"not a FEC at all\n")
        other.replace(path)  # a rename: the mapping keeps the file read
    else:
        path.unlink()
    out = tmp_path / "lettered.txt"
    write_fec(result, out)
    assert out.read_bytes() == expected.read_bytes()
