"""Piece batches: lines filed under one PieceRef, settled together
(lettrage/passes/piece_batches.py)."""
from __future__ import annotations

import pytest
from scenario import groups_of, run
from test_review_scenarios import CUSTOMER, SUPPLIER, rows

both = pytest.mark.parametrize("account", [CUSTOMER, SUPPLIER])

# Three invoices filed under the transfer's amount, 837.95; 500.00 + 337.95 of two other
# invoices reach it too (a tie for the subset pass), and no run of days does.
FILED_UNDER_THE_TRANSFER = """
    20250301|BOUR|837.95|BOURDICAUD 22040954|300,00
    20250302|BOUR|FX1|BOURDICAUD 22041001|500,00
    20250303|BOUR|837.95|BOURDICAUD 22041097|200,00
    20250304|BOUR|FX2|BOURDICAUD 22041120|337,95
    20250305|BOUR|837.95|BOURDICAUD 22041098|337,95
    20250330|BOUR|CAG280|WEB ETS BOURDICAUD|-837,95
"""


@both
def test_lines_filed_under_one_reference_take_the_payment_of_their_total(tmp_path, account):
    result = run(tmp_path, rows(account, FILED_UNDER_THE_TRANSFER))
    assert groups_of(result) == {frozenset({1, 3, 5, 6})}
    group = result.groups.iloc[0]
    assert group["pass"] == "piece" and "PieceRef 837.95" in group["reason"]


@both
def test_lines_filed_under_one_reference_that_net_to_zero_are_a_group(tmp_path, account):
    result = run(tmp_path, rows(account, """
        20250430|CLEAN|0230397|CLEAN WINDOWS 41|200,00
        20250531|CLEAN|0230397|CLEAN WINDOWS 35|100,00
        20250531|CLEAN|0230395|CLEAN WINDOWS 36|100,00
        20250712|CLEAN|0230397|CHEQUE NO 0230397|-300,00
        20250712|CLEAN|0230395|CHEQUE NO 0230395|-100,00
    """))
    assert frozenset({1, 2, 4}) in groups_of(result)
    assert set(result.groups["pass"]) >= {"piece"}


@both
def test_two_payments_of_the_total_letter_no_batch(tmp_path, account):
    result = run(tmp_path, rows(account, FILED_UNDER_THE_TRANSFER + "20250402|BOUR|CAG290|WEB ETS BOURDICAUD|-837,95"))
    assert not any(group >= {1, 3, 5} for group in groups_of(result))


@both
def test_a_reference_with_a_line_lettered_in_the_input_is_no_batch(tmp_path, account):
    result = run(tmp_path, rows(account, FILED_UNDER_THE_TRANSFER
                                + "20250306|BOUR|837.95|BOURDICAUD 22041099|50,00|A\n"
                                  "20250310|BOUR|VIR9|VIREMENT|-50,00|A"))
    assert not any(group >= {1, 3, 5} for group in groups_of(result))


@both
def test_a_reference_that_names_no_document_is_no_batch(tmp_path, account):
    result = run(tmp_path, rows(account, FILED_UNDER_THE_TRANSFER.replace("|837.95|", "|VIR|")))
    assert not any(group >= {1, 3, 5} for group in groups_of(result))


@both
def test_a_payment_citing_another_invoice_is_not_given_the_batch(tmp_path, account):
    result = run(tmp_path, rows(account, FILED_UNDER_THE_TRANSFER.replace(
        "WEB ETS BOURDICAUD", "WEB ETS BOURDICAUD FA2025-000999") + "20250201|BOUR|FA2025-000999|Facture|999,00"))
    assert not any(group >= {1, 3, 5} for group in groups_of(result))


@both
def test_payments_sharing_a_bank_reference_are_no_batch_for_an_invoice(tmp_path, account):
    # Two transfers of one bank statement, and an invoice of their total: the reference does
    # not link them (the subset pass may, on its own evidence).
    result = run(tmp_path, rows(account, """
        20250301|ACME|FA1|Facture 1|200,00
        20250305|ACME|FA2|Facture 2|600,00
        20250310|ACME|FA3|Facture 3|800,00
        20250320|ACME|REL0325|VIREMENT ACME|-350,00
        20250320|ACME|REL0325|VIREMENT ACME|-450,00
    """))
    assert "piece" not in set(result.groups["pass"])
