"""The exact pass on the situations of shared/CASES.md it owns: 1, 2, 3, 8, 15, 17, 18, 19."""
from __future__ import annotations

import pytest
from scenario import groups_of, run
from test_review_scenarios import rows


@pytest.mark.parametrize("account, invoice_col", [("411000", "debit"), ("401000", "credit")])
def test_1_exact_with_reference(tmp_path, account, invoice_col):
    inv, pay = ("1200,00|", "|1200,00") if invoice_col == "debit" else ("|1200,00", "1200,00|")
    result = run(tmp_path, f"""
        20250105|{account}|ACME|FA2025-000123|Facture FA2025-000123|{inv}
        20250106|{account}|ACME|FA2025-000124|Facture FA2025-000124|{inv}
        20250220|{account}|ACME|BQ12|VIR SEPA ACME FA2025-000124|{pay}
    """)
    assert groups_of(result) == {frozenset({2, 3})}
    group = result.groups.iloc[0]
    assert group["reason"] == "same amount, reference cited"
    assert result.lines.loc[result.lines["line"] == 1, "status"].item() == "open"


def test_2_no_reference_prefers_payment_after_invoice(tmp_path):
    result = run(tmp_path, """
        20250301|411000|DUPONT|F1|Facture|842,17|
        20250210|411000|DUPONT|CH1|Cheque|         |842,17
        20250405|411000|DUPONT|CH2|Cheque|         |842,17
    """)
    assert groups_of(result) == {frozenset({1, 3})}


def test_3_recurring_amounts_fifo(tmp_path):
    rows = "\n".join(
        f"2025{m:02d}01|411000|ABO|F{m}|Abonnement|49,00|\n2025{m:02d}05|411000|ABO|P{m}|Prelevement||49,00"
        for m in range(1, 7)
    )
    result = run(tmp_path, rows)
    assert groups_of(result) == {frozenset({2 * m - 1, 2 * m}) for m in range(1, 7)}
    dates = result.groups.set_index("lines")["letter_date"].astype(str)
    assert dates["1 2"].startswith("2025-01-05")


def test_3_recurring_amounts_fifo_with_a_missing_payment(tmp_path):
    result = run(tmp_path, """
        20250101|401000|EDF||Facture EDF|     |60,00
        20250201|401000|EDF||Facture EDF|     |60,00
        20250301|401000|EDF||Facture EDF|     |60,00
        20250210|401000|EDF||Prelevement EDF|60,00|
        20250310|401000|EDF||Prelevement EDF|60,00|
    """)
    # Oldest invoice with the oldest payment after it; the March invoice stays open.
    assert groups_of(result) == {frozenset({1, 4}), frozenset({2, 5})}


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_8_credit_note_cancels_invoice(tmp_path, account):
    inv, note = ("500,00|", "|500,00") if account == "411000" else ("|500,00", "500,00|")
    result = run(tmp_path, f"""
        20250110|{account}|ZED|FA-77|Facture 77|{inv}
        20250115|{account}|ZED|AV-12|Avoir sur FA-77|{note}
    """)
    assert groups_of(result) == {frozenset({1, 2})}


def test_15_double_payment_letters_one_and_leaves_the_other(tmp_path):
    result = run(tmp_path, """
        20250110|411000|BIS|FA2025-0900|Facture|100,00|
        20250201|411000|BIS|VIR1|VIR BIS FA2025-0900|      |100,00
        20250203|411000|BIS|VIR2|VIR BIS FA2025-0900|      |100,00
    """)
    assert groups_of(result) == {frozenset({1, 2})}
    assert result.lines.set_index("line").loc[3, "status"] == "proposed"
    top = result.review[result.review["rank"] == 1].set_index("lines")
    assert top.loc["1 3", "kind"] == "double_payment"


def test_17_misallocated_payment_is_not_lettered(tmp_path):
    result = run(tmp_path, """
        20250110|411000|AAA|FA2025-0456|Facture A|300,00|
        20250112|411000|BBB|FA2025-0457|Facture B|300,00|
        20250210|411000|BBB|VIR9|VIR SEPA FA2025-0456|     |300,00
    """)
    assert groups_of(result) == set()


def test_18_reference_conflict_is_not_lettered(tmp_path):
    result = run(tmp_path, """
        20250110|411000|CCC|FA2025-1000|Facture X|250,00|
        20250111|411000|CCC|FA2025-1001|Facture Y|90,00|
        20250210|411000|CCC|VIR9|REGLEMENT FA2025-1001|     |250,00
    """)
    assert groups_of(result) == set()


