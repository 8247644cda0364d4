"""Exact pass: an invoice and a settlement of the same amount in the same third party.

Vectorised over all the third parties it is given. Candidate pairs are a debit and a credit
of one third party with the same absolute amount. Pairs whose references contradict each
other (a payment citing another document, situations 17–18) are never made. Among the rest,
pairs whose references agree come first; then, oldest first, a settlement dated on or after
its invoice (FIFO, situations 2–3). Pairs are fixed in rounds of mutual best choices, so the
result does not depend on the order of the lines.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lettrage.passes.base import PassOutput
from lettrage.references import pair_evidence

#: Above this many invoice × settlement combinations in one (third party, amount) bucket,
#: each invoice is only paired with the settlements nearest to it in date order.
FULL_BUCKET_PAIRS = 400
NEAREST_IN_BIG_BUCKETS = 12

MAX_DAYS_EARLY = 60
_PAIR_COLUMNS = ["a", "b", "party_id"]


def exact_pass(
    open_lines: pd.DataFrame,
    documents: pd.DataFrame,
    cites: pd.DataFrame,
    *,
    max_days_early: int = MAX_DAYS_EARLY,
    sure_only: bool = False,
    name: str = "exact",
) -> PassOutput:
    """Letter pairs of open lines that cancel exactly.

    Parameters
    ----------
    open_lines : unlettered lines with ``line``, ``party_id``, ``amount`` (cents, ≠ 0),
        ``date`` and ``invoice_side`` (True for the side that carries invoices); optionally
        ``held`` — lines that compete for their partners but are never lettered (an
        aggregated opening balance): a pair through one is dropped, its partner stays open.
    documents, cites : reference evidence (see :mod:`lettrage.references`).
    max_days_early : a settlement dated more than this many days before its invoice is
        paired with it only when their references agree (a deposit is applied to the
        invoice it names; an old payment does not settle next year's invoice).
    sure_only : make only the pairs that are sure — references agree, or neither line has
        another candidate nor is a document some other line cites — and leave the rest
        for a later call.
    name : the pass name the groups record (``"fifo"`` for that later call).
    """
    pairs = candidate_pairs(open_lines)
    if pairs.empty:
        return PassOutput()
    agree, contradict = pair_evidence(pairs, documents, cites)
    ranked = _ranked(pairs.assign(agree=agree), open_lines)
    too_early = ranked["days_early"].to_numpy() > max_days_early
    allowed = ranked[~contradict & ~(too_early & ~agree)]
    if sure_only:
        single = ~allowed["a"].duplicated(keep=False) & ~allowed["b"].duplicated(keep=False)
        claimed = _claimed_lines(documents, cites)
        unclaimed = ~allowed["a"].isin(claimed) & ~allowed["b"].isin(claimed)
        allowed = allowed[(single & unclaimed) | allowed["agree"]]
    chosen = mutual_best_pairs(allowed)
    if "held" in open_lines.columns:  # a held line takes its partner out of the game
        held = open_lines.loc[open_lines["held"].to_numpy(dtype=bool), "line"]
        chosen = chosen[~chosen["a"].isin(held) & ~chosen["b"].isin(held)]
    count = len(chosen)
    groups = pd.DataFrame(
        {
            "group": np.arange(count, dtype=np.int64),
            "pass": name,
            "gap": np.zeros(count, dtype=np.int64),
            "currency": "",
            "reason": np.where(
                chosen["agree"].to_numpy(), "same amount, reference cited", "same amount"
            ),
        }
    )
    members = pd.DataFrame(
        {
            "group": np.repeat(groups["group"].to_numpy(), 2),
            "line": np.column_stack([chosen["a"], chosen["b"]]).ravel(),
        }
    )
    return PassOutput(groups=groups, members=members)


def _claimed_lines(documents: pd.DataFrame, cites: pd.DataFrame) -> np.ndarray:
    """Lines whose document some line cites: a pair without that citation is not sure."""
    if documents.empty or cites.empty:
        return np.zeros(0, dtype=np.int64)
    # A set of Python strings: pandas' isin on pyarrow strings is ten times slower here.
    cited = set(cites["key"].astype(object).tolist())
    return documents.loc[documents["key"].astype(object).isin(cited).to_numpy(), "line"].to_numpy()


def candidate_pairs(open_lines: pd.DataFrame) -> pd.DataFrame:
    """``(a, b, party_id)``: invoice-side line ``a`` and settlement-side line ``b``, same
    third party, amounts that cancel. Buckets too large for every combination keep, for
    each invoice, the settlements nearest to it in date order."""
    lines = open_lines[["line", "party_id", "amount", "date", "invoice_side"]].assign(
        size=lambda f: f["amount"].abs()
    )
    invoices = lines[lines["invoice_side"]]
    settlements = lines[~lines["invoice_side"]]
    keys = ["party_id", "size"]
    counts = (
        invoices.groupby(keys).size().rename("n_a").to_frame()
        .join(settlements.groupby(keys).size().rename("n_b"), how="inner")
    )
    if counts.empty:
        return pd.DataFrame(columns=_PAIR_COLUMNS, dtype=np.int64)
    big = counts[counts["n_a"] * counts["n_b"] > FULL_BUCKET_PAIRS].index
    in_big_a = pd.MultiIndex.from_frame(invoices[keys]).isin(big)
    in_big_b = pd.MultiIndex.from_frame(settlements[keys]).isin(big)
    small = invoices[~in_big_a].merge(settlements[~in_big_b], on=keys, suffixes=("_a", "_b"))
    small = small.rename(columns={"line_a": "a", "line_b": "b"})[_PAIR_COLUMNS]
    near = _nearest_pairs(invoices[in_big_a], settlements[in_big_b], keys)
    return pd.concat([small, near], ignore_index=True)


def _nearest_pairs(invoices: pd.DataFrame, settlements: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    if invoices.empty:
        return pd.DataFrame(columns=_PAIR_COLUMNS, dtype=np.int64)
    order = ["date", "line"]
    a = invoices.sort_values(keys + order).assign(
        rank=lambda f: f.groupby(keys).cumcount(), n_a=lambda f: f.groupby(keys)["line"].transform("size")
    )
    b = settlements.sort_values(keys + order).assign(
        rank=lambda f: f.groupby(keys).cumcount(), n_b=lambda f: f.groupby(keys)["line"].transform("size")
    )
    a = a.merge(b.groupby(keys).size().rename("n_b").reset_index(), on=keys)
    centre = (a["rank"] * a["n_b"] // a["n_a"]).to_numpy()
    offsets = np.arange(-NEAREST_IN_BIG_BUCKETS, NEAREST_IN_BIG_BUCKETS + 1)
    expanded = a.loc[a.index.repeat(len(offsets))].assign(
        rank=np.repeat(centre, len(offsets)) + np.tile(offsets, len(a))
    )
    expanded = expanded[(expanded["rank"] >= 0) & (expanded["rank"] < expanded["n_b"])]
    pairs = expanded.merge(b[keys + ["rank", "line"]], on=keys + ["rank"], suffixes=("_a", "_b"))
    return pairs.rename(columns={"line_a": "a", "line_b": "b"})[_PAIR_COLUMNS]


def _ranked(pairs: pd.DataFrame, open_lines: pd.DataFrame) -> pd.DataFrame:
    """Pairs with a cost: references citing each other, then the same PieceRef, then a
    plausible order of dates (settlement on or after the invoice), then FIFO."""
    by_line = open_lines.set_index("line")
    date_a = by_line["date"].reindex(pairs["a"]).to_numpy()
    date_b = by_line["date"].reindex(pairs["b"]).to_numpy()
    ref_a = by_line["ref_key"].reindex(pairs["a"]).to_numpy()
    ref_b = by_line["ref_key"].reindex(pairs["b"]).to_numpy()
    same_ref = (ref_a == ref_b) & (np.char.str_len(ref_a.astype(str)) >= 3)
    days_early = (date_a - date_b) // np.timedelta64(1, "D")
    if "held" in by_line.columns:
        held = by_line["held"].to_numpy(dtype=bool)
        held_a = held[by_line.index.get_indexer(pairs["a"])]
        held_b = held[by_line.index.get_indexer(pairs["b"])]
    else:
        held_a = held_b = np.zeros(len(pairs), dtype=bool)
    return pairs.assign(
        tier=np.where(pairs["agree"].to_numpy(), 0, np.where(same_ref, 1, 2)),
        before=(date_b < date_a).astype(np.int8),
        days_early=days_early,
        date_a=date_a,
        date_b=date_b,
        held_a=held_a.astype(np.int8),
        held_b=held_b.astype(np.int8),
    )


def mutual_best_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """A one-to-one choice of pairs, in rounds: a pair is fixed when each of its two lines is
    the other's best remaining choice by ``(tier, before, date_a, date_b, held_a, held_b, a,
    b)``: at equal claims, a real document before an aggregated opening balance."""
    cost = ["tier", "before", "date_a", "date_b", "held_a", "held_b", "a", "b"]
    remaining = pairs.sort_values(cost, kind="stable")
    chosen: list[pd.DataFrame] = []
    while not remaining.empty:
        best_of_a = ~remaining.duplicated("a")
        best_of_b = ~remaining.duplicated("b")
        fixed = remaining[best_of_a & best_of_b]
        chosen.append(fixed)
        remaining = remaining[
            ~remaining["a"].isin(fixed["a"]) & ~remaining["b"].isin(fixed["b"])
        ]
    if not chosen:
        return pairs.iloc[:0]
    return pd.concat(chosen).sort_values(["a", "b"], ignore_index=True)
