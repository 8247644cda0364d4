"""Review pass: ranked, explained proposals for what the lettering passes left open.

It never letters. For each open line it gathers candidates of its own third party — and, for
a payment citing another third party's invoice, of that one — scores them on references
(exact, by number, or nearly cited: rapidfuzz), amount gap and date distance, and explains
each in plain words. The kinds of proposal:

============================  =====================================================  =========
kind                          what it proposes                                        situation
============================  =====================================================  =========
``ambiguous``                 one of several equally good groups (from the subset      16
                              pass): a person picks one
``match``                     an invoice and a settlement of the same amount that      2, 3
                              nothing could tell apart from another pair
``gap``                       an invoice and a settlement a little apart (discount,    9, 10, 21
                              fees, rounding) beyond the tolerance, with the
                              write-off nature
``partial``                   a settlement smaller than its invoice: the amount        12
                              still due
``overpaid``                  a settlement larger than the invoice it cites            15
``reference_conflict``        same amount, but the settlement cites another document   18
``misallocated``              a payment citing an invoice of another third party,      17
                              proposed with that invoice
``double_payment``            a payment citing an invoice already settled              15
``existing_group``            a line that would complete (or reduce) a group lettered  22
                              in the input that does not balance
``unapplied``                 a settlement with no candidate: deposit, unapplied       13
                              payment, unused credit note (a report: the line stays
                              open)
``supplier_debit``            the open debit lines of a supplier whose open balance    —
                              is a debit (a report: the lines stay open)
``opening_balance``           an aggregated "Report à nouveau" line, left to a person  —
                              (a report: the line stays open)
``unsure``                    a line whose subset search could not finish, when no     —
                              other proposal holds it
============================  =====================================================  =========

Scores run from 0 to 1 (how likely the proposal is right); each line's proposals are ranked
by score. Pairs are formed within one third party only (blocked by ``party_id``), and across
third parties only through an exact document key, so the work never grows as the square of
the ledger.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from lettrage.arrays import distinct, numbers_in
from lettrage.ledger import positions_or_absent
from lettrage.money import format_cents, format_cents_array
from lettrage.references import MIN_NEAR_KEY, NEAR_CITATION, reference_keys
from lettrage.result import lines_texts
from lettrage.writeoffs import nature_of, natures_of

#: Kinds that report a situation rather than propose a group: their lines stay ``open``.
REPORT_KINDS = frozenset({"unapplied", "supplier_debit", "opening_balance"})
PROPOSAL_COLUMNS = ["anchor", "kind", "lines", "party_id", "gap", "score", "reason"]
#: Beyond this many settlement × invoice combinations, a third party's pairs are limited to
#: the ones an amount or a reference links.
FULL_PAIRS_PER_PARTY = 250_000
DAYS_EARLY = 60  # a settlement this far before its invoice is unlikely to be for it
#: Tied groups listed per line: beyond, the reason says how many more are as good.
MAX_TIED_SHOWN = 10
_KIND_ORDER = {kind: order for order, kind in enumerate((
    "misallocated", "double_payment", "existing_group", "ambiguous", "match", "gap", "partial",
    "overpaid", "reference_conflict", "unsure", "unapplied", "supplier_debit", "opening_balance"))}


@dataclass(frozen=True)
class ReviewSettings:
    """What the review pass needs of :class:`lettrage.Settings` (cents, percent, counts)."""

    review_gap: int = 1_000
    review_gap_pct: Decimal = Decimal(5)
    top: int = 3


def review_pass(
    lines: pd.DataFrame,
    documents: pd.DataFrame,
    cites: pd.DataFrame,
    tied: pd.DataFrame,
    settings: ReviewSettings,
    *,
    pairs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Proposals for the open lines, one row each (columns :data:`PROPOSAL_COLUMNS`).

    Parameters
    ----------
    lines : the selected third-party lines after the lettering passes, with ``line``,
        ``party_id``, ``account``, ``aux``, ``date``, ``amount``, ``invoice_side``,
        ``piece_ref``, ``label``, ``letter`` (input or new, ``""`` when none), ``kept``
        (lettered in the input) and ``left`` (still open after this run).
    documents, cites : reference evidence (see :mod:`lettrage.references`).
    tied : the subset pass's proposals ``(kind, lines, party_id, gap, reason)`` — equally good
        groups (``ambiguous``) and lines it could not decide (``unsure``).
    pairs : the :func:`pair_proposals` of the lines, when already made (third party by
        third party, in the worker processes).
    """
    evidence = _Links(lines, documents, cites)
    citing = _settlements_citing_invoices(lines, evidence)  # for the next two kinds
    found = [
        _tied_groups(tied, lines),
        _pairs(lines, evidence, settings) if pairs is None else pairs,
        _misallocated(citing, evidence),
        _double_payments(citing, evidence),
        _existing_groups(lines, evidence, settings),
    ]
    proposals = pd.concat([f for f in found if not f.empty] or [_empty()], ignore_index=True)
    covered = {line for group in proposals["lines"] for line in group}
    reports = [_unsure(tied, covered), _unapplied(lines, covered), _supplier_debits(lines),
               _opening_balances(lines)]
    proposals = pd.concat([proposals, *(report for report in reports if not report.empty)],
                          ignore_index=True)
    return _ranked(proposals, settings.top)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in PROPOSAL_COLUMNS})


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=PROPOSAL_COLUMNS) if rows else _empty()


