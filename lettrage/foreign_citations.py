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
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz

from lettrage import reference_text as _rt
from lettrage.arrays import numbers_in
from lettrage.ledger import SUPPLIER_PREFIX
from lettrage.references import MIN_NEAR_KEY, NEAR_CITATION, words

#: Runs of this many consecutive words at most are compared with document keys
#: (``AF2025 735`` is two words).
RUN_WORDS = 3
_DIGITS = re.compile(r"[0-9]+")
_MIN_SIGNATURE = 4  # digits a key must hold to be looked for by its digits
_SPAN = 2 * RUN_WORDS  # digit groups a run of words may hold (a word may hold two: ``A1B2``)


def near_citations_elsewhere(lines: pd.DataFrame, documents: pd.DataFrame,
                             cites: pd.DataFrame) -> pd.DataFrame:
    """``(line, key)``: a settlement that cites nothing, not even nearly, one of whose label's
    runs of one to :data:`RUN_WORDS` words has the same digits as the key of exactly one
    document — about as long (±1 character), rapidfuzz ``ratio`` ≥ :data:`NEAR_CITATION`, a key
    of :data:`MIN_NEAR_KEY` characters or more, not equal to the run — and that document
    belongs to another third party.

    ``lines`` has ``line``, ``party_id``, ``invoice_side``, ``label`` and optionally
    ``account``: then the document must be of a third party on the same side (customers 41x,
    suppliers 40x) — a customer's payment does not pay a supplier's invoice, whatever its
    digits; ``documents`` and ``cites`` are :func:`lettrage.references.document_references`'
    frames.

    A label is searched only when consecutive digit groups of it spell the digits of some key
    (:func:`_spelling_labels`), each distinct label once.
    """
    empty = pd.DataFrame({"line": pd.Series(dtype=np.int64), "key": pd.Series(dtype=object)})
    long_keys = np.flatnonzero((documents["key"].str.len() >= MIN_NEAR_KEY).to_numpy(dtype=bool))
    key_texts = _key_strings(documents["key"]).take(pa.array(long_keys))
    signatures = _digits_of(key_texts)
    long_enough = np.asarray(pc.utf8_length(signatures).to_numpy(zero_copy_only=False)) >= _MIN_SIGNATURE
    if not long_enough.any():
        return empty
    signatures = signatures.filter(pa.array(long_enough))
    quiet = np.flatnonzero(~lines["invoice_side"].to_numpy(dtype=bool)
                           & ~numbers_in(lines["line"], cites["line"]))
    quiet_labels = lines["label"].iloc[quiet]
    if quiet_labels.dtype == "str" and not quiet_labels.hasnans:  # no Python string per line
        label_of, labels = pd.factorize(quiet_labels)
        labels = np.asarray(labels, dtype=object)
    else:
        label_of, labels = pd.factorize(np.array([str(label) for label in quiet_labels.tolist()],
                                                 dtype=object))
    searched = np.flatnonzero(_spelling_labels(labels, signatures))
    if not len(searched):
        return empty
    # the keys whose digits some run of words of those labels has
    runs = {index: list(_runs(labels[index])) for index in searched.tolist()}
    wanted = {signature for found in runs.values() for _, signature in found}
    useful = np.asarray(pc.is_in(signatures, value_set=pa.array(sorted(wanted), type=signatures.type))
                        .to_numpy(zero_copy_only=False), dtype=bool)
    useful_at = np.flatnonzero(long_enough)[useful]
    by_digits: dict[str, set[tuple[str, int]]] = {}
    parties = documents["party_id"].to_numpy()[long_keys[useful_at]]
    for key, party, signature in zip(key_texts.take(pa.array(useful_at)).to_pylist(), parties.tolist(),
                                     signatures.filter(pa.array(useful)).to_pylist()):
        by_digits.setdefault(signature, set()).add((key, int(party)))
    hits_of = {index: _named(found, by_digits) for index, found in runs.items()}
    hit = np.zeros(len(labels), dtype=bool)
    hit[[index for index, hits in hits_of.items() if hits]] = True
    rows = quiet[hit[label_of]]
    line_ids, line_parties = lines["line"].to_numpy()[rows].tolist(), lines["party_id"].to_numpy()[rows].tolist()
    label_rows = label_of[hit[label_of]].tolist()
    side = _side_of_parties(lines, {*line_parties, *(owner for index in set(label_rows)
                                                     for _, owner in hits_of[index])})
    found: list[tuple[int, str]] = []
    for line, party, label in zip(line_ids, line_parties, label_rows):
        hits = {(key, owner) for key, owner in hits_of[label]
                if side.get(owner) == side.get(party)}
        named = {key for key, _ in hits}
        if len(named) == 1 and all(owner != party for _, owner in hits):
            found.append((int(line), named.pop()))
    if not found:
        return empty
    return pd.DataFrame(found, columns=["line", "key"]).astype({"line": np.int64, "key": object})


