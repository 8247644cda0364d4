"""Properties of the exact pass on random small ledgers (hypothesis)."""
from __future__ import annotations

import pandas as pd
from hypothesis import given, settings, strategies as st

import lettrage
from lettrage.invariants import violations

PARTIES = ["411000/A", "411000/B", "401000/F"]
REFS = ["", "FA2025-0001", "FA2025-0002", "FA2025-0003", "BQ"]


@st.composite
def ledgers(draw):
    size = draw(st.integers(min_value=1, max_value=14))
    rows = []
    for line in range(1, size + 1):
        account, aux = draw(st.sampled_from(PARTIES)).split("/")
        cents = draw(st.sampled_from([1000, 2500, 4900, 12345])) * draw(st.sampled_from([1, -1]))
        ref = draw(st.sampled_from(REFS))
        cite = draw(st.sampled_from(REFS))
        rows.append({
            "line": line, "account": account, "aux": aux, "party": aux,
            "date": pd.Timestamp("2025-01-01") + pd.Timedelta(days=draw(st.integers(0, 200))),
            "amount": cents, "piece_ref": ref,
            # Invoices carry no citation: the numbers of an invoice's label are its own.
            "label": "FACTURE" if (cents > 0) == account.startswith("41") else f"REGLEMENT {cite}",
            "letter": draw(st.sampled_from(["", "", "", "", "A", "C"])),
            "letter_date": pd.NaT,
        })
    return pd.DataFrame(rows).astype({"date": "datetime64[s]", "letter_date": "datetime64[s]"})


def _groups(result):
    lines = result.lines.dropna(subset=["group"])
    return {frozenset(g["line"]) for _, g in lines.groupby("group")}


@settings(max_examples=150, deadline=None)
@given(ledgers())
def test_exact_groups_are_balanced_pairs_and_invariants_hold(ledger):
    result = lettrage.match(ledger)
    assert violations(result) == []
    amounts = ledger.set_index("line")["amount"]
    for group in _groups(result):
        assert len(group) == 2
        assert amounts[list(group)].sum() == 0


@settings(max_examples=100, deadline=None)
@given(ledgers(), st.randoms(use_true_random=False))
def test_row_order_does_not_change_the_letters(ledger, random):
    shuffled = ledger.sample(frac=1.0, random_state=random.randint(0, 2**31)).reset_index(drop=True)
    first = lettrage.match(ledger).lines.set_index("line")["letter"].sort_index()
    second = lettrage.match(shuffled).lines.set_index("line")["letter"].sort_index()
    assert first.equals(second)


def _documents(ledger):
    """References naming one document: carried by 1 to 3 lines of a single third party."""
    found = {}
    for ref in REFS:
        if not ref.startswith("FA"):
            continue
        holders = ledger[ledger["piece_ref"] == ref]
        if 1 <= len(holders) <= 3 and holders[["account", "aux"]].drop_duplicates().shape[0] == 1:
            found[ref] = set(holders["line"])
    return found


@settings(max_examples=200, deadline=None)
@given(ledgers())
def test_no_pair_whose_references_contradict(ledger):
    result = lettrage.match(ledger)
    by_line = ledger.set_index("line")
    documents = _documents(ledger)

    def cites(line):
        cited = by_line.at[line, "label"].removeprefix("REGLEMENT ").strip()
        own = by_line.at[line, "piece_ref"]
        return cited if cited in documents and cited != own else None

    for group in _groups(result):
        x, y = sorted(group)
        agree = (cites(x) is not None and y in documents[cites(x)]) or (
            cites(y) is not None and x in documents[cites(y)])
        if cites(x) is not None or cites(y) is not None:
            assert agree, f"pair {x}-{y} made against a citation"
