"""Properties of the exact pass on random small ledgers (hypothesis)."""
from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

import lettrage
from lettrage.invariants import violations
from lettrage.passes import exact
from lettrage.references import pair_evidence

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


def _groups(result, passes=None):
    lines = result.lines.dropna(subset=["group"])
    if passes is not None:
        lines = lines[lines["pass"].isin(passes)]
    return {frozenset(g["line"]) for _, g in lines.groupby("group")}


def _filed_under_one_reference():
    """Found by hypothesis: three lines filed under FA2025-0001 and a settlement of their total
    make one piece batch of four lines."""
    return pd.DataFrame({
        "line": [1, 2, 3, 4], "account": "401000", "aux": "F", "party": "F",
        "date": pd.Timestamp("2025-01-01"), "amount": [1000, 1000, -1000, -1000],
        "piece_ref": ["", "FA2025-0001", "FA2025-0001", "FA2025-0001"],
        "label": ["REGLEMENT ", "REGLEMENT ", "FACTURE", "FACTURE"], "letter": "",
        "letter_date": pd.NaT,
    }).astype({"date": "datetime64[s]", "letter_date": "datetime64[s]"})


@settings(max_examples=150, deadline=None)
@given(ledgers())
@example(_filed_under_one_reference())
def test_exact_groups_are_balanced_pairs_and_invariants_hold(ledger):
    result = lettrage.match(ledger)
    assert violations(result) == []
    amounts = ledger.set_index("line")["amount"]
    for group in _groups(result, passes=["exact", "fifo"]):
        assert len(group) == 2
    # Other passes (lines filed under one PieceRef, say) make larger groups; all balance.
    for group in _groups(result):
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


def _one_payment_for_two_invoices():
    """Found by hypothesis: one settlement of two invoices makes a group of three lines (the
    subset pass), which is not a pair and has nothing to say about pairs."""
    return pd.DataFrame({
        "line": [1, 2, 3], "account": "411000", "aux": "A", "party": "A",
        "date": pd.to_datetime(["2025-01-01", "2025-01-05", "2025-02-01"]),
        "amount": [1000, 2500, -3500], "piece_ref": ["FA2025-0001", "FA2025-0002", ""],
        "label": ["FACTURE", "FACTURE", "REGLEMENT "], "letter": "", "letter_date": pd.NaT,
    }).astype({"date": "datetime64[s]", "letter_date": "datetime64[s]"})


@settings(max_examples=200, deadline=None)
@given(ledgers())
@example(_one_payment_for_two_invoices())
def test_no_pair_whose_references_contradict(ledger):
    result = lettrage.match(ledger)
    by_line = ledger.set_index("line")
    documents = _documents(ledger)

    def cites(line):
        cited = by_line.at[line, "label"].removeprefix("REGLEMENT ").strip()
        own = by_line.at[line, "piece_ref"]
        return cited if cited in documents and cited != own else None

    # Every pair, whichever pass made it; larger groups (batches, subsets) are other passes'.
    for group in (group for group in _groups(result) if len(group) == 2):
        x, y = sorted(group)
        agree = (cites(x) is not None and y in documents[cites(x)]) or (
            cites(y) is not None and x in documents[cites(y)])
        if cites(x) is not None or cites(y) is not None:
            assert agree, f"pair {x}-{y} made against a citation"


# The pandas twin of the exact pass, the oracle of the array one: candidate pairs by merges,
# costs by reindexing, mutual-best rounds by sort / duplicated / isin.

