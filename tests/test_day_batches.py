"""Day batches: one payment for every open invoice of one day (lettrage/passes/day_batches.py)."""
from __future__ import annotations

import pytest
from scenario import groups_of, run
from test_review_scenarios import CUSTOMER, SUPPLIER, rows, status

both = pytest.mark.parametrize("account", [CUSTOMER, SUPPLIER])

# The 600.00 payment is also 250 + 350 (two invoices of other days): a tie for the subset
# pass. Every open invoice of 3 March makes the answer a person picks.
DAY_AND_RIVAL = """
    20250301|ACME|FA1|Facture 1|100,00
    20250301|ACME|FA2|Facture 2|200,00
    20250301|ACME|FA3|Facture 3|300,00
    20250305|ACME|FA4|Facture 4|250,00
    20250310|ACME|FA5|Facture 5|350,00
    20250330|ACME|VIR|VIREMENT ACME|-600,00
"""


@both
def test_a_payment_of_one_days_invoices_takes_them_all(tmp_path, account):
    result = run(tmp_path, rows(account, DAY_AND_RIVAL))
    assert groups_of(result) == {frozenset({1, 2, 3, 6})}
    group = result.groups.iloc[0]
    assert group["pass"] == "day"
    assert "2025-03-01" in group["reason"]
    assert status(result, 4) != "lettered" and status(result, 5) != "lettered"


@both
def test_without_the_day_batch_the_tie_letters_nothing(tmp_path, account):
    # The same amounts with the three invoices on three days: nothing tells the answers apart.
    result = run(tmp_path, rows(account, DAY_AND_RIVAL.replace("20250301|ACME|FA2", "20250302|ACME|FA2")))
    assert groups_of(result) == set()


@both
def test_two_invoices_of_one_day_are_not_enough(tmp_path, account):
    # Two invoices of one day that match a payment may be chance (situation 16).
    result = run(tmp_path, rows(account, """
        20250301|ACME|FA1|Facture 1|300,00
        20250301|ACME|FA2|Facture 2|300,00
        20250305|ACME|FA4|Facture 4|250,00
        20250310|ACME|FA5|Facture 5|350,00
        20250330|ACME|VIR|VIREMENT ACME|-600,00
    """))
    assert groups_of(result) == set()


@both
def test_a_day_with_another_open_invoice_is_not_a_batch(tmp_path, account):
    # A fourth invoice of 3 March is left out of the 600.00: not every invoice of the day.
    result = run(tmp_path, rows(account, DAY_AND_RIVAL + "20250301|ACME|FA6|Facture 6|80,00"))
    assert not any(group >= {1, 2, 3} for group in groups_of(result))


@both
def test_two_payments_for_one_day_letter_nothing(tmp_path, account):
    result = run(tmp_path, rows(account, DAY_AND_RIVAL + "20250402|ACME|VIR2|VIREMENT ACME|-600,00"))
    assert not any(group >= {1, 2, 3} for group in groups_of(result))


@both
def test_a_payment_citing_another_invoice_is_not_given_the_day(tmp_path, account):
    result = run(tmp_path, rows(account, DAY_AND_RIVAL.replace(
        "VIREMENT ACME", "VIREMENT ACME FA2025-000999") + "20250201|ACME|FA2025-000999|Facture|999,00"))
    assert not any(group >= {1, 2, 3} for group in groups_of(result))


@both
def test_a_payment_out_of_reach_of_the_day_is_not_given_it(tmp_path, account):
    # Paid a year later, beyond the third party's window (120 days by default).
    result = run(tmp_path, rows(account, DAY_AND_RIVAL.replace("20250330|ACME|VIR", "20260330|ACME|VIR")))
    assert groups_of(result) == set()


@both
def test_a_day_holding_an_opening_balance_is_not_a_batch(tmp_path, account):
    # The 300.00 of 1 March is an aggregated opening balance, never lettered.
    result = run(tmp_path, rows(account, DAY_AND_RIVAL.replace(
        "20250301|ACME|FA3|Facture 3|300,00", "20250301|ACME|RAN|Report à nouveau|300,00")))
    assert not any(3 in group for group in groups_of(result))


@both
def test_a_single_invoice_of_the_amount_is_as_good_an_answer(tmp_path, account):
    # Invoices of 600.00 within reach: the payment may be for one of them as well as for the
    # day (two of them, so that the exact pass does not take the payment first).
    result = run(tmp_path, rows(account, DAY_AND_RIVAL + "20250315|ACME|FA7|Facture 7|600,00\n"
                                          "20250320|ACME|FA8|Facture 8|600,00"))
    assert not any(group >= {1, 2, 3} for group in groups_of(result))


# Two delivery days of the same four invoices, paid by two transfers of their total: recurring
# equal batches, paired oldest with oldest (as equal amounts are, situation 3).
EQUAL_DAYS = """
    20250611|PROSOL|FA10|Facture 10|974,82
    20250611|PROSOL|FA11|Facture 11|487,41
    20250611|PROSOL|FA12|Facture 12|974,82
    20250615|PROSOL|FA15|Facture 15|974,82
    20250615|PROSOL|FA16|Facture 16|487,41
    20250615|PROSOL|FA17|Facture 17|974,82
    20250711|PROSOL|VIR1|VIR PROSOL|-2437,05
    20250718|PROSOL|VIR2|VIR PROSOL|-2437,05
"""


@both
def test_equal_days_paid_by_equal_payments_are_paired_in_order(tmp_path, account):
    result = run(tmp_path, rows(account, EQUAL_DAYS))
    assert groups_of(result) == {frozenset({1, 2, 3, 7}), frozenset({4, 5, 6, 8})}
    assert set(result.groups["pass"]) == {"day"}


@both
def test_equal_days_and_one_payment_letter_no_day_the_walk_takes_the_oldest(tmp_path, account):
    # Which of two equal days one payment settled is no day batch's to say; the settlements
    # walked in date order take equal amounts oldest first, as FIFO pairs do (situation 3).
    result = run(tmp_path, rows(account, EQUAL_DAYS.replace("20250718|PROSOL|VIR2|VIR PROSOL|-2437,05", "")))
    assert "day" not in set(result.groups["pass"])
    assert groups_of(result) == {frozenset({1, 2, 3, 7})}
    assert set(result.groups["pass"]) == {"chronological"}
