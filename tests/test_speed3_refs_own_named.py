"""Lines whose label holds their own document's key are not searched for near citations
(lettrage/references.py, _citations_and_own): they would find none."""
from __future__ import annotations

import pandas as pd

from lettrage.references import (
    _citations_and_own,
    _Columns,
    citations,
    document_keys,
    document_references,
    near_citations,
)


def _lines() -> pd.DataFrame:
    rows = [  # (line, party, PieceRef, label, invoice side)
        (1, 0, "FA2025-004567", "FACT FA2025-004567", True),  # its own key, near 4568's too
        (2, 0, "FA2025-004568", "FACTURE", True),
        (3, 0, "FA2025-009999", "FACT FA2025-009999 ACME", True),  # its own key only
        (4, 0, "FA25-12", "FACT FA25-12", True),  # its own key, too short to be near
        (5, 0, "VIR1", "VIR FA2025-04576", False),  # nearly 4567 and 4568: neither
        (6, 0, "VIR2", "VIR FA2025-09899", False),  # nearly 9999 only
        (7, 1, "FB2025-000777", "FACT FB2025-000777", True),  # two lines, one label
        (8, 1, "FB2025-000777", "FACT FB2025-000777", True),
        (9, 1, "VIR3", "REGL FB2025-000777", False),  # cites it exactly
    ]
    return pd.DataFrame(rows, columns=["line", "party_id", "piece_ref", "label", "invoice_side"])


def test_the_lines_naming_their_own_document_are_those_with_a_long_key():
    lines = _lines()
    documents = document_keys(lines)
    _, named_own = _citations_and_own(lines, _Columns(lines), documents)
    assert named_own.tolist() == [1, 3, 7, 8]


def test_near_citations_are_the_same_without_searching_them():
    lines = _lines()
    documents = document_keys(lines)
    cites = citations(lines, documents)
    near = near_citations(lines, documents, cites)  # every quiet line searched
    assert near.to_dict("records") == [{"line": 6, "key": "FA20259999"}]
    _, shared = document_references(lines)
    found = shared.loc[shared["near"], ["line", "key"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(found, near.astype({"key": found["key"].dtype}), check_dtype=False)