def _slow_candidate_pairs(open_lines):
    lines = open_lines[["line", "party_id", "amount", "date", "invoice_side"]].assign(
        size=lambda f: f["amount"].abs())
    invoices, settlements = lines[lines["invoice_side"]], lines[~lines["invoice_side"]]
    keys = ["party_id", "size"]
    counts = (invoices.groupby(keys).size().rename("n_a").to_frame()
              .join(settlements.groupby(keys).size().rename("n_b"), how="inner"))
    columns = ["a", "b", "party_id"]
    if counts.empty:
        return pd.DataFrame(columns=columns, dtype=np.int64)
    big = counts[counts["n_a"] * counts["n_b"] > exact.FULL_BUCKET_PAIRS].index
    in_big_a = pd.MultiIndex.from_frame(invoices[keys]).isin(big)
    in_big_b = pd.MultiIndex.from_frame(settlements[keys]).isin(big)
    small = invoices[~in_big_a].merge(settlements[~in_big_b], on=keys, suffixes=("_a", "_b"))
    small = small.rename(columns={"line_a": "a", "line_b": "b"})[columns]
    a, b = invoices[in_big_a], settlements[in_big_b]
    if a.empty:
        return small
    a = a.sort_values(keys + ["date", "line"]).assign(rank=lambda f: f.groupby(keys).cumcount(),
                                                      n_a=lambda f: f.groupby(keys)["line"].transform("size"))
    b = b.sort_values(keys + ["date", "line"]).assign(rank=lambda f: f.groupby(keys).cumcount())
    a = a.merge(b.groupby(keys).size().rename("n_b").reset_index(), on=keys)
    centre = (a["rank"] * a["n_b"] // a["n_a"]).to_numpy()
    offsets = np.arange(-exact.NEAREST_IN_BIG_BUCKETS, exact.NEAREST_IN_BIG_BUCKETS + 1)
    expanded = a.loc[a.index.repeat(len(offsets))].assign(
        rank=np.repeat(centre, len(offsets)) + np.tile(offsets, len(a)))
    expanded = expanded[(expanded["rank"] >= 0) & (expanded["rank"] < expanded["n_b"])]
    near = expanded.merge(b[keys + ["rank", "line"]], on=keys + ["rank"], suffixes=("_a", "_b"))
    near = near.rename(columns={"line_a": "a", "line_b": "b"})[columns]
    return pd.concat([small, near], ignore_index=True)


def _slow_mutual_best(pairs):
    cost = ["tier", "before", "date_a", "date_b", "held_a", "held_b", "a", "b"]
    remaining = pairs.sort_values(cost, kind="stable")
    chosen = []
    while not remaining.empty:
        fixed = remaining[~remaining.duplicated("a") & ~remaining.duplicated("b")]
        chosen.append(fixed)
        remaining = remaining[~remaining["a"].isin(fixed["a"]) & ~remaining["b"].isin(fixed["b"])]
    return pd.concat(chosen).sort_values(["a", "b"], ignore_index=True)


def _slow_augmented(chosen, allowed):
    """More pairs by swaps, in passes until none swaps: each pass tries, best first, the
    allowed pairs of an open invoice and a taken settlement found at its start; the invoice
    takes the settlement when the settlement's invoice can take an open one (its best). No
    held line is moved or given a partner."""
    cost = ["tier", "before", "date_a", "date_b", "held_a", "held_b", "a", "b"]
    ranked = list(allowed.sort_values(cost, kind="stable").itertuples(index=False))
    pairs = {row.a: row for row in chosen.itertuples(index=False)}  # invoice -> its pair
    while True:
        holder = {row.b: row.a for row in pairs.values()}
        tried = [row for row in ranked if row.a not in pairs and row.b in holder
                 and not row.held_a and not row.held_b]
        swapped = False
        for row in tried:
            holder = {pair.b: pair.a for pair in pairs.values()}
            if row.a in pairs or row.b not in holder:
                continue
            other = holder[row.b]
            if pairs[other].held_a:
                continue
            spare = [option for option in ranked
                     if option.a == other and option.b not in holder and not option.held_b]
            if spare:
                pairs[row.a], pairs[other] = row, spare[0]
                swapped = True
        if not swapped:
            return pd.DataFrame(list(pairs.values()), columns=allowed.columns).sort_values(
                ["a", "b"], ignore_index=True)


def _slow_exact_pass(open_lines, documents, cites, *, sure_only):
    pairs = _slow_candidate_pairs(open_lines)
    if pairs.empty:
        return []
    agree, contradict = pair_evidence(pairs, documents, cites)
    by_line = open_lines.set_index("line")
    date_a = by_line["date"].reindex(pairs["a"]).to_numpy()
    date_b = by_line["date"].reindex(pairs["b"]).to_numpy()
    ref_a = by_line["ref_key"].reindex(pairs["a"]).to_numpy()
    ref_b = by_line["ref_key"].reindex(pairs["b"]).to_numpy()
    same_ref = (ref_a == ref_b) & (np.char.str_len(ref_a.astype(str)) >= 3)
    held_a = by_line["held"].reindex(pairs["a"]).to_numpy(dtype=bool)
    held_b = by_line["held"].reindex(pairs["b"]).to_numpy(dtype=bool)
    ranked = pairs.assign(agree=agree, tier=np.where(agree, 0, np.where(same_ref, 1, 2)),
                          before=(date_b < date_a).astype(np.int8), date_a=date_a, date_b=date_b,
                          held_a=held_a.astype(np.int8), held_b=held_b.astype(np.int8))
    too_early = (date_a - date_b) // np.timedelta64(1, "D") > exact.MAX_DAYS_EARLY
    allowed = ranked[~contradict & ~(too_early & ~agree)]
    if sure_only:
        single = ~allowed["a"].duplicated(keep=False) & ~allowed["b"].duplicated(keep=False)
        claimed = documents.loc[documents["key"].isin(set(cites["key"])), "line"]
        unclaimed = ~allowed["a"].isin(claimed) & ~allowed["b"].isin(claimed)
        allowed = allowed[(single & unclaimed) | allowed["agree"]]
    if allowed.empty:
        return []
    chosen = _slow_mutual_best(allowed)
    if not sure_only:
        chosen = _slow_augmented(chosen, allowed)
    chosen = chosen.reset_index(drop=True)
    couples = _slow_line_order_ties(chosen, allowed, by_line)
    tied = {index for first, second, _ in couples for index in (first, second)}
    blocks = _slow_blocks(chosen, couples)
    chosen = chosen[~chosen.index.isin(tied)]
    chosen = chosen[~chosen["held_a"].astype(bool) & ~chosen["held_b"].astype(bool)]
    return [((a, b), bool(agree)) for a, b, agree in zip(chosen["a"], chosen["b"], chosen["agree"])] + [
        (block, False) for block in blocks]


def _slow_blocks(chosen, couples):
    """Tied pairs joined by couples, each set lettered as one block when all its couples
    join lines of one day on both sides and none of its lines is held; by first line."""
    component = {index: {index} for first, second, _ in couples for index in (first, second)}
    for first, second, _ in couples:
        joined = component[first] | component[second]
        for index in joined:
            component[index] = joined
    blocks = []
    for members in {frozenset(m) for m in component.values()}:
        rows = chosen.loc[sorted(members)]
        both_days = all(one_day for first, second, one_day in couples if first in members)
        if both_days and not rows["held_a"].any() and not rows["held_b"].any():
            blocks.append(tuple(sorted(rows["a"].tolist() + rows["b"].tolist())))
    return sorted(blocks)


def _slow_line_order_ties(chosen, allowed, by_line):
    """Couples of chosen pairs (indices, and whether the other side shares a day too) of one
    third party and size whose lines on one side share a day and held flag, neither side
    twins, whose swap is two allowed pairs of the same tiers."""
    tier = allowed.set_index(["a", "b"])["tier"]
    facts = by_line[["date"] + [c for c in ("piece_ref", "label") if c in by_line.columns]]
    frame = chosen.assign(size=lambda f: by_line["amount"].abs().reindex(f["a"]).to_numpy())
    found = []
    for side, other in (("a", "b"), ("b", "a")):
        couples = frame.reset_index().merge(frame.reset_index(), on=["party_id", "size", f"date_{side}"])
        couples = couples[couples["index_x"] < couples["index_y"]]
        for row in couples.itertuples(index=False):
            first, second = frame.loc[row.index_x], frame.loc[row.index_y]
            if by_line.at[first[side], "held"] != by_line.at[second[side], "held"]:
                continue
            if any(facts.loc[first[s]].equals(facts.loc[second[s]]) for s in (side, other)):
                continue
            crossed = [(first["a"], second["b"]), (second["a"], first["b"])]
            if all(pair in tier.index for pair in crossed) and sorted(tier[pair] for pair in crossed) == sorted(
                    [first["tier"], second["tier"]]):
                found.append((row.index_x, row.index_y, first[f"date_{other}"] == second[f"date_{other}"]))
    return found


@st.composite
def open_lines_and_evidence(draw):
    size = draw(st.integers(min_value=0, max_value=24))
    lines = draw(st.permutations(range(100, 100 + size)))
    rows = [{
        "line": line, "party_id": draw(st.integers(0, 2)),
        "amount": draw(st.sampled_from([500, 700])) * draw(st.sampled_from([1, -1])),
        "date": pd.Timestamp("2025-01-01") + pd.Timedelta(days=draw(st.sampled_from([0, 1, 2, 3, 90, 150]))),
        "invoice_side": draw(st.booleans()), "ref_key": draw(st.sampled_from(["", "AB", "FA1", "FA2"])),
        "held": draw(st.sampled_from([False, False, False, True])),
        "piece_ref": draw(st.sampled_from(["", "P1"])), "label": draw(st.sampled_from(["X", "Y"])),
    } for line in lines]
    frame = pd.DataFrame(rows, columns=["line", "party_id", "amount", "date", "invoice_side", "ref_key", "held",
                                        "piece_ref", "label"])
    frame = frame.astype({"line": "int64", "party_id": "int64", "amount": "int64", "date": "datetime64[s]",
                          "invoice_side": bool, "held": bool, "ref_key": "str"})
    keys = st.sampled_from(["FA20251", "FA20252", "FA20253"])
    some_line = st.sampled_from(lines) if lines else st.just(0)
    documents = pd.DataFrame(draw(st.lists(st.tuples(some_line, keys), max_size=6)), columns=["line", "key"])
    cites = pd.DataFrame(draw(st.lists(st.tuples(some_line, keys, st.booleans()), max_size=6)),
                         columns=["line", "key", "near"])
    return (frame, documents.astype({"line": "int64"}), cites.astype({"line": "int64", "near": bool}))


def _two_days_of_one_amount(partner_days, held=(False,) * 4):
    """Two invoices of one day and two settlements of one amount on ``partner_days``: a
    tie only the lines' order breaks (one block when the settlements share a day too)."""
    frame = pd.DataFrame({
        "line": [100, 101, 102, 103], "party_id": 0, "amount": [500, 500, -500, -500],
        "date": pd.to_datetime(["2025-01-01", "2025-01-01", *partner_days]),
        "invoice_side": [True, True, False, False], "ref_key": "", "held": list(held),
        "piece_ref": "", "label": ["X", "Y", "X", "Y"],
    }).astype({"date": "datetime64[s]", "ref_key": "str"})
    documents = pd.DataFrame({"line": pd.Series(dtype="int64"), "key": pd.Series(dtype=str)})
    cites = documents.assign(near=pd.Series(dtype=bool))
    return frame, documents, cites


@settings(max_examples=300, deadline=None)
@given(open_lines_and_evidence(), st.booleans(), st.sampled_from([(400, 12), (4, 1), (2, 0)]))
@example(_two_days_of_one_amount(["2025-01-02", "2025-01-02"]), False, (400, 12))
@example(_two_days_of_one_amount(["2025-01-02", "2025-01-03"]), False, (400, 12))
@example(_two_days_of_one_amount(["2025-01-02", "2025-01-02"], (False, False, True, False)), False, (400, 12))
def test_exact_pass_matches_its_pandas_twin(inputs, sure_only, buckets):
    open_lines, documents, cites = inputs
    with patch.object(exact, "FULL_BUCKET_PAIRS", buckets[0]), \
            patch.object(exact, "NEAREST_IN_BIG_BUCKETS", buckets[1]):
        fast = exact.exact_pass(open_lines, documents, cites, sure_only=sure_only)
        slow = _slow_exact_pass(open_lines, documents, cites, sure_only=sure_only)
    lines = fast.members.groupby("group", sort=True)["line"].agg(tuple)
    reasons = fast.groups.set_index("group")["reason"] if len(fast.groups) else pd.Series(dtype=object)
    assert [(lines[group], reasons[group] == "same amount, reference cited") for group in lines.index] == slow
