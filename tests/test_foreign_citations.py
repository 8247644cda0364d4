"""Mistyped citations of another third party's document (lettrage/foreign_citations.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz
from scenario import groups_of, run

import lettrage
from lettrage.engine import _prepare
from lettrage.foreign_citations import RUN_WORDS, near_citations_elsewhere
from lettrage.references import MIN_NEAR_KEY, NEAR_CITATION, document_references, words
from lettrage.settings import Settings

REAL = sorted((Path(__file__).parent.parent / "datasets" / "fec-neolegal").glob("*FEC*.[tT][xX][tT]"))

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


# --- The vectorised search against the per-line one it replaced --------------------------

_DIGITS = re.compile(r"[0-9]+")


def _slow_near_citations_elsewhere(lines, documents, cites):
    """:func:`near_citations_elsewhere` as first written: every quiet line's label in Python."""
    keys = documents.loc[documents["key"].str.len() >= MIN_NEAR_KEY, ["key", "party_id"]]
    by_digits: dict[str, set[tuple[str, int]]] = {}
    for key, party in zip(keys["key"].astype(object).tolist(), keys["party_id"].tolist()):
        signature = "".join(_DIGITS.findall(key))
        if len(signature) >= 4:
            by_digits.setdefault(signature, set()).add((key, party))
    if not by_digits:
        return []
    quiet = lines[~lines["invoice_side"].to_numpy(dtype=bool)
                  & ~lines["line"].isin(cites["line"]).to_numpy()]
    found = []
    for line, party, label in zip(quiet["line"].tolist(), quiet["party_id"].tolist(),
                                  quiet["label"].tolist()):
        hits = _slow_nearly_named(str(label), by_digits)
        named = {key for key, _ in hits}
        if len(named) == 1 and all(owner != party for _, owner in hits):
            found.append([int(line), named.pop()])
    return found


def _slow_nearly_named(label, by_digits):
    groups = [group.lstrip("0") or "0" for group in _DIGITS.findall(label)]
    if not any("".join(groups[start:stop]) in by_digits for start in range(len(groups))
               for stop in range(start + 1, min(start + 6, len(groups)) + 1)):
        return set()
    folded = words(label)
    hits = set()
    for start in range(len(folded)):
        for stop in range(start + 1, min(start + RUN_WORDS, len(folded)) + 1):
            run = "".join(folded[start:stop])
            if len(run) < MIN_NEAR_KEY - 1:
                continue
            for key, party in by_digits.get("".join(_DIGITS.findall(run)), ()):
                if (key != run and abs(len(key) - len(run)) <= 1
                        and fuzz.ratio(run, key) >= NEAR_CITATION):
                    hits.add((key, party))
    return hits


_KEYS = ["FA2025735", "FA2025905", "FB2025735", "AV2025007310", "F12345678", "FA2025000"]
_PIECES = ["AF2025-000735", "FA2025-00735", "FA2025 735", "FB2025-0735", "AF2025905",
           "VA2025007310", "F1234 5678", "FA2025-000", "FA", "2025", "-", "000", "735", "É",
           "²", "٣", "°", " ", " ", " ", "/", "VIR", "REF", "12/06"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 3), st.booleans(),
                          st.lists(st.sampled_from(_PIECES), max_size=10).map("".join)),
                max_size=12),
       st.lists(st.tuples(st.sampled_from(_KEYS), st.integers(0, 3)), max_size=6),
       st.sets(st.integers(0, 11), max_size=3))
def test_the_vectorised_search_finds_what_the_per_line_one_found(rows, keys, citing):
    lines = _lines([(index, party, invoice, label) for index, (party, invoice, label)
                    in enumerate(rows)])
    documents = _documents([(100 + index, key, party) for index, (key, party) in enumerate(keys)])
    cites = pd.DataFrame({"line": sorted(citing), "key": ["X"] * len(citing)})
    found = near_citations_elsewhere(lines, documents, cites)
    assert found.values.tolist() == _slow_near_citations_elsewhere(lines, documents, cites)


def test_the_vectorised_search_on_a_real_file():
    path = REAL[0] if REAL else None
    if path is None:
        pytest.skip("no real FEC")
    lines = _prepare(lettrage.read_fec(path), Settings())
    documents, cites = document_references(lines)
    found = near_citations_elsewhere(lines, documents, cites)
    assert found.values.tolist() == _slow_near_citations_elsewhere(lines, documents, cites)


def test_a_customers_payment_does_not_nearly_cite_a_suppliers_invoice(tmp_path):
    # A supplier's FC2025-000735 is as near AF2025-000735 as the customer's FA2025-000735:
    # only the customer's counts, so the misposted payment is still not lettered in ACME...
    both_sides = MISPOSTED + "20250410|401000|SUPP|FC2025-000735|Facture fournisseur||500,00|\n"
    assert groups_of(run(tmp_path, both_sides.format(cited="AF2025-000735"))) == set()
    # ... and without the customer's invoice, the supplier's is no reason to hold it back.
    alone = both_sides.replace("20250407|411000|ZED|FA2025-000735|Facture FA2025-000735|1734,25|\n", "")
    assert groups_of(run(tmp_path, alone.format(cited="AF2025-000735"))) == {frozenset({1, 2})}