def test_18_citation_decides_between_equal_amounts(tmp_path):
    result = run(tmp_path, """
        20250110|411000|CCC|FA2025-1000|Facture X|250,00|
        20250111|411000|CCC|FA2025-1001|Facture Y|250,00|
        20250210|411000|CCC|VIR9|REGLEMENT FA2025-1001|     |250,00
    """)
    assert groups_of(result) == {frozenset({2, 3})}


def test_19_existing_letters_are_kept_and_codes_continue(tmp_path):
    result = run(tmp_path, """
        20250101|411000|DDD|F1|Facture|10,00|      |A
        20250102|411000|DDD|P1|Reglement|  |10,00|A
        20250103|411000|DDD|F2|Facture|20,00|      |C
        20250104|411000|DDD|P2|Reglement|  |20,00|C
        20250105|411000|DDD|F3|Facture|30,00|
        20250106|411000|DDD|P3|Reglement|  |30,00
        20250107|411000|DDD|F4|Facture|40,00|
        20250108|411000|DDD|P4|Reglement|  |40,00
        20250107|411000|EEE|F5|Facture|40,00|
        20250108|411000|EEE|P5|Reglement|  |40,00
    """)
    letters = result.lines.set_index("line")["letter"]
    assert letters[[1, 2, 3, 4]].tolist() == ["A", "A", "C", "C"]
    assert letters[[5, 6]].tolist() == ["D", "D"]
    assert letters[[7, 8]].tolist() == ["E", "E"]
    assert letters[[9, 10]].tolist() == ["A", "A"]  # codes are per third party
    assert result.lines.set_index("line")["status"][[1, 2]].tolist() == ["kept", "kept"]


def test_19_existing_partial_letter_blocks_its_lines(tmp_path):
    result = run(tmp_path, """
        20250101|411000|DDD|F1|Facture|10,00|      |a
        20250102|411000|DDD|P1|Reglement|  |10,00
    """)
    assert groups_of(result) == set()


def test_other_accounts_are_never_lettered(tmp_path):
    result = run(tmp_path, """
        20250101|512000||B1|Banque|10,00|
        20250102|512000||B2|Banque|  |10,00
        20250101|467000||X1|Divers|10,00|
        20250102|467000||X2|Divers|  |10,00
    """)
    assert groups_of(result) == set()
    assert set(result.lines["status"].astype(str)) == {"other"}


def test_accounts_setting_chooses_the_third_parties(tmp_path):
    rows = """
        20250101|467000||X1|Divers|10,00|
        20250102|467000||X2|Divers|  |10,00
        20250101|411000|A|F1|Facture|10,00|
        20250102|411000|A|P1|Reglement|  |10,00
    """
    result = run(tmp_path, rows, accounts=("467",))
    assert groups_of(result) == {frozenset({1, 2})}


def test_letter_width_follows_the_file(tmp_path):
    result = run(tmp_path, """
        20250101|401000|F|A1|Facture|  |10,00|AAAB
        20250102|401000|F|P1|Reglement|10,00|  |AAAB
        20250103|401000|G|A2|Facture|  |20,00
        20250104|401000|G|P2|Reglement|20,00|
    """)
    assert result.lines.set_index("line")["letter"][[3, 4]].tolist() == ["AAAA", "AAAA"]


def test_date_let_today(tmp_path):
    import datetime as dt
    result = run(tmp_path, """
        20250101|411000|A|F1|Facture|10,00|
        20250102|411000|A|P1|Reglement|  |10,00
    """, date_let="today", today=dt.date(2026, 1, 15))
    assert str(result.groups["letter_date"].iloc[0]).startswith("2026-01-15")


def test_settlement_long_before_invoice_needs_a_reference(tmp_path):
    result = run(tmp_path, """
        20250101|401000|SFR||Prelevement SFR|38,00|
        20251101|401000|SFR||Facture SFR|   |38,00
    """)
    assert groups_of(result) == set()


