"""The reader measures where EcritureLet and DateLet stand on each line; the writer uses those
spans instead of searching the separators. Both ways must find the same bytes."""
from __future__ import annotations

import numpy as np
import pytest
from fec_text import fec_bytes, sample_rows
from hypothesis import HealthCheck, given, settings
from test_fec_fast_path import NAME, REGULAR_LAYOUTS, _fec_files, _varied_rows
from unittest import mock

from lettrage import FecError
from lettrage.io import fec_fields
from lettrage.io.fec_layout import detect_layout
from lettrage.io.fec_reader import _build_frame
from lettrage.io.fec_writer import _field_spans, _measured_spans
from lettrage.ledger import ATTR_LAYOUT


def _assert_spans_found_alike(data: bytes, encoding: str | None = None) -> None:
    try:
        frame = _build_frame(detect_layout(data, NAME, encoding), None)
    except FecError:
        return
    layout = frame.attrs[ATTR_LAYOUT]
    if layout.letter_spans is None:
        return  # read the reference way: the writer searches
    rows = np.arange(len(layout.starts))
    positions = (layout.fields["EcritureLet"], layout.fields["DateLet"])
    searched, measured = _field_spans(layout, rows, positions), _measured_spans(layout, rows)
    for one, other in zip(searched, measured, strict=True):
        np.testing.assert_array_equal(one, other)


@pytest.mark.parametrize("options", REGULAR_LAYOUTS.values(), ids=REGULAR_LAYOUTS.keys())
@pytest.mark.parametrize("halves", [False, True])
def test_regular_layouts_spans_found_alike(options: dict, halves: bool) -> None:
    data = fec_bytes(_varied_rows(), **options)
    with mock.patch.object(fec_fields, "_HALVES_FROM", 0 if halves else 1 << 24):
        frame = _build_frame(detect_layout(data, NAME), None)
        assert frame.attrs[ATTR_LAYOUT].letter_spans is not None
        _assert_spans_found_alike(data)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_fec_files())
def test_generated_files_spans_found_alike(case: tuple[bytes, str | None]) -> None:
    data, encoding = case
    _assert_spans_found_alike(data, encoding)


def test_reference_layouts_have_no_spans() -> None:
    frame = _build_frame(detect_layout(fec_bytes(sample_rows()), NAME), None, fast=False)
    assert frame.attrs[ATTR_LAYOUT].letter_spans is None