class _Links:
    """Which document each line carries, which ones the lines still open cite, and who
    carries each key."""

    def __init__(self, lines: pd.DataFrame, documents: pd.DataFrame, cites: pd.DataFrame) -> None:
        # Every proposal starts from a line still open: only their citations are read.
        still_open = lines["line"].to_numpy(dtype=np.int64)[lines["left"].to_numpy(dtype=bool)]
        cites = cites[numbers_in(cites["line"], still_open)]
        # the cited keys as integer codes (one per distinct key) for the joins; the
        # documents' keys looked up among them (not all hashed together)
        encoded = _arrow_texts(cites["key"]).dictionary_encode(null_encoding="encode")
        own_code = pc.index_in(_arrow_texts(documents["key"]), value_set=encoded.dictionary,
                               skip_nulls=False)
        cited_key = own_code.is_valid().to_numpy(zero_copy_only=False)
        self._documents = documents
        self._own = pd.DataFrame({"target": documents["line"].to_numpy(dtype=np.int64)[cited_key],
                                  "code": own_code.drop_null().to_numpy().astype(np.int64)})
        self._near = (cites["near"].to_numpy(dtype=bool) if "near" in cites.columns
                      else np.zeros(len(cites), dtype=bool))
        self._citing = pd.DataFrame({"line": cites["line"].to_numpy(dtype=np.int64),
                                     "code": encoded.indices.to_numpy().astype(np.int64)})
        #: (citing line, cited line): a line whose label names another line's document.
        cited = self._citing[~self._near].merge(self._own, on="code")
        self.cited = cited.loc[cited["line"] != cited["target"], ["line", "target"]].reset_index(drop=True)
        self._line_ids = lines["line"].to_numpy(dtype=np.int64)
        self._piece_refs = lines["piece_ref"]

    @cached_property
    def citing_lines(self) -> np.ndarray:
        """The lines still open that cite a document, even nearly."""
        return distinct(self._citing["line"].to_numpy())

    @cached_property
    def nearly(self) -> pd.DataFrame:
        """(line, target): a mistyped citation — not evidence for, but not against either."""
        return self._citing[self._near].merge(self._own, on="code")[["line", "target"]]

    @cached_property
    def _first_keys(self) -> tuple[np.ndarray, pa.Array]:
        """The lines that carry a document (in order), and the first key of each."""
        lines, first = np.unique(self._documents["line"].to_numpy(dtype=np.int64), return_index=True)
        return lines, _arrow_texts(self._documents["key"]).take(pa.array(first))

    def keys_of(self, lines: np.ndarray) -> np.ndarray:
        """Each line's (first) document key, ``""`` when it has none (object array)."""
        carriers, texts = self._first_keys
        at = positions_or_absent(carriers, np.asarray(lines, dtype=np.int64))
        keys = np.full(len(at), "", dtype=object)
        found = at >= 0
        keys[found] = pc.fill_null(texts.take(pa.array(at[found])), "").to_numpy(zero_copy_only=False)
        return keys

    def names(self, lines: np.ndarray) -> list[str]:
        """How a person recognises each line's document: its PieceRef, else its key."""
        lines = np.asarray(lines, dtype=np.int64)
        at = positions_or_absent(self._line_ids, lines)
        present = at >= 0
        refs = np.full(len(lines), "", dtype=object)
        refs[present] = self._piece_refs.take(at[present]).to_numpy(dtype=object)
        keys = self.keys_of(lines)
        return [(str(ref).strip() if here else "") or key or f"line {line}"
                for ref, here, key, line in zip(refs.tolist(), present.tolist(), keys.tolist(),
                                                lines.tolist())]


