"""Reference folding and the document numbers found in labels."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.references import (
    citations,
    cited_keys,
    cited_numbers,
    document_keys,
    document_number,
    is_document_key,
    label_numbers,
    near_citations,
    pair_evidence,
    reference_key,
)


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


@pytest.mark.parametrize("reference", ["08/2022", "10.2022", "2022-09", "12 2021"])
def test_a_month_of_a_year_names_no_document(reference):
    assert not is_document_key(reference_key(reference))


@pytest.mark.parametrize("reference", ["82023X", "132022", "220323", "FA082022"])
def test_numbers_that_are_no_month_still_name_documents(reference):
    assert is_document_key(reference_key(reference))


def test_a_label_naming_a_month_cites_no_document_filed_under_that_month():
    # A supplier's statement filed under PieceRef 08/2022; another supplier's invoice of the
    # same month, labelled "IGOR 08.2022", does not cite it.
    lines = _lines([
        (1, 0, "08/2022", "CHB", True),
        (2, 1, "ACH430", "IGOR 08.2022", True),
    ])
    documents = document_keys(lines)
    assert "82022" not in set(documents["key"])
    assert citations(lines, documents).empty


@pytest.mark.parametrize("reference, number", [
    ("FA2025-000123", "123"), ("F0001234", "1234"), ("INV-2025-01234", "1234"),
    ("FA  220099", "220099"), ("AV2025-000012", ""),  # too short to name a document
    ("LOYER 2022", ""),  # a year
])
def test_document_number_is_the_last_digit_run(reference, number):
    assert document_number(reference) == number


@pytest.mark.parametrize("label, numbers", [
    ("REGL FACT 123", {"123"}),
    ("VIR SEPA ACME FA2025-000123", {"123"}),
    ("FA2025 00123", {"123"}),
    ("JEAN STALAVEN 227.43", set()),  # an amount
    ("ECHEANCE 1/3 FA 12", set()),  # too short
    ("PRLV 31.10.2022", set()),  # a date
])
def test_cited_numbers(label, numbers):
    assert cited_numbers(label) == numbers


def _lines(rows):
    return pd.DataFrame(rows, columns=["line", "party_id", "piece_ref", "label", "invoice_side"])


def test_a_short_number_cites_a_document_of_the_same_third_party_only():
    lines = _lines([
        (1, 0, "FA2025-000123", "FACTURE ACME", True),
        (2, 0, "BQ1", "REGL FACT 123", False),
        (3, 1, "BQ2", "REGL FACT 123", False),  # another customer: the number names nothing
    ])
    cites = citations(lines, document_keys(lines))
    assert cites.to_dict("records") == [{"line": 2, "key": "FA2025123"}]


def test_a_document_does_not_cite_another_document_named_by_its_own_number():
    # A customer's invoice FA 220323, and a supplier's refund filed under 0220323: the
    # invoice's PieceRef holds the key 220323, but it is the invoice's own number.
    lines = _lines([
        (1, 0, "FA  220323", "SAS PROSOL", True),
        (2, 1, "0220323", "VIR FAURE RMBT FA20220323", False),
        (3, 0, "BQ1", "VIR 220323", False),  # a real citation of the invoice, by its number
    ])
    documents = document_keys(lines)
    assert set(documents["key"]) == {"FA220323", "220323"}
    cites = citations(lines, documents)
    assert sorted(zip(cites["line"], cites["key"])) == [(3, "220323"), (3, "FA220323")]


def test_a_number_two_documents_share_names_neither():
    lines = _lines([
        (1, 0, "FA2025-000123", "FACTURE", True),
        (2, 0, "FC2025-000123", "FACTURE", True),
        (3, 0, "BQ1", "REGL 123", False),
    ])
    assert citations(lines, document_keys(lines)).empty


def test_a_mistyped_reference_nearly_cites_the_one_document_it_resembles():
    lines = _lines([
        (1, 0, "FA2025-004567", "FACTURE", True),
        (2, 0, "FA2025-009999", "FACTURE", True),
        (3, 0, "VIR1", "VIR ZETA FA2025-04576", False),  # two digits swapped
        (4, 0, "VIR2", "VIR ZETA FA2025-0045", False),  # too short to be 4567
        (5, 0, "VIR3", "VIR ZETA FA2025-004567", False),  # exact: not a near citation
        (6, 1, "VIR4", "VIR ZETA FA2025-04576", False),  # another third party
    ])
    documents = document_keys(lines)
    cites = citations(lines, documents)
    near = near_citations(lines, documents, cites)
    assert near.to_dict("records") == [{"line": 3, "key": "FA20254567"}]


def test_a_reference_near_two_documents_cites_neither():
    lines = _lines([
        (1, 0, "FA2025-004567", "FACTURE", True),
        (2, 0, "FA2025-004568", "FACTURE", True),
        (3, 0, "VIR1", "VIR FA2025-004569", False),
    ])
    documents = document_keys(lines)
    assert near_citations(lines, documents, citations(lines, documents)).empty


def test_a_near_citation_contradicts_other_pairs_but_never_agrees():
    documents = pd.DataFrame({"line": [1, 2], "key": ["FA20254567", "FA20259999"]})
    cites = pd.DataFrame({"line": [3], "key": ["FA20254567"], "near": [True]})
    pairs = pd.DataFrame({"a": [1, 2], "b": [3, 3]})
    agree, contradict = pair_evidence(pairs, documents, cites)
    assert agree.tolist() == [False, False]
    assert contradict.tolist() == [False, True]


def _slow_pair_evidence(pairs, documents, cites):
    """The merge-based twin of :func:`pair_evidence`: the oracle of the fast one."""
    size = len(pairs)
    if pairs.empty or cites.empty:
        return np.zeros(size, dtype=bool), np.zeros(size, dtype=bool)
    indexed = pairs[["a", "b"]].reset_index(drop=True).rename_axis("pair").reset_index()
    cited = cites[["line", "key"]].assign(_near=cites["near"].to_numpy(dtype=bool))
    agree, named = np.zeros(size, dtype=bool), np.zeros(size, dtype=bool)
    for citer, other in (("a", "b"), ("b", "a")):
        hits = indexed.merge(cited, left_on=citer, right_on="line").merge(
            documents[["line", "key"]], left_on=[other, "key"], right_on=["line", "key"])
        named[hits["pair"].to_numpy()] = True
        agree[hits.loc[~hits["_near"].to_numpy(dtype=bool), "pair"].to_numpy()] = True
    citing_lines = set(cites["line"].tolist())
    citing = indexed["a"].isin(citing_lines).to_numpy() | indexed["b"].isin(citing_lines).to_numpy()
    return agree, citing & ~named


_LINES = st.integers(min_value=0, max_value=9)
_KEYS = st.sampled_from(["FA20251", "FA20252", "FA20253", "AV20254"])


@settings(max_examples=300, deadline=None)
@given(
    pairs=st.lists(st.tuples(_LINES, _LINES), max_size=12),
    documents=st.lists(st.tuples(_LINES, _KEYS), max_size=8),
    cites=st.lists(st.tuples(_LINES, _KEYS, st.booleans()), max_size=8),
    shift=st.sampled_from([0, 10**10]),
)
def test_pair_evidence_matches_its_slow_twin(pairs, documents, cites, shift):
    # ``shift``: line numbers too large for two to share one 64-bit code.
    pairs = pd.DataFrame(pairs, columns=["a", "b"], dtype="int64") + shift
    documents = pd.DataFrame(documents, columns=["line", "key"]).astype({"line": "int64"})
    documents["line"] += shift
    cites = pd.DataFrame(cites, columns=["line", "key", "near"]).astype({"line": "int64", "near": bool})
    cites["line"] += shift
    fast = pair_evidence(pairs, documents, cites)
    slow = _slow_pair_evidence(pairs, documents, cites)
    assert fast[0].tolist() == slow[0].tolist()
    assert fast[1].tolist() == slow[1].tolist()
