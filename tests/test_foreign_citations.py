"""Mistyped citations of another third party's document (lettrage/foreign_citations.py)."""
from __future__ import annotations

import pandas as pd
import pytest
from scenario import groups_of, run

from lettrage.foreign_citations import near_citations_elsewhere

# Customer ZED owes FA2025-000735; customer ACME owes FA2025-000905 of the same amount. ACME's
# transfer cites ZED's invoice with two letters swapped: posted to the wrong customer.
MISPOSTED = """
    20250407|411000|ZED|FA2025-000735|Facture FA2025-000735|1734,25|
    20250428|411000|ACME|FA2025-000905|Facture FA2025-000905|1734,25|
    20250619|411000|ACME|REL2025-06|VIR ACME REF {cited}||1734,25
"""


@pytest.mark.parametrize("cited", ["AF2025-000735", "FA2025-00735", "FA2025-000735"])
def test_a_payment_citing_another_customers_invoice_is_not_lettered_here(tmp_path, cited):
    # Mistyped (swapped letters, a dropped zero) or exact: either way not ACME's invoice.
    result = run(tmp_path, MISPOSTED.format(cited=cited))
    assert groups_of(result) == set()


def test_a_typo_of_its_own_invoice_still_letters(tmp_path):
    result = run(tmp_path, MISPOSTED.format(cited="AF2025-000905"))
    assert groups_of(result) == {frozenset({2, 3})}


def test_no_citation_at_all_letters_the_equal_amount(tmp_path):
    result = run(tmp_path, MISPOSTED.format(cited="JUIN"))
    assert groups_of(result) == {frozenset({2, 3})}


def _lines(rows):
    return pd.DataFrame(rows, columns=["line", "party_id", "invoice_side", "label"])


def _documents(rows):
    return pd.DataFrame(rows, columns=["line", "key", "party_id"])


NO_CITES = pd.DataFrame({"line": pd.Series(dtype="int64"), "key": pd.Series(dtype=object)})


def test_only_another_parties_document_named_once():
    documents = _documents([(1, "FA2025735", 0), (2, "FA2025905", 1)])
    lines = _lines([(3, 1, False, "VIR REF AF2025-000735"),   # another party's: cites it
                    (4, 1, False, "VIR REF AF2025-000905"),   # its own: left to near_citations
                    (5, 1, True, "FACTURE AF2025-000735"),    # an invoice does not pay
                    (6, 1, False, "VIR 12/06 ACME")])          # nothing alike
    found = near_citations_elsewhere(lines, documents, NO_CITES)
    assert found.values.tolist() == [[3, "FA2025735"]]


def test_two_documents_nearly_named_make_no_citation():
    documents = _documents([(1, "FA2025735", 0), (2, "FB2025735", 2)])
    lines = _lines([(3, 1, False, "VIR REF AF2025-000735")])
    assert near_citations_elsewhere(lines, documents, NO_CITES).empty


def test_a_line_that_already_cites_is_left_alone():
    documents = _documents([(1, "FA2025735", 0)])
    lines = _lines([(3, 1, False, "VIR REF AF2025-000735")])
    cites = pd.DataFrame({"line": [3], "key": ["FA2025999"]})
    assert near_citations_elsewhere(lines, documents, cites).empty


@pytest.mark.parametrize("cited", ["CF103005", "FD103005"])
def test_one_wrong_or_two_swapped_characters_in_the_shortest_key_nearly_cite_it(cited):
    # 8 characters: one edit is a rapidfuzz ratio of 87.5, the threshold (the digits must be
    # the same, for another third party's document).
    documents = _documents([(1, "FC103005", 0)])
    lines = _lines([(3, 1, False, f"REGLEMENT ATELIER {cited}")])
    assert near_citations_elsewhere(lines, documents, NO_CITES).values.tolist() == [[3, "FC103005"]]


def test_two_edits_in_the_shortest_key_are_no_citation():
    documents = _documents([(1, "FC103005", 0)])
    lines = _lines([(3, 1, False, "REGLEMENT ATELIER DE103005")])
    assert near_citations_elsewhere(lines, documents, NO_CITES).empty