def _arrow_texts(texts: pd.Series) -> pa.Array:
    """The texts as a pyarrow large string array (missing ones null)."""
    array = pa.array(texts, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


# --- settlement × invoice pairs of one third party ---------------------------------------

def pair_proposals(lines: pd.DataFrame, documents: pd.DataFrame, cites: pd.DataFrame,
                   settings: ReviewSettings) -> pd.DataFrame:
    """The ``match``, ``gap``, ``partial``, ``overpaid`` and ``reference_conflict`` proposals
    of :func:`review_pass`: each open settlement's best invoices of its third party. ``lines``
    (of whole third parties) as for :func:`review_pass`, ``kept`` aside; ``documents`` and
    ``cites``: at least those of the lines still open."""
    return _pairs(lines, _Links(lines, documents, cites), settings)


def _pairs(lines: pd.DataFrame, links: _Links, settings: ReviewSettings) -> pd.DataFrame:
    """Top candidates per open settlement among its third party's open invoices."""
    columns = ["line", "party_id", "amount", "date", "label"]
    left = lines.loc[lines["left"].to_numpy(dtype=bool), [*columns, "invoice_side"]]
    settlements = left.loc[~left["invoice_side"], columns]
    invoices = left.loc[left["invoice_side"], columns]
    if settlements.empty or invoices.empty:
        return _empty()
    pairs = _candidate_pairs(settlements, invoices, links, settings)
    if pairs.empty:
        return _empty()
    pairs = _scored(pairs, links, settings)
    pairs = pairs.take(_best_of_each(pairs["s"].to_numpy(dtype=np.int64), pairs["score"].to_numpy(dtype=float),
                                     pairs["i"].to_numpy(dtype=np.int64), settings.top))
    if pairs.empty:
        return _empty()
    s, i = pairs["s"].to_numpy(dtype=np.int64), pairs["i"].to_numpy(dtype=np.int64)
    return pd.DataFrame({
        "anchor": s,
        "kind": pd.array(pairs["kind"].to_numpy(dtype=object), dtype="str"),
        "lines": _object_array(list(zip(np.minimum(s, i).tolist(), np.maximum(s, i).tolist()))),
        "party_id": pairs["party_id"].to_numpy(dtype=np.int64),
        "gap": pairs["gap"].to_numpy(dtype=np.int64),
        "score": pairs["score"].to_numpy(dtype=float),
        "reason": pd.array(_pair_reasons(pairs, links.names(i)), dtype="str"),
    })


def _object_array(values: list) -> np.ndarray:
    """``values`` (tuples, say) as a one-dimensional object array, one value per cell."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


class _PairRow(NamedTuple):
    """One scored pair, as plain Python values (see :func:`_scored`)."""

    s: int
    i: int
    party_id: int
    kind: str
    gap: int
    score: float
    label_s: str
    due: int
    amount_i: int
    amount_s: int
    exact: bool
    near: float
    against: bool
    days: int


def _candidate_pairs(settlements, invoices, links, settings) -> pd.DataFrame:
    """Every pair of a third party, or — in a crowded one — the pairs an amount within the
    review gap or a reference links."""
    sizes = (settlements.groupby("party_id").size()
             * invoices.groupby("party_id").size()).dropna()
    crowded = set(sizes[sizes > FULL_PAIRS_PER_PARTY].index.tolist())
    plain_s = settlements[~settlements["party_id"].isin(crowded)]
    pairs = [plain_s.merge(invoices, on="party_id", suffixes=("_s", "_i"))]
    for party in sorted(crowded):
        pairs.append(_banded_pairs(settlements[settlements["party_id"] == party],
                                   invoices[invoices["party_id"] == party], links, settings))
    out = pd.concat(pairs, ignore_index=True)
    return out.rename(columns={"line_s": "s", "line_i": "i"})


def _banded_pairs(settlements, invoices, links, settings) -> pd.DataFrame:
    order = np.argsort(np.abs(invoices["amount"].to_numpy()), kind="stable")
    sorted_inv = invoices.iloc[order]
    size = np.abs(sorted_inv["amount"].to_numpy())
    target = np.abs(settlements["amount"].to_numpy())
    band = _gap_band(target, settings)
    lo = np.searchsorted(size, target - band, side="left")
    hi = np.searchsorted(size, target + band, side="right")
    rows_s = np.repeat(np.arange(len(settlements)), hi - lo)
    rows_i = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi)]) if len(lo) else []
    banded = pd.concat([settlements.iloc[rows_s].add_suffix("_s").reset_index(drop=True),
                        sorted_inv.iloc[rows_i].add_suffix("_i").reset_index(drop=True)], axis=1)
    cited = links.cited.rename(columns={"line": "line_s", "target": "line_i"})[["line_s", "line_i"]]
    linked = cited.merge(settlements.add_suffix("_s"), on="line_s").merge(
        invoices.add_suffix("_i"), on="line_i")
    out = pd.concat([banded, linked], ignore_index=True).drop_duplicates(["line_s", "line_i"])
    return out.rename(columns={"party_id_s": "party_id"}).drop(columns=["party_id_i"])


def _gap_band(cents: np.ndarray, settings: ReviewSettings) -> np.ndarray:
    """The gap, in whole cents, a pair of this size may leave and still be a ``gap``:
    the larger of ``review_gap`` and ``review_gap_pct`` of the amount (in hundredths of a
    percent, so integer arithmetic)."""
    basis_points = int(settings.review_gap_pct * 100)
    return np.maximum(settings.review_gap, np.asarray(cents, dtype=np.int64) * basis_points // 10_000)


def _scored(pairs: pd.DataFrame, links: _Links, settings: ReviewSettings) -> pd.DataFrame:
    """Kind, gap and score of each pair (vectorised); an overpaid pair only where the
    settlement cites the invoice."""
    exact = _pair_in(pairs, links.cited[["line", "target"]].rename(columns={"line": "s", "target": "i"}))
    # A settlement much larger than an invoice pays several: only its cited ones are pairs.
    amount_i = pairs["amount_i"].to_numpy(dtype=np.int64)
    due = np.sign(amount_i) * (amount_i + pairs["amount_s"].to_numpy(dtype=np.int64))
    keep = (due >= 0) | (np.abs(due) <= _gap_band(np.abs(amount_i), settings)) | exact
    if not keep.all():
        pairs, exact = pairs[keep], exact[keep]
    amount_i = pairs["amount_i"].to_numpy(dtype=np.int64)
    amount_s = pairs["amount_s"].to_numpy(dtype=np.int64)
    gap = amount_i + amount_s  # debit − credit of the pair
    due = np.sign(amount_i) * gap  # > 0: the invoice is not fully paid
    size = np.abs(amount_i)
    band = _gap_band(size, settings)
    nearly = _pair_in(pairs, links.nearly.rename(columns={"line": "s", "target": "i"}))
    against = pairs["s"].isin(links.citing_lines).to_numpy() & ~exact & ~nearly
    near = _near_citation(pairs, links, ~exact)
    days = (pairs["date_s"] - pairs["date_i"]).dt.days.to_numpy()
    kind = np.select(
        [(due == 0) & against, due == 0, np.abs(due) <= band, due > 0],
        ["reference_conflict", "match", "gap", "partial"], "overpaid").astype(object)
    ref_score = np.where(exact, 1.0, near / 100 * 0.8)
    amount_score = np.select(
        [due == 0, np.abs(due) <= band, due > 0],
        [1.0, 0.8 - 0.3 * np.abs(due) / band, 0.3 * (1 - due / np.maximum(size, 1))], 0.2)
    date_score = np.where(days >= -DAYS_EARLY, np.exp(-np.maximum(days, 0) / 90), 0.1)
    score = 0.45 * ref_score + 0.4 * amount_score + 0.15 * date_score
    score = np.where(against, score * 0.5, score)
    return pairs.assign(gap=gap, due=due, kind=kind, exact=exact, near=near, days=days,
                        score=np.round(score, 3), against=against)


def _best_of_each(s: np.ndarray, score: np.ndarray, i: np.ndarray, top: int) -> np.ndarray:
    """The rows of the ``top`` best pairs of each settlement ``s`` (highest ``score``, then
    first invoice ``i``), by settlement: ``sort_values(["s", "score", "i"], ascending=[True,
    False, True])`` then ``groupby("s").head(top)``, in numpy (``(s, i)`` are distinct)."""
    order = np.lexsort((i, -score, s))
    return order[_run_positions(s[order]) < top]


def _pair_in(pairs: pd.DataFrame, linked: pd.DataFrame) -> np.ndarray:
    """Whether each of ``pairs`` (``s``, ``i``) is among ``linked``: one code per pair of
    line numbers (a merge where they do not fit in one integer)."""
    if linked.empty:
        return np.zeros(len(pairs), dtype=bool)
    s, i = pairs["s"].to_numpy(dtype=np.int64), pairs["i"].to_numpy(dtype=np.int64)
    linked_s, linked_i = linked["s"].to_numpy(dtype=np.int64), linked["i"].to_numpy(dtype=np.int64)
    if len(s) and min(s.min(), i.min(), linked_s.min(), linked_i.min()) >= 0 and max(
            s.max(), i.max(), linked_s.max(), linked_i.max()) < 1 << 31:
        return np.isin((s << 31) | i, (linked_s << 31) | linked_i)
    hit = pairs[["s", "i"]].merge(linked.drop_duplicates().assign(_hit=True), on=["s", "i"], how="left")
    return hit["_hit"].notna().to_numpy()


def _firsts_and_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct ``values`` (sorted), the position of each one's first occurrence, and
    each value's index among them (``np.unique`` with ``return_index`` and
    ``return_inverse``, by one stable sort)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.ones(len(ordered), dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], order[new], inverse


def _near_citation(pairs: pd.DataFrame, links: _Links, candidates: np.ndarray) -> np.ndarray:
    """rapidfuzz partial ratio (0–100) of each invoice's document key inside the folded label
    of its settlement; 0 when the key is too short to judge."""
    # (each invoice's key and each settlement's folded label found once, not once a pair)
    invoices, _, invoice_of = _firsts_and_inverse(pairs["i"].to_numpy(dtype=np.int64))
    keys = links.keys_of(invoices)
    long_key = np.fromiter(map(len, keys.tolist()), dtype=np.int64, count=len(keys)) >= MIN_NEAR_KEY
    ok = candidates & long_key[invoice_of]
    out = np.zeros(len(pairs))
    if ok.any():
        rows = np.flatnonzero(ok)
        _, first_s, settlement_of = _firsts_and_inverse(pairs["s"].to_numpy(dtype=np.int64)[rows])
        labels = pairs["label_s"].take(rows[first_s]).to_numpy(dtype=object)
        folded = reference_keys(pd.Series(labels, dtype=object))
        scores = process.cpdist(list(keys[invoice_of[ok]]), list(folded[settlement_of]),
                                scorer=fuzz.partial_ratio, workers=-1)
        out[ok] = np.where(scores >= NEAR_CITATION, scores, 0)
    return out


def _pair_reason(pair, invoice: str) -> str:
    """Why a pair is proposed; ``invoice``: how a person recognises its invoice."""
    if pair.kind in ("match", "reference_conflict"):
        amount = "amount equal"
    elif pair.kind == "gap":
        nature = nature_of(int(pair.gap), False, str(pair.label_s))
        share = 100 * abs(int(pair.due)) / max(abs(int(pair.amount_i)), 1)
        amount = (f"gap {format_cents(abs(int(pair.gap)))} ({share:.1f} %), "
                  f"a {nature.replace('_', ' ')} write-off")
    elif pair.kind == "partial":
        amount = (f"pays {format_cents(abs(int(pair.amount_s)))} of "
                  f"{format_cents(abs(int(pair.amount_i)))}, {format_cents(int(pair.due))} still due")
    else:
        amount = f"pays {format_cents(-int(pair.due))} more than the invoice"
    if pair.exact:
        reference = f"{invoice} cited in the label"
    elif pair.near:
        reference = f"{invoice} nearly cited ({pair.near:.0f} % alike)"
    elif pair.against:
        reference = "the label cites another document"
    else:
        reference = "no reference"
    days = int(pair.days)
    when = f"{days} days apart" if days >= 0 else f"paid {-days} days before the invoice"
    return f"{amount}, {reference}, {when}"


def _pair_reasons(pairs: pd.DataFrame, invoices: list[str]) -> pa.Array:
    """:func:`_pair_reason` of each pair (vectorised): a pyarrow string array."""
    kind = pairs["kind"].to_numpy(dtype=object)
    gap, due = pairs["gap"].to_numpy(dtype=np.int64), pairs["due"].to_numpy(dtype=np.int64)
    amount_i = pairs["amount_i"].to_numpy(dtype=np.int64)
    amount_s = pairs["amount_s"].to_numpy(dtype=np.int64)
    amount = _if(kind == "gap", _joined(
        "gap ", format_cents_array(np.abs(gap)), " (", _gap_shares(due, amount_i, kind == "gap"),
        " %), a ", _gap_natures(gap, pairs["label_s"], kind == "gap"), " write-off"), _joined(
        "pays ", format_cents_array(-due), " more than the invoice"))
    amount = _if(kind == "partial", _joined(
        "pays ", format_cents_array(np.abs(amount_s)), " of ", format_cents_array(np.abs(amount_i)),
        ", ", format_cents_array(due), " still due"), amount)
    amount = _if((kind == "match") | (kind == "reference_conflict"), "amount equal", amount)
    near = pairs["near"].to_numpy(dtype=float)
    names = pa.array(invoices, type=pa.large_string())
    reference = _if(pairs["against"].to_numpy(dtype=bool), "the label cites another document",
                    "no reference")
    reference = _if(near != 0, _joined(names, " nearly cited (", _integer_texts(np.rint(near)),
                                       " % alike)"), reference)
    reference = _if(pairs["exact"].to_numpy(dtype=bool), _joined(names, " cited in the label"),
                    reference)
    days = pairs["days"].to_numpy(dtype=np.int64)
    when = _if(days >= 0, _joined(_integer_texts(days), " days apart"),
               _joined("paid ", _integer_texts(-days), " days before the invoice"))
    return pc.binary_join_element_wise(amount, reference, when, _text(", "))


def _gap_shares(due: np.ndarray, amount_i: np.ndarray, wanted: np.ndarray) -> pa.Array:
    """The gap as a percentage of the invoice, one decimal, where ``wanted`` (``""`` else)."""
    shares = np.full(len(due), "", dtype=object)
    shares[wanted] = [f"{100 * abs(d) / max(abs(a), 1):.1f}"
                      for d, a in zip(due[wanted].tolist(), amount_i[wanted].tolist())]
    return pa.array(shares, type=pa.large_string())


def _gap_natures(gap: np.ndarray, labels: pd.Series, wanted: np.ndarray) -> pa.Array:
    """The write-off nature of each gap in words where ``wanted`` (``""`` else)."""
    natures = np.full(len(gap), "", dtype=object)
    natures[wanted] = natures_of(gap[wanted], np.zeros(int(wanted.sum()), dtype=bool),
                                 labels.to_numpy(dtype=object)[wanted])
    return pc.replace_substring(pa.array(natures, type=pa.large_string()), "_", " ")


def _integer_texts(numbers: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(numbers).astype(np.int64)), pa.large_string())


def _text(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _joined(*parts: pa.Array | str) -> pa.Array:
    """The parts (arrays, or texts repeated on every row) joined end to end."""
    return pc.binary_join_element_wise(
        *(_text(part) if isinstance(part, str) else part for part in parts), _text(""))


def _if(condition: np.ndarray, then: pa.Array | str, otherwise: pa.Array | str) -> pa.Array:
    return pc.if_else(pa.array(condition, type=pa.bool_()),
                      _text(then) if isinstance(then, str) else then,
                      _text(otherwise) if isinstance(otherwise, str) else otherwise)


# --- groups from the subset pass, other third parties, the input's letters ---------------

def _tied_groups(tied: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Each of several equally good groups, anchored on the line they share."""
    ambiguous = tied[tied["kind"] == "ambiguous"] if not tied.empty else tied
    if ambiguous.empty:
        return _empty()
    counts: dict[int, int] = {}
    for group in ambiguous["lines"]:
        for line in group:
            counts[line] = counts.get(line, 0) + 1
    tied_lines = lines.loc[numbers_in(lines["line"], np.fromiter(counts, np.int64, len(counts))),
                           ["line", "invoice_side"]]
    invoice_side = dict(zip(tied_lines["line"].tolist(), tied_lines["invoice_side"].tolist()))
    rows = []
    for lines_of, party, gap in zip(ambiguous["lines"].tolist(), ambiguous["party_id"].tolist(),
                                    ambiguous["gap"].tolist()):
        group = tuple(sorted(int(x) for x in lines_of))
        settlements = [x for x in group if not invoice_side.get(x, True)]
        shared = max(group, key=lambda x: (counts[x], -x))
        anchor = settlements[0] if len(settlements) == 1 else shared
        rivals = counts[anchor] - 1
        nets = f"{len(group)} lines net to {'zero' if gap == 0 else format_cents(int(gap))}"
        # Without a rival listed, the search around the group could not be finished (too many
        # candidates, or a rival beyond the largest group searched): it is not proved alone.
        doubt = (f"but {rivals} other group(s) through line {anchor} are as good: pick one" if rivals
                 else f"but the search around line {anchor} could not prove it the only group: check it")
        rows.append((anchor, "ambiguous", group, int(party), int(gap), 0.6,
                     f"{nets}, {doubt}"))
    return _frame(rows)


def _settlements_citing_invoices(lines: pd.DataFrame, links: _Links):
    """``(citing, target)`` for each exact citation of an invoice-side line by a settlement
    still open: the rows of ``lines`` (indexed by line) for both ends, aligned. ``None``
    when there is no such citation."""
    cited = links.cited
    if cited.empty:
        return None
    numbers = lines["line"].to_numpy(dtype=np.int64)
    at_citing = positions_or_absent(numbers, cited["line"].to_numpy(dtype=np.int64))
    at_target = positions_or_absent(numbers, cited["target"].to_numpy(dtype=np.int64))
    left = lines["left"].to_numpy(dtype=bool)
    invoice_side = lines["invoice_side"].to_numpy(dtype=bool)
    keep = ((at_citing >= 0) & (at_target >= 0) & left[at_citing] & ~invoice_side[at_citing]
            & invoice_side[at_target])
    info = lines[["line", "left", "invoice_side", "party_id", "amount", "account", "aux",
                  "letter"]].set_index("line")
    return info.iloc[at_citing[keep]], info.iloc[at_target[keep]]


def _misallocated(found: tuple | None, links: _Links) -> pd.DataFrame:
    """An open settlement citing an invoice of another third party (situation 17);
    ``found``: :func:`_settlements_citing_invoices`."""
    if found is None:
        return _empty()
    citing, target = found
    other = citing["party_id"].to_numpy() != target["party_id"].to_numpy()
    citing, target = citing[other], target[other]
    rows = []
    for s, i, s_amount, party, i_amount, account, aux, left, letter, name in zip(
            citing.index.tolist(), target.index.tolist(), citing["amount"].tolist(),
            citing["party_id"].tolist(), target["amount"].tolist(), target["account"].tolist(),
            target["aux"].tolist(), target["left"].tolist(), target["letter"].tolist(),
            links.names(target.index)):
        gap = int(s_amount + i_amount)
        home = f"{account}/{aux}".rstrip("/")
        status = "open" if left else f"lettered {letter}"
        amount = "amount equal" if gap == 0 else f"gap {format_cents(abs(gap))}"
        rows.append((s, "misallocated", tuple(sorted((s, i))), int(party), gap,
                     0.95 if gap == 0 else 0.75,
                     (f"cites {name}, an invoice of {home} (line {i}, {status}); {amount}:"
                     f" move the payment to {home}")))
    return _frame(rows)


def _double_payments(found: tuple | None, links: _Links) -> pd.DataFrame:
    """An open settlement citing an invoice of its third party already lettered (15);
    ``found``: :func:`_settlements_citing_invoices`."""
    if found is None:
        return _empty()
    citing, target = found
    settled = (~target["left"].fillna(True).to_numpy(dtype=bool)
               & (target["letter"].fillna("").to_numpy() != "")
               & (citing["party_id"].to_numpy() == target["party_id"].to_numpy()))
    citing, target = citing[settled], target[settled]
    rows = []
    for s, i, s_amount, party, i_amount, letter, name in zip(
            citing.index.tolist(), target.index.tolist(), citing["amount"].tolist(),
            citing["party_id"].tolist(), target["amount"].tolist(), target["letter"].tolist(),
            links.names(target.index)):
        gap = int(s_amount + i_amount)
        same = gap == 0
        rows.append((s, "double_payment", tuple(sorted((s, i))), int(party), gap,
                     0.85 if same else 0.6,
                     (f"cites {name} (line {i}), already lettered {letter}"
                     f"{' for the same amount' if same else ''}: a second payment — refund it or"
                     " keep it as a credit")))
    return _frame(rows)


def _existing_groups(lines: pd.DataFrame, links: _Links, settings: ReviewSettings) -> pd.DataFrame:
    """An open line that completes or reduces a letter of the input that does not balance (22)."""
    kept = lines.loc[lines["kept"].to_numpy(dtype=bool), ["line", "party_id", "amount", "letter"]]
    if kept.empty:
        return _empty()
    nets = _unbalanced_letters(kept)
    left = lines.loc[lines["left"], ["line", "party_id", "amount"]]
    if nets.empty or left.empty:
        return _empty()
    pairs = left.merge(nets, on="party_id")
    pairs = pairs[(np.sign(pairs["amount"]) == -np.sign(pairs["net"]))
                  & (pairs["amount"].abs() <= pairs["net"].abs() + settings.review_gap)]
    cited: dict[int, set[int]] = {}
    citing = links.cited[numbers_in(links.cited["line"], pairs["line"])]
    for citer, target in zip(citing["line"].tolist(), citing["target"].tolist()):
        cited.setdefault(citer, set()).add(target)
    rows = []
    for line, party, amount, letter, net, size, group in pairs[
            ["line", "party_id", "amount", "_letter", "net", "size", "members"]].itertuples(index=False):
        after = int(net + amount)
        refers = bool(cited.get(line, set()) & set(group))
        score = round(0.5 * refers + 0.35 * (1 - abs(after) / abs(net)) + 0.15, 3)
        outcome = "closes it exactly" if after == 0 else f"{format_cents(abs(after))} would remain"
        rows.append((int(line), "existing_group", tuple(sorted((*group, int(line)))), int(party),
                     after, score,
                     (f"adds to letter {letter} of the input ({size} lines, "
                     f"{format_cents(abs(int(net)))} open): {outcome}"
                     f"{', its document cited' if refers else ''}")))
    return _frame(rows)


def _unbalanced_letters(kept: pd.DataFrame) -> pd.DataFrame:
    """The letters of the input (case ignored) whose lines do not balance, by third party and
    letter: ``party_id``, ``_letter``, ``net``, ``size`` and ``members`` (their lines, in
    the order of ``kept``)."""
    letter, letters = pd.factorize(kept["letter"].str.upper(), sort=True)
    known = letter >= 0  # a missing letter is no letter
    party = kept["party_id"].to_numpy(dtype=np.int64)[known]
    letter = letter[known]
    order = np.lexsort((letter, party))  # stable: each letter's lines in their order
    party, letter = party[order], letter[order]
    if not len(party):
        return pd.DataFrame(columns=["party_id", "_letter", "net", "size", "members"])
    line = kept["line"].to_numpy(dtype=np.int64)[known][order]
    starts = np.flatnonzero(np.r_[True, (party[1:] != party[:-1]) | (letter[1:] != letter[:-1])])
    ends = np.r_[starts[1:], len(party)]
    net = np.add.reduceat(kept["amount"].to_numpy(dtype=np.int64)[known][order], starts)
    unbalanced = net != 0
    starts, ends = starts[unbalanced], ends[unbalanced]
    return pd.DataFrame({
        "party_id": party[starts],
        "_letter": letters.take(letter[starts]),
        "net": net[unbalanced],
        "size": ends - starts,
        "members": _object_array([tuple(line[a:b].tolist()) for a, b in zip(starts, ends)]),
    })


# --- reports --------------------------------------------------------------------------

def _unsure(tied: pd.DataFrame, covered: set[int]) -> pd.DataFrame:
    unsure = tied[tied["kind"] == "unsure"] if not tied.empty else tied
    rows = [(int(group[0]), "unsure", tuple(group), int(party), int(gap), 0.0, reason)
            for group, party, gap, reason in zip(unsure["lines"].tolist(), unsure["party_id"].tolist(),
                                                 unsure["gap"].tolist(), unsure["reason"].tolist())
            if group[0] not in covered]
    return _frame(rows)


def _unapplied(lines: pd.DataFrame, covered: set[int]) -> pd.DataFrame:
    """Open settlements nothing could be proposed with (13)."""
    held = numbers_in(lines["line"], np.fromiter(covered, np.int64, len(covered)))
    open_settlement = lines["left"].to_numpy(dtype=bool) & ~lines["invoice_side"].to_numpy(dtype=bool)
    left = lines.loc[open_settlement & ~held, ["line", "party_id", "amount"]]
    rows = [(int(line), "unapplied", (int(line),), int(party), int(amount), 0.0,
             (f"{format_cents(abs(int(amount)))} matches no open invoice: a deposit, an unapplied "
             "payment or an unused credit note"))
            for line, party, amount in zip(left["line"], left["party_id"], left["amount"])]
    return _frame(rows)


def _supplier_debits(lines: pd.DataFrame) -> pd.DataFrame:
    """Suppliers whose open lines leave a debit balance: overpaid, or a credit note due."""
    left = lines.loc[(lines["left"] & lines["account"].str.startswith("40")).to_numpy(dtype=bool),
                     ["line", "party_id", "amount"]]
    if left.empty:
        return _empty()
    balance = left.groupby("party_id")["amount"].sum()
    balance_of = dict(zip(balance.index.tolist(), balance.tolist()))
    in_debit = numbers_in(left["party_id"], balance.index[balance > 0])
    debits = left[(left["amount"].to_numpy() > 0) & in_debit]
    party, line = debits["party_id"].to_numpy(), debits["line"].to_numpy()
    order = np.lexsort((line, party))  # each third party's lines in order
    party, line = party[order], line[order]
    starts = np.flatnonzero(np.r_[True, party[1:] != party[:-1]]) if len(party) else np.zeros(0, int)
    groups = [tuple(part.tolist()) for part in np.split(line, starts[1:])] if len(line) else []
    rows = [(group[0], "supplier_debit", group, party_id, balance_of[party_id], 0.0,
             (f"supplier in debit by {format_cents(balance_of[party_id])} on its open lines: "
             "overpaid, a credit note to receive, or a payment posted to the wrong supplier"))
            for party_id, group in zip(party[starts].tolist(), groups)]
    return _frame(rows)


def _opening_balances(lines: pd.DataFrame) -> pd.DataFrame:
    """Aggregated opening balances left to a person (``opening_balances = "review"``)."""
    if "held" not in lines.columns:
        return _empty()
    waiting = lines.loc[lines["held"].to_numpy(dtype=bool) & ~lines["kept"].to_numpy(dtype=bool)
                        & (lines["letter"].to_numpy() == "") & (lines["amount"].to_numpy() != 0),
                        ["line", "party_id", "amount"]]
    rows = [(int(line), "opening_balance", (int(line),), int(party), int(amount), 0.0,
             (f"balance brought forward of {format_cents(abs(int(amount)))} with no detail: letter"
             " it by hand with the documents it carries (or set opening_balances = 'letter')"))
            for line, party, amount in zip(waiting["line"], waiting["party_id"], waiting["amount"])]
    return _frame(rows)


def _ranked(proposals: pd.DataFrame, top: int) -> pd.DataFrame:
    """One row per (anchor, kind, lines); each anchor's proposals best first: ``top`` at most,
    and up to :data:`MAX_TIED_SHOWN` tied groups; reports are always kept."""
    if proposals.empty:
        return proposals.assign(rank=pd.Series(dtype=np.int64))
    kind_code, kinds = pd.factorize(proposals["kind"].to_numpy(dtype=object))
    kinds = np.asarray(kinds, dtype=object)
    order = np.array([_KIND_ORDER.get(kind, len(_KIND_ORDER)) for kind in kinds])[kind_code]
    lines_rank = _text_ranks(lines_texts(proposals["lines"], in_order=False))
    anchor = proposals["anchor"].to_numpy(dtype=np.int64)
    # by anchor, best score first, then by kind and lines (a stable sort)
    rows = np.lexsort((lines_rank, order, -proposals["score"].to_numpy(dtype=float), anchor))
    rows = rows[~pd.DataFrame({"anchor": anchor[rows], "kind": kind_code[rows],
                               "lines": lines_rank[rows]}).duplicated().to_numpy()]
    rank = _run_positions(anchor[rows]) + 1
    kind = kinds[kind_code[rows]]
    keep = ((rank <= top) | np.isin(kind, list(REPORT_KINDS))
            | ((kind == "ambiguous") & (rank <= MAX_TIED_SHOWN)))
    return proposals.take(rows[keep]).reset_index(drop=True).assign(rank=rank[keep])


def _text_ranks(texts: pd.api.extensions.ExtensionArray) -> np.ndarray:
    """Each text's rank among the distinct texts in code point order (equal texts, equal ranks)."""
    codes, distinct = pd.factorize(texts)
    ranks = np.empty(len(distinct), dtype=np.int64)
    # pyarrow sorts by UTF-8 bytes, whose order is the code points'
    in_order = pc.array_sort_indices(pa.array(distinct, type=pa.large_string())).to_numpy()
    ranks[in_order] = np.arange(len(distinct))
    return ranks[codes]


def _run_positions(keys: np.ndarray) -> np.ndarray:
    """Each row's position (0, 1, …) within its run of equal ``keys`` (sorted keys)."""
    positions = np.arange(len(keys))
    starts = np.r_[True, keys[1:] != keys[:-1]] if len(keys) else np.zeros(0, dtype=bool)
    return positions - np.maximum.accumulate(np.where(starts, positions, 0))
