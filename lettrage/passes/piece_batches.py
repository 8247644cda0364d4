"""Piece batches: lines an accountant filed under one PieceRef, settled together.

Bookkeepers link the lines of one settlement by giving them one PieceRef: the invoices and the
cheque all under the cheque's number, the invoices of a supplier under the amount of the
transfer that pays them (``2202.42``), the invoices of a month under the sales entry's
reference. When every line of a third party that carries one such reference is still open:

- if they net to zero, on both sides, they are one group;
- otherwise, the one open settlement of the third party (in no batch) that settles their
  total within reach makes the group with them — when it is the only such line, and settles
  no other batch. Only a settlement: payments that share a bank statement's reference are no
  documents, and an invoice of their total proves nothing.

The reference must name a document (:func:`lettrage.references.is_document_key`: ``VIR`` or
``RAN`` do not), none of the lines may be held back, and no line of the group may cite a
document outside it. "Within reach": dated at most ``max_days_early`` before the batch's last
line and at most the third party's window after its first.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from lettrage.arrays import distinct, numbers_in
from lettrage.passes.base import PassOutput
from lettrage.passes.batches import exact_groups_output, in_reach
from lettrage.passes.exact import ref_codes
from lettrage.references import is_document_key, reference_keys

#: The columns of a batch's lines the pass reads.
_BATCH_COLUMNS = ("line", "party_id", "amount", "date", "held", "piece_ref", "ref_key")


def piece_batch_pass(
    open_lines: pd.DataFrame,
    remaining: np.ndarray,
    kept: pd.DataFrame,
    windows: pd.Series,
    documents: pd.DataFrame,
    cites: pd.DataFrame,
    *,
    max_days_early: int,
    refs: tuple[np.ndarray, pa.Array] | None = None,
) -> PassOutput:
    """Letter the batches of lines filed under one PieceRef (see the module's docstring).

    Parameters
    ----------
    open_lines : the lines open before this run's passes, company currency, with ``line``,
        ``party_id``, ``amount`` (cents), ``date``, ``invoice_side``, ``piece_ref``,
        ``ref_key`` (its key) and optionally ``held``.
    remaining : line numbers still open (the others were lettered by an earlier pass).
    kept : lines lettered in the input, with ``party_id`` and ``piece_ref``: a reference
        one of whose lines is already lettered is no batch.
    windows : per ``party_id``, the days after a document its settlement may come.
    documents, cites : reference evidence (see :mod:`lettrage.references`).
    max_days_early : how many days a settlement may precede the lines it settles.
    refs : :func:`lettrage.passes.exact.ref_codes` of ``open_lines``, when already made.
    """
    codes, keys = ref_codes(open_lines) if refs is None else refs
    shared = _shared_document_keys(open_lines, codes, keys)
    batch_lines = open_lines.loc[shared, [name for name in _BATCH_COLUMNS if name in open_lines.columns]]
    if batch_lines.empty:
        return PassOutput()
    batch_id = _batch_ids(batch_lines["party_id"].to_numpy(dtype=np.int64), codes[shared])
    still_open = _all_still_open(batch_lines, batch_id, remaining, kept)
    batch_lines, batch_id = batch_lines[still_open], batch_id[still_open]
    held = (batch_lines["held"].to_numpy(dtype=bool) if "held" in batch_lines.columns
            else np.zeros(len(batch_lines), dtype=bool))
    amounts = batch_lines["amount"].to_numpy(dtype=np.int64)
    batches = pd.DataFrame({
        "batch": batch_id, "party_id": batch_lines["party_id"].to_numpy(),
        "ref_key": batch_lines["ref_key"].to_numpy(), "total": amounts, "count": 1,
        "held": held, "debits": amounts > 0, "credits": amounts < 0,
        "first": batch_lines["date"].to_numpy(), "last": batch_lines["date"].to_numpy(),
    }).groupby("batch", sort=True).agg({
        "party_id": "first", "ref_key": "first", "total": "sum", "count": "sum", "held": "max",
        "debits": "max", "credits": "max", "first": "min", "last": "max"})
    batches = batches[~batches["held"] & (batches["count"] >= 2)]
    if batches.empty:
        return PassOutput()
    balanced = batches[(batches["total"] == 0) & batches["debits"] & batches["credits"]]
    settled = _settlements(batches[batches["total"] != 0], batch_lines, open_lines, remaining,
                           windows, max_days_early)
    chosen = np.isin(batch_id, np.concatenate([balanced.index.to_numpy(), settled["batch"].to_numpy()]))
    by_batch = batch_lines[chosen].groupby(["party_id", "ref_key"])
    members_of, shown = by_batch["line"].agg(list), by_batch["piece_ref"].first()
    groups = [(sorted(members_of[batch]), _reason(len(members_of[batch]), shown[batch], False))
              for batch in zip(balanced["party_id"], balanced["ref_key"])]
    for party, key, line in zip(settled["party_id"], settled["ref_key"], settled["line"]):
        batch = (party, key)
        groups.append((sorted([*members_of[batch], line]),
                       _reason(len(members_of[batch]), shown[batch], True)))
    return exact_groups_output("piece", sorted(groups), documents, cites)


def _batch_ids(party: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each line's batch: its (third party, key code) numbered in the order they first come
    (``groupby([party, key], sort=False).ngroup()``, by one key of integers)."""
    return pd.factorize(party * (int(codes.max()) + 1) + codes)[0]


def _shared_document_keys(lines: pd.DataFrame, codes: np.ndarray, keys: pa.Array) -> np.ndarray:
    """Whether each line's PieceRef key (``codes`` among ``keys``: see
    :func:`lettrage.passes.exact.ref_codes`) names a document and is carried by another line
    of its third party."""
    # Keys on two lines or more (by a count), then those of them on two lines of one third party.
    carried = np.bincount(codes[codes >= 0], minlength=len(keys))
    shared = (codes >= 0) & (carried[np.maximum(codes, 0)] >= 2)
    rows = np.flatnonzero(shared)
    pairs = pd.DataFrame({"party": lines["party_id"].to_numpy()[rows], "key": codes[rows]})
    shared[rows] = pairs.duplicated(keep=False).to_numpy()
    if not shared.any():
        return shared
    named = np.zeros(len(keys), dtype=bool)
    wanted = distinct(codes[shared])
    named[wanted] = [is_document_key(str(key)) for key in keys.take(pa.array(wanted)).to_pylist()]
    return shared & named[np.maximum(codes, 0)]


def _reason(count: int, piece_ref: str, settled: bool) -> str:
    filed = f"the {count} lines filed under PieceRef {piece_ref}"
    return f"{filed} and the one settlement of their total" if settled else f"{filed} net to zero"


def _all_still_open(batch_lines: pd.DataFrame, batch_id: np.ndarray, remaining: np.ndarray,
                    kept: pd.DataFrame) -> np.ndarray:
    """Whether each line's batch (``batch_id``: its third party and reference) has all its
    lines still open: none taken by an earlier pass of this run, none lettered in the input."""
    spent = np.zeros(int(batch_id.max()) + 1, dtype=bool)
    spent[batch_id[~numbers_in(batch_lines["line"], remaining)]] = True
    kept = kept[numbers_in(kept["party_id"], batch_lines["party_id"])]
    if len(kept):
        table = pd.DataFrame({"party_id": batch_lines["party_id"].to_numpy(),
                              "ref_key": batch_lines["ref_key"].to_numpy(), "batch": batch_id})
        lettered = pd.DataFrame({"party_id": kept["party_id"].to_numpy(),
                                 "ref_key": reference_keys(kept["piece_ref"])}).merge(
            table.drop_duplicates("batch"), on=["party_id", "ref_key"])
        spent[lettered["batch"].to_numpy(dtype=np.int64)] = True
    return ~spent[batch_id]


def _settlements(batches: pd.DataFrame, batch_lines: pd.DataFrame, open_lines: pd.DataFrame,
                 remaining: np.ndarray, windows: pd.Series, max_days_early: int) -> pd.DataFrame:
    """``(batch, party_id, ref_key, line)``: for each batch, the one open settlement of its
    third party, in no batch, that settles its total within reach, when it settles no other
    batch."""
    if batches.empty:
        return pd.DataFrame({"batch": np.zeros(0, dtype=np.int64), "party_id": [], "ref_key": [],
                             "line": []})
    other = (numbers_in(open_lines["line"], remaining) & ~numbers_in(open_lines["line"], batch_lines["line"])
             & ~open_lines["invoice_side"].to_numpy(dtype=bool))
    if "held" in open_lines.columns:
        other &= ~open_lines["held"].to_numpy(dtype=bool)
    pairs = batches.reset_index().assign(amount=-batches["total"].to_numpy()).merge(
        open_lines.loc[other, ["party_id", "amount", "line", "date"]], on=["party_id", "amount"])
    pairs = pairs[in_reach(pairs, windows, max_days_early)]
    unique = (~pairs[["party_id", "ref_key"]].duplicated(keep=False)
              & ~pairs["line"].duplicated(keep=False))
    return pairs.loc[unique, ["batch", "party_id", "ref_key", "line"]]
