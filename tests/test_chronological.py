"""Settlements in date order, each with the one set of earlier invoices it pays
(lettrage.passes.chronological)."""
from __future__ import annotations

import pytest
from scenario import groups_of, run
from test_review_scenarios import rows

# A haulier paid by transfers, each for a run of the tickets before it; any transfer could
# also be made of tickets booked after it, so the subset pass sees ties everywhere.
HAULIER = """
    20221104|ONDO|T1|REGIS ONDO 1|40,00
    20221123|ONDO|T4|REGIS ONDO 4|180,00
    20221202|ONDO|T5|REGIS ONDO 5|100,00
    20221206|ONDO|T6|REGIS ONDO 6|100,00
    20221207|ONDO|VIR1|VIR REGIS ONDO|-380,00
    20221212|ONDO|T7|REGIS ONDO 7|120,00
    20221221|ONDO|T8|REGIS ONDO 8|80,00
    20221226|ONDO|T9|REGIS ONDO 9|80,00
    20221230|ONDO|VIR2|VIR REGIS ONDO|-280,00
    20230115|ONDO|T10|REGIS ONDO 10|260,00
    20230124|ONDO|VIR3|VIR REGIS ONDO|-300,00
"""


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_each_transfer_takes_the_one_run_of_earlier_tickets_it_pays(tmp_path, account):
    result = run(tmp_path, rows(account, HAULIER))
    assert groups_of(result) == {frozenset({2, 3, 4, 5}), frozenset({6, 7, 8, 9}), frozenset({1, 10, 11})}
    assert set(result.lines.dropna(subset=["group"])["pass"]) == {"chronological"}


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_the_walk_stops_at_a_transfer_two_sets_of_earlier_invoices_could_make(tmp_path, account):
    # 40 + 140 + 100 + 100 = 380 too: the first transfer is a tie (situation 16), and
    # everything after it rests on which set it took.
    tie = HAULIER.replace("20221104|ONDO|T1|REGIS ONDO 1|40,00",
                          "20221104|ONDO|T1|REGIS ONDO 1|40,00\n20221105|ONDO|T2|REGIS ONDO 2|140,00")
    result = run(tmp_path, rows(account, tie))
    assert _walked(result) == set()


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_the_walk_stops_at_two_settlements_of_one_day(tmp_path, account):
    same_day = HAULIER.replace("20221207|ONDO|VIR1|VIR REGIS ONDO|-380,00",
                               "20221207|ONDO|VIR1|VIR REGIS ONDO|-380,00\n20221207|ONDO|VIR0|VIR REGIS ONDO|-1,00")
    result = run(tmp_path, rows(account, same_day))
    assert _walked(result) == set()


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_equal_amounts_are_taken_oldest_first(tmp_path, account):
    # 667.18 is 350.68 and either 316.50 invoice: the September one, the older; then each
    # 316.50 payment takes the oldest 316.50 invoice left.
    result = run(tmp_path, rows(account, """
        20220915|FOOD|FA2747|FOOD BIOTIC FA2747|316,50
        20220930|FOOD|FA2766|FOOD BIOTIC FA2766|350,68
        20221103|FOOD|FA2815|FOOD BIOTIC FA2815|316,50
        20221115|FOOD|VIR1|VIR FOOD BIOTIC|-667,18
        20221206|FOOD|FA2858|FOOD BIOTIC FA2858|316,50
        20221221|FOOD|VIR2|VIR FOOD BIOTIC|-316,50
        20230125|FOOD|VIR3|VIR FOOD BIOTIC|-316,50
    """))
    assert groups_of(result) == {frozenset({1, 2, 4}), frozenset({3, 6}), frozenset({5, 7})}


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_a_third_party_with_a_held_opening_balance_is_not_walked(tmp_path, account):
    result = run(tmp_path, rows(account, "20220401|ONDO|RAN|REPRISE A NOUVEAU|55,00\n" + HAULIER.strip()))
    assert _walked(result) == set()


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_the_walk_stops_at_a_transfer_citing_an_invoice_outside_its_set(tmp_path, account):
    cited = HAULIER.replace("20221230|ONDO|VIR2|VIR REGIS ONDO|-280,00",
                            "20221230|ONDO|VIR2|VIR REGIS ONDO FACT FA2023-0010|-280,00").replace(
                            "20230115|ONDO|T10|", "20230115|ONDO|FA2023-0010|")
    result = run(tmp_path, rows(account, cited))
    assert _walked(result) == {frozenset({2, 3, 4, 5})}


def _walked(result):
    """The groups of the chronological walk, as sets of line numbers."""
    lines = result.lines[result.lines["pass"] == "chronological"]
    return {frozenset(group["line"].tolist()) for _, group in lines.groupby("group")}


@pytest.mark.parametrize("account", ["411000", "401000"])
def test_a_third_party_resting_on_a_doubtful_fifo_pair_is_not_walked(tmp_path, account):
    # FIFO gave the 2 July payment the 22 June invoice; the 29 June one, closer to it, could
    # as well have been its. The 15 July cheque's set depends on that guess.
    result = run(tmp_path, rows(account, """
        20220622|DISCO|FA319|Frais FA319|1292,38
        20220629|DISCO|FA335|Frais FA335|1292,38
        20220702|DISCO|P1|PAIEMENT|-1292,38
        20220707|DISCO|FA338|Frais FA338|628,78
        20220715|DISCO|P2|CHEQUES A ENCAISSER|-1921,16
    """))
    assert groups_of(result) == {frozenset({1, 3})}
    assert _walked(result) == set()