def _side_of_parties(lines: pd.DataFrame, parties: set[int]) -> dict[int, bool]:
    """For those of ``parties`` that ``lines`` hold, whether each is a supplier (account
    40x, on its first line); empty without accounts."""
    if "account" not in lines.columns or not parties:
        return {}
    party_ids = lines["party_id"].to_numpy()
    rows = np.flatnonzero(np.isin(party_ids, np.array(sorted(parties))))
    ids, first = np.unique(party_ids[rows], return_index=True)
    accounts = pd.Series(lines["account"].iloc[rows[first]].to_numpy()).astype(str)
    return dict(zip(ids.tolist(), accounts.str.startswith(SUPPLIER_PREFIX).tolist()))


def _key_strings(keys: pd.Series) -> pa.Array:
    """The keys as one pyarrow string array."""
    array = pa.array(keys, type=pa.string(), from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _digits_of(texts: pa.Array) -> pa.Array:
    """The digits of each text, in a row (``FA2025735`` → ``2025735``)."""
    if not pc.all(pc.string_is_ascii(texts)).as_py():
        return pc.replace_substring_regex(texts, "[^0-9]+", "")
    data, offsets = _rt._bytes(texts)
    digit = (data >= 48) & (data <= 57)
    kept = _rt.counts_before(digit, offsets)
    return pa.StringArray.from_buffers(len(texts), pa.py_buffer(kept.astype(np.int32)),
                                       pa.py_buffer(np.ascontiguousarray(data[digit])))


def _spelling_labels(labels: np.ndarray, signatures: pa.Array) -> np.ndarray:
    """Which labels have consecutive digit groups (at most :data:`_SPAN`, leading zeros
    off, as :func:`lettrage.references.words` folds them) that spell one of ``signatures``:
    a cheap test before the runs of words."""
    digits, ends, label = _digit_groups(pa.array(labels, type=pa.string()))
    first, last = _consecutive(label, _SPAN)
    joined = _rt._strings(digits, ends[first], ends[last + 1]).cast(signatures.type)
    # the signatures spelt (the few labels' strings hashed, not the many keys')
    spelt = signatures.filter(pc.is_in(signatures, value_set=pc.unique(joined)))
    found = np.asarray(pc.is_in(joined, value_set=spelt).to_numpy(zero_copy_only=False), dtype=bool)
    spelling = np.zeros(len(labels), dtype=bool)
    spelling[label[first[found]]] = True
    return spelling


def _digit_groups(texts: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(digits, ends, text)``: the runs of digits of the texts, leading zeros off but the
    last digit, one after the other: group ``g`` is ``digits[ends[g]:ends[g + 1]]``, of
    text ``text[g]``."""
    data, offsets = _rt._bytes(texts)
    digit = (data >= 48) & (data <= 57)  # no byte of another character is one
    first = np.zeros(len(data) + 1, dtype=bool)  # a text starts here (and the end)
    first[offsets] = True
    starts, stops = _rt._run_starts(digit, first), _rt._run_stops(digit, first)
    nonzero = np.flatnonzero(digit & (data != 48))
    starts = np.minimum(np.r_[nonzero, len(data)][np.searchsorted(nonzero, starts)], stops - 1)
    groups = _rt._strings(data, starts, stops)
    ends = np.frombuffer(groups.buffers()[1], dtype=np.int64)[: len(groups) + 1]
    digits = np.frombuffer(groups.buffers()[2], dtype=np.uint8) if len(groups) else data[:0]
    return digits, ends, np.searchsorted(offsets, starts, side="right") - 1


def _consecutive(owner: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray]:
    """``(first, last)``: every run of 1 to ``most`` consecutive items of one ``owner``."""
    firsts = [np.arange(len(owner))]
    for extra in range(1, most):
        first = firsts[-1][firsts[-1] + extra < len(owner)]
        firsts.append(first[owner[first + extra] == owner[first]])
    lengths = np.repeat(np.arange(most), [len(first) for first in firsts])
    first = np.concatenate(firsts)
    return first, first + lengths


def _runs(label: str) -> Iterator[tuple[str, str]]:
    """``(run, its digits)``: the runs of one to :data:`RUN_WORDS` folded words of ``label``
    that are long enough to be a key nearly."""
    folded = words(label)
    for start in range(len(folded)):
        for stop in range(start + 1, min(start + RUN_WORDS, len(folded)) + 1):
            run = "".join(folded[start:stop])
            if len(run) >= MIN_NEAR_KEY - 1:
                yield run, "".join(_DIGITS.findall(run))


def _named(runs: list[tuple[str, str]], by_digits: dict[str, set[tuple[str, int]]]
           ) -> set[tuple[str, int]]:
    """The documents ``(key, party)`` that one of ``runs`` nearly names."""
    hits: set[tuple[str, int]] = set()
    for run, signature in runs:
        for key, party in by_digits.get(signature, ()):
            if (key != run and abs(len(key) - len(run)) <= 1
                    and fuzz.ratio(run, key) >= NEAR_CITATION):
                hits.add((key, party))
    return hits
