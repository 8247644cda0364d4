"""A large file's data lines cut by two readers, one half each, read as by one reader.

``_HALVES_FROM`` is set to 0 here, so that every small file of the fast-path tests is cut in
two halves; the frame, faults, errors and written bytes must stay those of the reference.
"""
from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from fec_text import UTF8_BOM, fec_bytes, sample_rows
from hypothesis import HealthCheck, given, settings
from test_fec_fast_path import (
    NAME,
    REGULAR_LAYOUTS,
    _fec_files,
    _varied_rows,
    assert_same_outcome,
    fast_path_taken,
)

from lettrage.io import fec_fields
from lettrage.io.fec_layout import detect_layout
from lettrage.ledger import DEFAULT_ACCOUNTS


def _in_halves() -> mock._patch:
    return mock.patch.object(fec_fields, "_HALVES_FROM", 0)


@pytest.mark.parametrize("options", REGULAR_LAYOUTS.values(), ids=REGULAR_LAYOUTS.keys())
def test_regular_layouts_in_halves_agree(tmp_path: Path, options: dict) -> None:
    data = fec_bytes(_varied_rows(), **options)
    with _in_halves():
        assert len(fec_fields._parts(detect_layout(data, NAME))) == 2
        assert fast_path_taken(data)
        assert_same_outcome(data, tmp_path=tmp_path)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_fec_files())
def test_generated_files_in_halves_read_the_same_both_ways(
    case: tuple[bytes, str | None],
) -> None:
    data, encoding = case
    with _in_halves():
        assert_same_outcome(data, encoding=encoding, accounts=None)
        assert_same_outcome(data, encoding=encoding, accounts=DEFAULT_ACCOUNTS)


def test_halves_are_the_data_lines_cut_at_a_line_start() -> None:
    data = fec_bytes(sample_rows(), eol="\r\n")
    layout = detect_layout(data, NAME)
    with _in_halves():
        first, second = fec_fields._parts(layout)
    assert bytes(first) + bytes(second) == data[int(layout.starts[0]):]
    assert int(layout.starts[0]) + len(first) in layout.starts.tolist()


def test_a_bom_opening_the_second_half_keeps_one_piece() -> None:
    rows = sample_rows()
    data = fec_bytes(rows)
    layout = detect_layout(data, NAME)
    middle = int(np.searchsorted(layout.starts, int(layout.starts[0]) + (
        len(data) - int(layout.starts[0])) // 2))
    rows[middle]["JournalCode"] = UTF8_BOM.decode("utf-8") + rows[middle]["JournalCode"]
    data = fec_bytes(rows)
    with _in_halves():
        assert len(fec_fields._parts(detect_layout(data, NAME))) == 1
        assert_same_outcome(data)
