"""Period batches: one payment for every open invoice of a run of days
(lettrage/passes/period_batches.py)."""
from __future__ import annotations

import pytest
from scenario import groups_of, run
from test_review_scenarios import CUSTOMER, SUPPLIER, rows, status

both = pytest.mark.parametrize("account", [CUSTOMER, SUPPLIER])

# The 600.00 payment is 100 + 200 + 300 (every invoice from 1 to 8 March) and also 250 + 350
# (two invoices with a 70.00 one between them): a tie for the subset pass. The statement of
# 1 to 8 March is the answer a person picks.
STATEMENT = """
    20250301|ACME|FA1|Facture 1|100,00
    20250303|ACME|FA2|Facture 2|200,00
    20250308|ACME|FA3|Facture 3|300,00
    20250312|ACME|FA4|Facture 4|250,00
    20250315|ACME|FA5|Facture 5|70,00
    20250318|ACME|FA6|Facture 6|350,00
    20250330|ACME|PRLV|PRELEVEMENT ACME|-600,00
"""


@both
def test_a_payment_of_every_invoice_of_a_period_takes_them(tmp_path, account):
    result = run(tmp_path, rows(account, STATEMENT))
    assert groups_of(result) == {frozenset({1, 2, 3, 7})}
    group = result.groups.iloc[0]
    assert group["pass"] == "period"
    assert "from 2025-03-01 to 2025-03-08" in group["reason"]
    assert all(status(result, line) != "lettered" for line in (4, 5, 6))


@both
def test_invoices_that_are_not_a_run_leave_the_tie(tmp_path, account):
    # The 70.00 invoice dated 2 March breaks the run 100 + 200 + 300: no period reaches 600.
    result = run(tmp_path, rows(account, STATEMENT.replace("20250315|ACME|FA5", "20250302|ACME|FA5")))
    assert groups_of(result) == set()


@both
def test_two_invoices_are_not_enough(tmp_path, account):
    result = run(tmp_path, rows(account, STATEMENT.replace(
        "20250301|ACME|FA1|Facture 1|100,00\n", "").replace("20250303|ACME|FA2|Facture 2|200,00",
                                                           "20250303|ACME|FA2|Facture 2|300,00")))
    assert not any(group >= {1, 2} for group in groups_of(result))


@both
def test_a_run_starting_within_a_day_competes(tmp_path, account):
    # 80 + 120 + 120 + 140 (every invoice from 14 to 28 March) is 460.00, and so is
    # 120 + 140 + 80 + 120 taking one of the two 120.00 invoices of 20 March: letter nothing.
    result = run(tmp_path, rows(account, """
        20250310|ONDO|F13|Facture 13|120,00
        20250310|ONDO|F14|Facture 14|140,00
        20250314|ONDO|F18|Facture 18|80,00
        20250320|ONDO|F19|Facture 19|120,00
        20250320|ONDO|F20|Facture 20|120,00
        20250328|ONDO|F21|Facture 21|140,00
        20250329|ONDO|VIR|VIREMENT ONDO|-460,00
    """))
    assert groups_of(result) == set()


@both
def test_another_payment_of_an_overlapping_period_letters_neither(tmp_path, account):
    # A second payment of 550.00 is 300 + 250 (8 to 12 March), overlapping the statement.
    result = run(tmp_path, rows(account, STATEMENT + "20250401|ACME|VIR|VIREMENT ACME|-550,00"))
    assert not any(group >= {1, 2, 3} for group in groups_of(result))


@both
def test_a_period_longer_than_a_month_is_not_a_batch(tmp_path, account):
    # 6 February to 10 March: 32 days.
    result = run(tmp_path, rows(account, STATEMENT.replace("20250308|ACME|FA3", "20250206|ACME|FA3")
                                .replace("20250301|ACME|FA1", "20250208|ACME|FA1")
                                .replace("20250303|ACME|FA2", "20250310|ACME|FA2")))
    assert not any(group >= {1, 2, 3} for group in groups_of(result))


@both
def test_a_period_holding_an_opening_balance_is_not_a_batch(tmp_path, account):
    result = run(tmp_path, rows(account, STATEMENT.replace(
        "20250303|ACME|FA2|Facture 2|200,00", "20250303|ACME|RAN|Report à nouveau|200,00")))
    assert not any(2 in group for group in groups_of(result))


@both
def test_a_payment_citing_another_invoice_is_not_given_the_period(tmp_path, account):
    result = run(tmp_path, rows(account, STATEMENT.replace(
        "PRELEVEMENT ACME", "PRELEVEMENT ACME FA2025-000999") + "20250201|ACME|FA2025-000999|Facture|999,00"))
    assert not any(group >= {1, 2, 3} for group in groups_of(result))