def test_the_input_frame_is_not_modified(tmp_path):
    from scenario import read

    import lettrage

    ledger = read(tmp_path, """
        20250101|411000|A|F1|Facture|10,00|
        20250102|411000|A|P1|Reglement|  |10,00
    """)
    before = ledger.copy(deep=True)
    lettrage.match(ledger)
    assert ledger.equals(before)


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_equal_amounts_are_paired_so_that_as_many_pairs_as_possible_are_made(tmp_path, account):
    # A card payment and its refund nine days later; another card payment and the invoice it
    # paid, booked nine days after it. Oldest-first pairing would give the refund the second
    # payment (on or after it) and leave the invoice with the first, 101 days before it: no
    # pair. Swapping gives both.
    result = run(tmp_path, rows(account, """
        20220518|ANDRA|CB|CARTE ANDRASOFT|-35,93
        20220527|ANDRA|RMBT|VIR RMBT ANDRASOFT|35,93
        20220818|ANDRA|CB|CARTE ANDRASOFT|-35,93
        20220827|ANDRA|F0809|ANDRASOFT FACTURE|35,93
    """))
    assert groups_of(result) == {frozenset({1, 2}), frozenset({3, 4})}


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_a_swap_never_moves_a_held_opening_balance(tmp_path, account):
    # The 6 January invoice takes the 12 March cheque. A swap could give the cheque to an
    # invoice of 11 April and the 6 January invoice to the "Report a nouveau" credit — which
    # is never lettered: one pair would be traded for a worse one. The held line keeps its
    # claim: no swap through it.
    result = run(tmp_path, rows(account, """
        20250312|ACME|CHQ|CHEQUE ACME|-5,00
        20250411|ACME|F2|Facture 2|5,00
        20250411|ACME|F3|Facture 3|5,00
        20250101|ACME|RAN|Report a nouveau|-5,00
        20250106|ACME|F5|Facture 5|5,00
    """))
    assert groups_of(result) == {frozenset({1, 5})}


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_two_invoices_of_one_day_and_no_clue_which_payment_is_whose_go_to_review(tmp_path, account):
    # Two tolls of 8.00 on one day; one settled the same day, the other on the card
    # statement two days later. Either pairing is as good as the other: none is made.
    result = run(tmp_path, rows(account, """
        20220716|FCB|ACH335|VINCI|8,00
        20220716|FCB|ACH336|VINCI|8,00
        20220716|FCB|OD34|VINCI|-8,00
        20220718|FCB|LCL116|CB45COFIROUTE 16/07/22|-8,00
    """))
    assert groups_of(result) == set()
    assert set(result.lines["status"]) == {"proposed"}


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_twin_invoices_of_one_day_are_paired_either_way(tmp_path, account):
    # Same day, PieceRef and label: whichever pairing is made, it is the same answer.
    result = run(tmp_path, rows(account, """
        20220716|FCB|ACH335|VINCI|8,00
        20220716|FCB|ACH335|VINCI|8,00
        20220716|FCB|OD34|VINCI|-8,00
        20220718|FCB|LCL116|CB45COFIROUTE 16/07/22|-8,00
    """))
    assert len(groups_of(result)) == 2


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_a_citation_tells_two_invoices_of_one_day_apart(tmp_path, account):
    result = run(tmp_path, rows(account, """
        20250110|ACME|FA2025-0001|Facture FA2025-0001|250,00
        20250110|ACME|FA2025-0002|Facture FA2025-0002|250,00
        20250201|ACME|VIR1|VIR ACME FA2025-0002|-250,00
        20250301|ACME|VIR2|VIR ACME FA2025-0001|-250,00
    """))
    assert groups_of(result) == {frozenset({1, 4}), frozenset({2, 3})}


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_a_held_opening_balance_of_the_same_day_makes_no_tie(tmp_path, account):
    # The duplicate invoice and its cancellation share a day with the opening balance; the
    # opening balance (never lettered) comes after the period's own invoice, as always.
    result = run(tmp_path, rows(account, """
        20210901|ANDRA|RAN|Report a nouveau|45,90
        20210901|ANDRA|09.22|ANDRASSOFT VENTE|45,90
        20210901|ANDRA|09.22 DOUBLON|ANDRASSOFT VENTE|-45,90
        20211119|ANDRA|0000000|ANDRASOFT|-45,90
    """))
    assert groups_of(result) == {frozenset({2, 3})}


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_invoices_of_one_day_paid_by_twin_payments_are_paired_either_way(tmp_path, account):
    # The two payments are alike in all (day, PieceRef, label): any pairing is the same answer.
    result = run(tmp_path, rows(account, """
        20250110|ACME|F1|Facture 1|250,00
        20250110|ACME|F2|Facture 2|250,00
        20250201|ACME|VIR|VIR ACME|-250,00
        20250201|ACME|VIR|VIR ACME|-250,00
    """))
    assert len(groups_of(result)) == 2


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_two_invoices_of_one_day_settled_by_two_payments_of_one_day_are_one_group(tmp_path, account):
    # Two phone lines billed the same day, debited the same day: any pairing is as good as
    # the other, and whichever it is, the four lines settle each other.
    result = run(tmp_path, rows(account, """
        20220411|ORANGE|PRLV|ORANGE 48 22C6|63,96
        20220411|ORANGE|PRLV|ORANGE 50 22C6|63,96
        20220421|ORANGE|BNP30|PRLV ORANGE ABONNEMENT 01XXXXX048|-63,96
        20220421|ORANGE|BNP31|PRLV ORANGE ABONNEMENT 01XXXXX250|-63,96
    """))
    assert groups_of(result) == {frozenset({1, 2, 3, 4})}
