"""Settled stretches: the open balance of a third party comes back to zero and no part of the
lines between does (lettrage/passes/settled_parties.py)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario import fec_text, groups_of, run
from test_review_scenarios import CUSTOMER, SUPPLIER, rows, status

import lettrage
from lettrage.passes.settled_parties import has_smaller_zero_set

both = pytest.mark.parametrize("account", [CUSTOMER, SUPPLIER])

# Six monthly direct debits, and at the year's end an accrual of their total (FNP, invoices
# not received): seven lines, more than a subset group holds, dates six months apart.
ACCRUAL = """
    20250104|ENGIE|PRLV|PRLV ENGIE|-136,39
    20250202|ENGIE|PRLV|PRLV ENGIE|-147,98
    20250306|ENGIE|PRLV|PRLV ENGIE|-228,00
    20250405|ENGIE|PRLV|PRLV ENGIE|-71,03
    20250504|ENGIE|PRLV|PRLV ENGIE|-168,24
    20250602|ENGIE|PRLV|PRLV ENGIE|-193,12
    20250630|ENGIE|FNP|ENGIE|944,76
"""


@both
def test_an_accrual_of_every_open_payment_settles_the_party(tmp_path, account):
    result = run(tmp_path, rows(account, ACCRUAL))
    assert groups_of(result) == {frozenset(range(1, 8))}
    group = result.groups.iloc[0]
    assert group["pass"] == "settled"
    assert "7 open lines of this third party from 2025-01-04 to 2025-06-30" in group["reason"]


@both
def test_each_stretch_back_to_zero_is_a_group_and_an_unpaid_invoice_after_stays_open(tmp_path, account):
    # Two half-years each cleared by an accrual, then an invoice nobody paid yet.
    second = ACCRUAL.replace("2025", "2026").replace("-136,39", "-136,40").replace("944,76", "944,77")
    result = run(tmp_path, rows(account, ACCRUAL.rstrip() + second.rstrip() + """
        20261115|ENGIE|FA99|Facture 99|80,00
    """))
    assert groups_of(result) == {frozenset(range(1, 8)), frozenset(range(8, 15))}
    assert status(result, 15) == "open"


@both
def test_a_stretch_wider_than_the_widest_window_is_not_lettered(tmp_path, account):
    result = run(tmp_path, rows(account, ACCRUAL), max_window_days=150)  # 177 days
    assert groups_of(result) == set()


@both
def test_an_unpaid_invoice_inside_keeps_the_balance_from_zero(tmp_path, account):
    result = run(tmp_path, rows(account, ACCRUAL.rstrip() + """
        20250310|ENGIE|FA12|Facture 12|55,00
    """))
    assert groups_of(result) == set()


@both
def test_a_held_opening_balance_blocks_its_stretch_only(tmp_path, account):
    result = run(tmp_path, rows(account, """
        20250101|OFII|RAN|Report a nouveau|600,00
        20250102|OFII|CHQ|ED OFFII|-300,00
        20250103|OFII|CHQ|ED OFFII|-300,00
    """.rstrip() + ACCRUAL.replace("ENGIE", "OFII").replace("2025", "2026")))
    assert groups_of(result) == {frozenset(range(4, 11))}


@both
def test_a_remainder_that_holds_two_groups_is_left_to_review(tmp_path, account):
    # 300 + 700 and 400 + 600 both pay 1 000: the whole nets to zero, but so do its parts,
    # paired two ways (situation 16).
    result = run(tmp_path, rows(account, """
        20250101|ACME|FA1|Facture 1|300,00
        20250102|ACME|FA2|Facture 2|700,00
        20250103|ACME|FA3|Facture 3|400,00
        20250104|ACME|FA4|Facture 4|600,00
        20250301|ACME|VIR|VIREMENT ACME|-1000,00
        20250302|ACME|VIR|VIREMENT ACME|-1000,00
    """))
    assert groups_of(result) == set()
    assert status(result, 5) == "proposed"


@both
def test_a_party_with_an_aggregated_opening_balance_is_left_alone(tmp_path, account):
    # "Report a nouveau" 600.00 and two payments of 300.00: the accountant may have lettered
    # the payments with last year's invoices.
    result = run(tmp_path, rows(account, """
        20250101|OFII|RAN|Report a nouveau|600,00
        20250102|OFII|CHQ|ED OFFII|-300,00
        20250103|OFII|CHQ|ED OFFII|-300,00
    """))
    assert groups_of(result) == set()


@both
def test_a_line_citing_a_document_outside_keeps_the_remainder_open(tmp_path, account):
    # The last debit cites FA2025-0009, lettered in the input with its own payment.
    result = run(tmp_path, rows(account, ACCRUAL.replace(
        "20250602|ENGIE|PRLV|PRLV ENGIE", "20250602|ENGIE|PRLV|PRLV ENGIE FA2025-0009").rstrip() + """
        20241201|ENGIE|FA2025-0009|Facture FA2025-0009|50,00|AA
        20241215|ENGIE|VIR|VIR ENGIE|-50,00|AA
    """))
    assert not any(group >= {1, 7} for group in groups_of(result))


@both
def test_a_remainder_resting_on_a_doubtful_fifo_pair_is_left_to_review(tmp_path, account):
    # FIFO pairs the 22 June invoice with the 2 July payment; the 29 June one, closer, could
    # as well have been taken, and 29 June + 7 July against 15 July is as good a remainder.
    result = run(tmp_path, rows(account, """
        20250622|DISCO|FA335|Facture 335|1292,38
        20250629|DISCO|FA338|Facture 338|1292,38
        20250702|DISCO|CHQ|CHEQUE DISCO|-1292,38
        20250707|DISCO|FA339|Facture 339|628,78
        20250715|DISCO|CHQ|CHEQUES A ENCAISSER|-1921,16
    """))
    assert all(status(result, line) != "lettered" for line in (4, 5))


@both
def test_a_remainder_beside_a_fifo_pair_that_is_the_closest_is_lettered(tmp_path, account):
    # The invoice of 4 April and the payment of that day are paired; the 2 May credit of the
    # same amount is much further from it. What is left nets to zero, alone.
    result = run(tmp_path, rows(account, """
        20250404|MRS|F401|Facture 401|2901,60
        20250404|MRS|CHQ|CHEQUE MRS|-2901,60
        20250502|MRS|F527|Facture 527|2418,00
        20250502|MRS|AV528|Avoir 528|-2901,60
        20250602|MRS|F601|Facture 601|5254,50
        20250607|MRS|CHQ|CHEQUE MRS|-4770,90
    """))
    assert frozenset({3, 4, 5, 6}) in groups_of(result)


@both
def test_twins_of_a_fifo_line_do_not_make_a_doubt(tmp_path, account):
    # Four opening invoices of 837.94 cannot be told apart: FIFO gives one to the 837.94
    # payment, and the other three with two more invoices make the 5 776.69 payment.
    result = run(tmp_path, rows(account, """
        20250101|FINI|sans|FINISTERE - F1|2153,47
        20250101|FINI|sans|FINISTERE - F1|1109,40
        20250101|FINI|sans|FINISTERE - F1|837,94
        20250101|FINI|sans|FINISTERE - F1|837,94
        20250101|FINI|sans|FINISTERE - F1|837,94
        20250101|FINI|sans|FINISTERE - F1|837,94
        20250313|FINI|C1|FINISTERE|-5776,69
        20250322|FINI|C1|FINISTERE|-837,94
    """))
    groups = groups_of(result)
    assert len(groups) == 2 and set().union(*groups) == set(range(1, 9))
    assert {1, 2, 7} <= next(group for group in groups if 7 in group)


@both
def test_a_party_with_an_open_foreign_currency_line_is_left_alone(tmp_path, account):
    text = fec_text(rows(account, ACCRUAL)).splitlines()
    text[1] = text[1][:-2] + "\t136,39\tUSD"  # the first debit, in US dollars
    path = tmp_path / "123456789FEC20251231.txt"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    result = lettrage.match(lettrage.read_fec(path))
    assert groups_of(result) == set()


def test_smaller_zero_sets_are_found():
    assert not has_smaller_zero_set(np.array([300, 700, -1000]))
    assert has_smaller_zero_set(np.array([300, 700, 400, 600, -1000, -1000]))
    assert has_smaller_zero_set(np.array([5, -5, 7, -7]))
    assert not has_smaller_zero_set(np.array([1, 2, 4, 8, 16, -31]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-50, 50).filter(bool), min_size=1, max_size=9))
def test_smaller_zero_sets_agree_with_brute_force(values):
    amounts = np.array([*values, -sum(values)], dtype=np.int64)
    proper = (subset for size in range(1, len(amounts))
              for subset in itertools.combinations(amounts.tolist(), size))
    assert has_smaller_zero_set(amounts) == any(sum(subset) == 0 for subset in proper)
