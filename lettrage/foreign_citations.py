"""Mistyped citations of another third party's document (situation 17 with a typo).

:func:`lettrage.references.near_citations` looks for a mistyped key among the documents of
the line's own third party only. A payment posted to the wrong customer that also mistypes
the invoice it pays (``AF2025-000735`` for ``FA2025-000735`` of another customer) would then
look free, and be paired with an invoice of the same amount of its own customer: a wrong
letter. Here such a line nearly cites that document: it never makes a group agree, but it
forbids every group without it (see :func:`lettrage.references.pair_evidence`).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from lettrage.references import MIN_NEAR_KEY, NEAR_CITATION, words

#: Runs of this many consecutive words at most are compared with document keys
#: (``AF2025 735`` is two words).
RUN_WORDS = 3
_DIGITS = re.compile(r"[0-9]+")
_MIN_SIGNATURE = 4  # digits a key must hold to be looked for by its digits


def near_citations_elsewhere(lines: pd.DataFrame, documents: pd.DataFrame,
                             cites: pd.DataFrame) -> pd.DataFrame:
    """``(line, key)``: a settlement that cites nothing, not even nearly, one of whose label's
    runs of one to :data:`RUN_WORDS` words has the same digits as the key of exactly one
    document — about as long (±1 character), rapidfuzz ``ratio`` ≥ :data:`NEAR_CITATION`, a key
    of :data:`MIN_NEAR_KEY` characters or more, not equal to the run — and that document
    belongs to another third party.

    ``lines`` has ``line``, ``party_id``, ``invoice_side`` and ``label``; ``documents`` and
    ``cites`` are :func:`lettrage.references.document_references`' frames.
    """
    empty = pd.DataFrame({"line": pd.Series(dtype=np.int64), "key": pd.Series(dtype=object)})
    keys = documents.loc[documents["key"].str.len() >= MIN_NEAR_KEY, ["key", "party_id"]]
    by_digits: dict[str, set[tuple[str, int]]] = {}
    for key, party in zip(keys["key"].astype(object).tolist(), keys["party_id"].tolist()):
        signature = "".join(_DIGITS.findall(key))
        if len(signature) >= _MIN_SIGNATURE:
            by_digits.setdefault(signature, set()).add((key, party))
    if not by_digits:
        return empty
    quiet = lines[~lines["invoice_side"].to_numpy(dtype=bool)
                  & ~lines["line"].isin(cites["line"]).to_numpy()]
    found: list[tuple[int, str]] = []
    hits_of: dict[str, set[tuple[str, int]]] = {}
    for line, party, label in zip(quiet["line"].tolist(), quiet["party_id"].tolist(),
                                  quiet["label"].tolist()):
        hits = hits_of.get(label)
        if hits is None:
            hits = hits_of[label] = _nearly_named(str(label), by_digits)
        named = {key for key, _ in hits}
        if len(named) == 1 and all(owner != party for _, owner in hits):
            found.append((int(line), named.pop()))
    if not found:
        return empty
    return pd.DataFrame(found, columns=["line", "key"]).astype({"line": np.int64, "key": object})


def _nearly_named(label: str, by_digits: dict[str, set[tuple[str, int]]]) -> set[tuple[str, int]]:
    """The documents ``(key, party)`` a run of words of ``label`` nearly names."""
    if not _any_signature(label, by_digits):
        return set()
    folded = words(label)
    hits: set[tuple[str, int]] = set()
    for start in range(len(folded)):
        for stop in range(start + 1, min(start + RUN_WORDS, len(folded)) + 1):
            run = "".join(folded[start:stop])
            if len(run) < MIN_NEAR_KEY - 1:
                continue
            for key, party in by_digits.get("".join(_DIGITS.findall(run)), ()):
                if (key != run and abs(len(key) - len(run)) <= 1
                        and fuzz.ratio(run, key) >= NEAR_CITATION):
                    hits.add((key, party))
    return hits


def _any_signature(label: str, by_digits: dict[str, set[tuple[str, int]]]) -> bool:
    """Whether consecutive digit groups of ``label`` (leading zeros off, as :func:`words`
    folds them) spell the digits of some key: a cheap test before the runs of words."""
    groups = [group.lstrip("0") or "0" for group in _DIGITS.findall(label)]
    span = 2 * RUN_WORDS  # a word may hold two digit groups (``A1B2``)
    return any("".join(groups[start:stop]) in by_digits
               for start in range(len(groups))
               for stop in range(start + 1, min(start + span, len(groups)) + 1))
