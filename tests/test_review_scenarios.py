"""The review pass on the situations of shared/CASES.md that end with a person: the top
proposal for the open line is the true one, with a reason — on customer (411) and supplier
(401) accounts alike. The review pass never letters."""
from __future__ import annotations

import pandas as pd
import pytest
from scenario import groups_of, run

from lettrage.passes.review import _tied_groups

CUSTOMER, SUPPLIER = "411000", "401000"
both = pytest.mark.parametrize("account", [CUSTOMER, SUPPLIER])


def rows(account: str, text: str) -> str:
    """Write ``text`` for a customer; on a supplier account debit and credit swap.

    Each row: ``date | aux | ref | label | +amount (invoice) or -amount (settlement)
    [| letter]``.
    """
    out = []
    for row in text.strip().splitlines():
        cells = [c.strip() for c in row.split("|")]
        date, aux, ref, label, amount = cells[:5]
        letter = cells[5] if len(cells) > 5 else ""
        invoice = not amount.startswith("-")
        value = amount.lstrip("+-")
        debit_side = invoice if account == CUSTOMER else not invoice
        debit, credit = (value, "") if debit_side else ("", value)
        out.append(f"{date}|{account}|{aux}|{ref}|{label}|{debit}|{credit}|{letter}")
    return "\n".join(out)


def proposals_for(result, line: int):
    """The proposals for one open line, best first."""
    review = result.review
    return review[review["for_line"] == line].sort_values("rank")


def top(result, line: int):
    """The best proposal for ``line`` as ``(kind, lines, gap in cents, reason)``."""
    best = proposals_for(result, line).iloc[0]
    return best["kind"], best["lines"], int(best["gap"]), best["reason"]


def status(result, line: int) -> str:
    return result.lines.set_index("line").loc[line, "status"]


@both
def test_10_discount_is_proposed_with_its_writeoff_nature(tmp_path, account):
    result = run(tmp_path, rows(account, """
        20250105|ACME|FA2025-000123|Facture|1000,00
        20250110|ACME|VIR1|VIR ACME FA2025-000123 ESCOMPTE 2%|-980,00
    """))
    assert groups_of(result) == set()
    kind, lines, gap, reason = top(result, 2)
    assert (kind, lines) == ("gap", "1 2")
    assert abs(gap) == 2000
    assert "discount" in reason and "FA2025-000123 cited" in reason and "5 days apart" in reason
    assert status(result, 1) == status(result, 2) == "proposed"


@both
def test_21_small_gap_beyond_the_tolerance_is_proposed(tmp_path, account):
    text = rows(account, """
        20250105|IOTA|F1|Facture|42,00
        20250201|IOTA|V1|Virement|-40,00
    """)
    result = run(tmp_path, text)
    assert top(result, 2)[:3] in {("gap", "1 2", 200), ("gap", "1 2", -200)}
    lettered = run(tmp_path, text, tolerance="2.00")  # the tolerance allows it: lettered
    assert groups_of(lettered) == {frozenset({1, 2})}
    assert lettered.review.empty


@both
def test_12_partial_payment_reports_the_amount_still_due(tmp_path, account):
    result = run(tmp_path, rows(account, """
        20250105|KAPPA|FA2025-000123|Facture|1200,00
        20250110|KAPPA|FA2025-000124|Facture|3000,00
        20250120|KAPPA|VIR1|REGL FACT 123|-500,00
    """))
    assert groups_of(result) == set()
    kind, lines, _, reason = top(result, 3)
    assert (kind, lines) == ("partial", "1 3")
    assert "700.00 still due" in reason and "cited" in reason


@both
def test_13_deposit_is_reported_as_unapplied_and_stays_open(tmp_path, account):
    result = run(tmp_path, rows(account, """
        20250105|LAMBDA|ACPT|ACOMPTE COMMANDE 778|-300,00
        20250106|MU|FA1|Facture|500,00
    """))
    assert top(result, 1)[:2] == ("unapplied", "1")
    assert status(result, 1) == "open"