@both
def test_a_payment_out_of_reach_of_the_period_is_not_given_it(tmp_path, account):
    # Paid a year later, beyond the third party's window (120 days by default).
    result = run(tmp_path, rows(account, STATEMENT.replace("20250330|ACME|PRLV", "20260330|ACME|PRLV")))
    assert groups_of(result) == set()


# A credit note of 50.00 filed in the sales journal with the invoices belongs to the period:
# 100 + 200 - 50 + 300 = 550.00, the payment. 260 + 290 (with 70 between them) is 550 too.
WITH_CREDIT_NOTE = """
    20250301|ACME|FA1|Facture 1|100,00
    20250303|ACME|FA2|Facture 2|200,00
    20250305|ACME|AV1|Avoir 1|-50,00
    20250308|ACME|FA3|Facture 3|300,00
    20250312|ACME|FA4|Facture 4|260,00
    20250315|ACME|FA5|Facture 5|70,00
    20250318|ACME|FA6|Facture 6|290,00
    20250330|ACME|PRLV|PRELEVEMENT ACME|-550,00
"""


def _credit_note_in(journal: str, text: str) -> str:
    """Put the credit note (the row of ``AV1``, which ends with its empty letter) in ``journal``."""
    return "\n".join(row + ("|" + journal if "|AV1|" in row else "") for row in text.splitlines())


@both
def test_a_credit_note_filed_with_the_invoices_is_part_of_the_period(tmp_path, account):
    result = run(tmp_path, _credit_note_in("VT", rows(account, WITH_CREDIT_NOTE)))
    assert groups_of(result) == {frozenset({1, 2, 3, 4, 8})}
    assert result.groups.iloc[0]["pass"] == "period"


@both
def test_a_credit_note_in_the_bank_journal_is_no_document_of_the_period(tmp_path, account):
    # Then 100 + 200 + 300 is no 550.00, and nothing makes a period.
    result = run(tmp_path, _credit_note_in("BQ", rows(account, WITH_CREDIT_NOTE)))
    assert not any(group >= {1, 2, 4} for group in groups_of(result))


@both
def test_a_third_party_with_runs_too_long_to_explore_gets_no_period(tmp_path, account, monkeypatch):
    # With runs of at most two documents explored, the three-invoice statement's rivals are
    # not all seen: no period is proved.
    from lettrage.passes import period_batches
    monkeypatch.setattr(period_batches, "MAX_RUN_DOCUMENTS", 2)
    assert "period" not in set(run(tmp_path, rows(account, STATEMENT)).groups["pass"])


# A monthly statement (invoice of 28 February) debited in four direct debits during March.
DEBITED = """
    20250228|TRANSG|RELEVE02|TRANSGOURMET 02.2025|786,25
    20250303|TRANSG|PRLV|PRLV TRANSGOURMET|-129,91
    20250307|TRANSG|PRLV|PRLV TRANSGOURMET|-250,18
    20250314|TRANSG|PRLV|PRLV TRANSGOURMET|-131,45
    20250321|TRANSG|PRLV|PRLV TRANSGOURMET|-274,71
    20250404|TRANSG|PRLV|PRLV TRANSGOURMET|-77,13
"""


@both
def test_an_invoice_of_every_payment_of_a_period_after_it_takes_them(tmp_path, account):
    result = run(tmp_path, rows(account, DEBITED))
    assert groups_of(result) == {frozenset({1, 2, 3, 4, 5})}
    group = result.groups.iloc[0]
    assert group["pass"] == "period"
    assert "every open payment from 2025-03-03 to 2025-03-21" in group["reason"]
    assert status(result, 6) != "lettered"


@both
def test_another_run_of_payments_of_the_amount_leaves_the_invoice(tmp_path, account):
    # 250.18 + 131.45 + 274.71 + 77.13 + 52.78 is 786.25 too.
    result = run(tmp_path, rows(account, DEBITED + "20250406|TRANSG|PRLV|PRLV TRANSGOURMET|-52,78"))
    assert "period" not in set(result.groups["pass"])


@both
def test_another_invoice_of_an_overlapping_run_letters_neither(tmp_path, account):
    # A 381.63 invoice is 250.18 + 131.45, inside the March run.
    result = run(tmp_path, rows(account, DEBITED + "20250301|TRANSG|FA77|Facture 77|381,63"))
    assert "period" not in set(result.groups["pass"])
