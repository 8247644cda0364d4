"""Keys held by other parts (lettrage/references.py, _held_elsewhere): found by hash, then
proved by the strings. With every hash alike (each key a candidate), the documents joined
from parts are still those of the whole ledger."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lettrage import reference_text
from lettrage.parallel_references import _parts
from lettrage.references import ReferencesOfParties, document_keys, documents_of_parts
from tests.test_speed2_refs_documents import _lines


@pytest.mark.parametrize("collide", [False, True])
def test_documents_of_parts_with_colliding_hashes(monkeypatch, collide):
    lines = _lines()
    expected = document_keys(lines)
    if collide:
        monkeypatch.setattr(reference_text, "_string_hashes",
                            lambda strings: np.zeros(len(strings), dtype=np.uint64))
    for count in (2, 3):
        rows = _parts(lines["party_id"].to_numpy(), count)
        owns = [ReferencesOfParties(lines.iloc[r]).own_keys() for r in rows]
        pd.testing.assert_frame_equal(documents_of_parts(lines, owns), expected)
