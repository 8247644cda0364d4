"""Documents joined from parts (lettrage/references.py, _PartDocuments): a key two parts hold
names no document, and a number shared by two keys of a third party names neither."""
from __future__ import annotations

import pandas as pd

from lettrage.parallel_references import _parts
from lettrage.references import ReferencesOfParties, document_keys, documents_of_parts


def _lines() -> pd.DataFrame:
    rows = [  # (party, invoice side, PieceRef, label)
        (0, True, "FA2025-0001", "FACTURE A"),
        (0, True, "FA2025-0002", "FACTURE B"),
        (0, True, "FB2026-0002", "FACTURE B BIS"),  # number 2... too short: no number
        (0, True, "FA2025-00123", "FACTURE C"),
        (0, True, "FB2026-00123", "FACTURE C BIS"),  # number 123 twice in party 0
        (1, True, "FA2025-0001", "FACTURE COPIEE"),  # the key of party 0's first line
        (1, True, "FC2025-00777", "FACTURE D"),
        (2, False, "VIR 99", "REGL FA2025-00777"),
        (2, True, "FD2025-00555", "FACTURE E"),
    ]
    return pd.DataFrame({
        "line": range(10, 10 + len(rows)),
        "party_id": [row[0] for row in rows],
        "invoice_side": [row[1] for row in rows],
        "piece_ref": pd.array([row[2] for row in rows], dtype="str"),
        "invoice_number": pd.array([""] * len(rows), dtype="str"),
        "label": pd.array([row[3] for row in rows], dtype="str"),
    })


def test_documents_of_parts_are_those_of_the_whole():
    lines = _lines()
    expected = document_keys(lines)
    assert "FA20251" not in set(expected["key"])  # two third parties
    assert set(expected.loc[expected["key"].isin(["FA2025123", "FB2026123"]), "number"]) == {""}
    assert "FC2025777" in set(expected["key"])
    for count in (2, 3):
        rows = _parts(lines["party_id"].to_numpy(), count)
        owns = [ReferencesOfParties(lines.iloc[r]).own_keys() for r in rows]
        pd.testing.assert_frame_equal(documents_of_parts(lines, owns), expected)