@both
def test_15_second_payment_is_proposed_as_a_double_payment(tmp_path, account):
    result = run(tmp_path, rows(account, """
        20250110|BIS|FA2025-0900|Facture|100,00
        20250201|BIS|VIR1|VIR BIS FA2025-0900|-100,00
        20250203|BIS|VIR2|VIR BIS FA2025-0900|-100,00
    """))
    assert groups_of(result) == {frozenset({1, 2})}
    kind, lines, _, reason = top(result, 3)
    assert (kind, lines) == ("double_payment", "1 3")
    assert "already lettered A" in reason


@both
def test_16_every_tied_answer_is_proposed_first_with_equal_scores(tmp_path, account):
    result = run(tmp_path, rows(account, """
        20250105|ETA|F1|Facture|300,00
        20250106|ETA|F2|Facture|700,00
        20250107|ETA|F3|Facture|400,00
        20250108|ETA|F4|Facture|600,00
        20250201|ETA|V1|Virement|-1000,00
    """))
    candidates = proposals_for(result, 5)
    tied = candidates[candidates["kind"] == "ambiguous"]
    assert set(tied["lines"]) == {"1 2 5", "3 4 5"}
    assert set(tied["rank"]) == {1, 2} and tied["score"].nunique() == 1
    assert "pick one" in tied["reason"].iloc[0]


@both
def test_17_misallocated_payment_is_proposed_with_the_other_customers_invoice(tmp_path, account):
    result = run(tmp_path, rows(account, """
        20250105|ALPHA|FA2025-000777|Facture|500,00
        20250106|BETA|FA2025-000888|Facture|500,00
        20250120|BETA|VIR1|VIR BETA FA2025-000777|-500,00
    """))
    assert groups_of(result) == set()
    kind, lines, gap, reason = top(result, 3)
    assert (kind, lines, gap) == ("misallocated", "1 3", 0)
    assert "/ALPHA" in reason and "move the payment" in reason


@both
def test_18_reference_conflict_is_proposed_not_lettered(tmp_path, account):
    result = run(tmp_path, rows(account, """
        20250105|GAMMA|FA2025-000301|Facture|640,00
        20250106|GAMMA|FA2025-000302|Facture|910,00
        20250120|GAMMA|VIR1|VIR GAMMA FA2025-000302|-640,00
    """))
    assert groups_of(result) == set()
    kinds = dict(zip(proposals_for(result, 3)["lines"], proposals_for(result, 3)["kind"]))
    assert kinds["1 3"] == "reference_conflict"
    assert "partial" in kinds.values() or "2 3" in kinds  # the cited invoice is shown too


@both
def test_22_new_payment_is_proposed_into_the_existing_partial_group(tmp_path, account):
    result = run(tmp_path, rows(account, """
        20250105|DELTA|FA2025-000555|Facture|10000,00|A
        20250201|DELTA|VIR1|VIR DELTA FA2025-000555|-8000,00|A
        20250301|DELTA|VIR2|VIR DELTA FA2025-000555 SOLDE|-1500,00
    """))
    assert groups_of(result) == set()
    kind, lines, gap, reason = top(result, 3)
    assert (kind, lines, abs(gap)) == ("existing_group", "1 2 3", 50000)
    assert "letter A" in reason and "500.00 would remain" in reason
    assert status(result, 1) == status(result, 2) == "kept"
    assert status(result, 3) == "proposed"


def test_supplier_in_debit_is_reported(tmp_path):
    result = run(tmp_path, """
        20250105|401000|OMEGA|F1|Facture|      |200,00
        20250201|401000|OMEGA|V1|Virement OMEGA|450,00|
    """)
    review = result.review.set_index("kind")
    assert review.loc["supplier_debit", "lines"] == "2"
    assert int(review.loc["supplier_debit", "gap"]) == 25000
    assert status(result, 2) in ("proposed", "open")


@both
def test_a_mistyped_reference_ranks_its_invoice_first(tmp_path, account):
    # Two open invoices the payment could pay in part; the label holds a typo of the first.
    result = run(tmp_path, rows(account, """
        20250105|ZETA|FA2025-004567|Facture|900,00
        20250106|ZETA|FA2025-009999|Facture|900,00
        20250120|ZETA|VIR1|VIR ZETA FA2025-04576|-400,00
    """))
    kind, lines, _, reason = top(result, 3)
    assert (kind, lines) == ("partial", "1 3")
    assert "nearly cited" in reason


