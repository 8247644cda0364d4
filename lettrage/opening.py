"""Aggregated opening balances: a "Report à nouveau" line that carries a third party's whole
balance brought forward, with no detail of the documents in it.

Matching such a line with this year's payments by amount is a guess: the accountant may have
lettered those payments with last year's lines instead (they are not in the file). By default
(``opening_balances = "review"``) lettrage leaves these lines to a person; a line of the
opening journal that keeps its own label (``COLRUYT - F100057``, ``31-03-2022 POILANE``) is a
detailed item and is matched like any other.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lettrage.references import words

#: Words of a label that says nothing but "balance brought forward".
GENERIC_WORDS = frozenset({"REPORT", "REPORTS", "REPRISE", "SOLDE", "SOLDES", "A", "NOUVEAU",
                           "NOUVEAUX", "RAN", "AN", "ANO", "DE", "DU", "AU", "EXERCICE",
                           "OUVERTURE", "BILAN", "D"})
OPENING_WORDS = frozenset({"NOUVEAU", "NOUVEAUX", "RAN", "OUVERTURE"})


def is_generic_opening_label(label: str) -> bool:
    """``Report à nouveau``, ``REPRISE A NOUVEAU``, ``RAN``: yes; ``COLRUYT - F100057``: no."""
    folded = [word for word in words(label) if not word.isdigit()]
    return bool(folded) and set(folded) <= GENERIC_WORDS and bool(set(folded) & OPENING_WORDS)


def aggregated_openings(frame: pd.DataFrame) -> np.ndarray:
    """Per line of ``frame`` (column ``label``): an aggregated opening balance, whose label
    says nothing but "à nouveau"."""
    labels = frame["label"].fillna("").astype(str)
    out = np.zeros(len(frame), dtype=bool)
    # Only labels naming an opening can be one: a vectorised filter (RE2, whose ASCII \b
    # lets through at least what Python's would) before the exact test.
    texts = pa.array(labels, from_pandas=True)  # a str column's own array: no Python string made
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    maybe = pc.match_substring_regex(texts, r"NOUVEAU|\bRAN\b|OUVERTURE", ignore_case=True)
    maybe = maybe.to_numpy(zero_copy_only=False)
    if maybe.any():
        codes, uniques = pd.factorize(labels[maybe], use_na_sentinel=False)
        out[maybe] = np.array([is_generic_opening_label(t) for t in uniques], dtype=bool)[codes]
    return out
