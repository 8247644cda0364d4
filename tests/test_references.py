"""Reference folding and the document numbers found in labels."""
from __future__ import annotations

import pytest

from lettrage.references import cited_keys, is_document_key, label_numbers, reference_key


@pytest.mark.parametrize("text", ["FA2025-000123", "fa 2025/123", "FA2025 00123", "FA-2025-000123"])
def test_reference_key_folds_case_separators_and_leading_zeros(text):
    assert reference_key(text) == "FA2025123"


def test_citations_are_runs_of_words():
    keys = cited_keys("VIR SEPA ACME FA2025-000123")
    assert "FA2025123" in keys and "ACME" in keys
    assert "FA202512" not in keys


@pytest.mark.parametrize("label, expected", [
    ("FOOD BIOTIC FA2720", {"FA2720"}),
    ("BOULANGER DISTRIBUTION 058340", {"58340"}),
    ("Facture FA2025-000123", {"FA2025123"}),
    ("LOYER 2022", set()),  # a year
    ("PRLV 20220331", set()),  # a date
    ("BELLORR 10.2022", set()),  # a month
    ("CHB 26 AU 31.10", set()),  # a day and month
    ("ACHATS DIVERS", set()),
])
def test_label_numbers(label, expected):
    assert label_numbers(label) == expected


def test_document_keys_need_digits_and_length():
    assert is_document_key("FA2720")
    assert not is_document_key("VE1")
    assert not is_document_key("RAN")