def test_the_review_pass_never_letters(tmp_path):
    text = rows(CUSTOMER, """
        20250105|ACME|FA2025-000123|Facture|1000,00
        20250110|ACME|VIR1|VIR ACME FA2025-000123 ESCOMPTE 2%|-980,00
    """)
    result = run(tmp_path, text)
    assert result.groups.empty and (result.lines["letter"] == "").all()


@both
def test_a_mistyped_citation_protects_the_pair_from_the_wrong_invoice(tmp_path, account):
    # Two open invoices of 900.00; the payment swaps two digits of the newer one's number.
    # Oldest first would pair it with the other invoice: the near citation forbids that.
    result = run(tmp_path, rows(account, """
        20250201|ZETA|FA2025-004567|Facture|900,00
        20250105|ZETA|FA2025-009999|Facture|900,00
        20250220|ZETA|VIR1|VIR ZETA FA2025-04576|-900,00
    """))
    assert groups_of(result) == {frozenset({1, 3})}
    assert status(result, 2) == "open"


@both
def test_an_aggregated_opening_balance_is_reviewed_and_still_makes_a_tie(tmp_path, account):
    # The opening balance could be the 100.00 the cheque pays, as could the invoice: with
    # the balance held back, neither is lettered (the cheque is not given to the invoice).
    text = rows(account, """
        20250101|CLEAN|RAN|Report à nouveau|100,00
        20250131|CLEAN|FA2025-000035|Facture|100,00
        20250312|CLEAN|CHQ|CHEQUE NO 0230395|-100,00
    """)
    result = run(tmp_path, text)
    assert groups_of(result) == set()
    assert top(result, 1)[0] == "opening_balance"
    lettered = run(tmp_path, text, opening_balances="letter")
    assert len(groups_of(lettered)) == 1


def test_with_opening_balances_letter_no_line_is_reported_as_held(tmp_path):
    result = run(tmp_path, rows(CUSTOMER, """
        20250101|CLEAN|RAN|Report à nouveau|100,00
    """), opening_balances="letter")
    assert "opening_balance" not in set(result.review["kind"])


@both
@pytest.mark.parametrize("opening_first", [True, False])
def test_an_opening_balance_dated_like_an_invoice_gives_way_to_it(tmp_path, account, opening_first):
    # Same date, same amount: FIFO cannot tell the balance from the invoice. The invoice
    # takes the earlier settlement whatever the order of the lines; the balance stays held
    # and the later settlement open (before, the line order decided).
    opening = "20250901|ANDRA|RAN|Report à nouveau|45,90"
    invoice = "20250901|ANDRA|09.22|Facture 09.22|45,90"
    first, second = (opening, invoice) if opening_first else (invoice, opening)
    result = run(tmp_path, rows(account, f"""
        {first}
        {second}
        20250901|ANDRA|09.22 DOUBLON|Annulation doublon|-45,90
        20251119|ANDRA|VIR|VIREMENT ANDRA|-45,90
    """))
    invoice_line = 2 if opening_first else 1
    assert groups_of(result) == {frozenset({invoice_line, 3})}
    assert status(result, 4) != "lettered"


def test_a_group_with_no_rival_listed_says_its_search_was_not_finished():
    lines = pd.DataFrame({"line": [1, 2, 3, 4, 5], "invoice_side": [True, True, False, True, False]})
    tied = pd.DataFrame({"kind": ["ambiguous", "ambiguous", "ambiguous"],
                         "lines": [(1, 2, 3), (1, 3), (4, 5)], "party_id": [0, 0, 1],
                         "gap": [0, 0, 0]})
    rows = _tied_groups(tied, lines)
    reasons = dict(zip(rows["lines"].map(tuple), rows["reason"]))
    assert reasons[(1, 2, 3)].endswith("but 1 other group(s) through line 3 are as good: pick one")
    assert reasons[(4, 5)].endswith("but the search around line 5 could not prove it the only group: check it")
