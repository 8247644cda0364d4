"""The vectorised reference frames against the per-text functions, line by line.

``slow_*`` below are the frame functions of :mod:`lettrage.references` as they were before
they were vectorised: every distinct text through the per-text functions (``reference_key``,
``document_number``, ``cited_keys``, ``cited_numbers``, ``label_numbers``). One change: the
``(key, number)`` pairs of one label are taken in sorted order, not a set's (hash) order, so
that the number kept when one label gives a key twice is defined (the fast path does the same).
"""
from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

import lettrage
from lettrage import references
from lettrage.engine import _prepare
from lettrage.references import (
    _DIGIT_RUN,
    MAX_LINES_PER_DOCUMENT,
    MIN_NEAR_KEY,
    NEAR_CITATION,
    _as_ascii,
    citations,
    cited_keys,
    cited_numbers,
    document_keys,
    document_number,
    document_references,
    is_document_key,
    label_numbers,
    near_citations,
    own_keys,
    reference_key,
    reference_keys,
    words,
)
from lettrage.settings import Settings

ROOT = Path(__file__).parent.parent
REAL = sorted((ROOT / "datasets" / "fec-neolegal").glob("*FEC*.[tT][xX][tT]"))


# --- The per-text path ------------------------------------------------------------------

def _per_unique(texts: pd.Series, function) -> list:
    codes, uniques = pd.factorize(texts.fillna(""), use_na_sentinel=False)
    results = [function(str(text)) for text in uniques]
    return [results[code] for code in codes]


def _pairs(lines: pd.Series, keys: Iterable) -> pd.DataFrame:
    frame = pd.DataFrame({"line": lines.to_numpy(), "key": list(keys)})
    frame = frame.explode("key").dropna()
    frame = frame[frame["key"] != ""]
    return frame.astype({"line": np.int64, "key": object}).drop_duplicates()


def _keyed_numbers(lines: pd.Series, pairs: Iterable) -> pd.DataFrame:
    """``(line, key, number)`` from one set of ``(key, number)`` per line."""
    frame = _pairs(lines, pairs)
    split = list(frame["key"]) or [("", "")]
    keys, numbers = zip(*split)
    return pd.DataFrame({"line": frame["line"].to_numpy(), "key": keys[: len(frame)],
                         "number": numbers[: len(frame)]})




def slow_own_keys(lines: pd.DataFrame) -> pd.DataFrame:
    """``(line, key, number)``: the references of each line — its PieceRef and NumFacture,
    and for the lines on the invoice side (column ``invoice_side``) the document numbers of
    their label. A settlement's label numbers are what it *cites*, never its own. ``number``
    (see :func:`document_number`) is filled on the invoice side only: a settlement is not
    what a short number cites."""
    def with_number(keys):
        return lambda text: {(key, document_number(text) if key else "") for key in keys(text)}

    invoice_side = (lines["invoice_side"].to_numpy(dtype=bool) if "invoice_side" in lines.columns
                    else np.zeros(len(lines), dtype=bool))
    frames = []
    for column in ("piece_ref", "invoice_number"):
        if column in lines.columns:
            frames.append(_keyed_numbers(
                lines["line"], _per_unique(lines[column], with_number(lambda t: {reference_key(t)}))))
    if "label" in lines.columns:
        invoices = lines[invoice_side]
        frames.append(_keyed_numbers(invoices["line"], _per_unique(
            invoices["label"],
            lambda text: sorted({(key, document_number(key_text)) for key_text in text.split()
                                 for key in label_numbers(key_text)}))))
    own = pd.concat(frames, ignore_index=True).drop_duplicates(ignore_index=True)
    on_invoice_side = pd.Series(invoice_side, index=lines["line"].to_numpy())
    own.loc[~on_invoice_side.reindex(own["line"]).fillna(False).to_numpy(dtype=bool), "number"] = ""
    return own


def slow_document_keys(lines: pd.DataFrame) -> pd.DataFrame:
    """``(line, key, party_id, number)`` of the lines whose own reference names one document.

    ``lines`` are the third-party lines of the whole ledger (lettered or not), with a
    ``party_id`` column: a key is a document key when it is numeric enough and carried by
    at most :data:`MAX_LINES_PER_DOCUMENT` lines, all of one third party. ``number`` is the
    document's short number when it names that one document in its third party, else ``""``.
    """
    own = slow_own_keys(lines)
    own = own[own["key"].map(is_document_key).astype(bool)]
    own = own.merge(lines[["line", "party_id"]], on="line")
    spread = own.groupby("key").agg(parties=("party_id", "nunique"), count=("line", "nunique"))
    good = spread[(spread["parties"] == 1) & (spread["count"] <= MAX_LINES_PER_DOCUMENT)].index
    documents = own.loc[own["key"].isin(good), ["line", "key", "party_id", "number"]]
    numbered = documents[documents["number"] != ""]
    keys_per_number = numbered.groupby(["party_id", "number"])["key"].nunique()
    shared = keys_per_number[keys_per_number > 1].reset_index()[["party_id", "number"]]
    clash = documents.merge(shared.assign(_shared=True), on=["party_id", "number"], how="left")
    documents = documents.assign(number=np.where(clash["_shared"].notna().to_numpy(), "",
                                                 documents["number"].to_numpy()))
    return documents.drop_duplicates(["line", "key"]).reset_index(drop=True)


def slow_citations(lines: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """``(line, key)``: the document keys each line cites — by the whole key, in its label or
    PieceRef, anywhere in the ledger; or by the document's number, in its label, in its own
    third party.

    A line's own document key is not a citation of itself.
    """
    empty = pd.DataFrame({"line": pd.Series(dtype=np.int64), "key": pd.Series(dtype=object)})
    known = set(documents["key"])
    if not known:
        return empty

    def cited(text: str) -> set[str]:
        return cited_keys(text) & known

    found = [
        _pairs(lines["line"], _per_unique(lines[column], cited))
        for column in ("label", "piece_ref")
    ]
    numbered = documents.loc[documents["number"] != "", ["party_id", "number", "key"]]
    if not numbered.empty:
        known_numbers = set(numbered["number"])
        for column in ("label",):  # a PieceRef is the line's own (bank) reference
            by_number = _pairs(lines["line"], _per_unique(
                lines[column], lambda text: cited_numbers(text) & known_numbers))
            by_number = by_number.rename(columns={"key": "number"}).merge(
                lines[["line", "party_id"]], on="line").merge(
                numbered.drop_duplicates(), on=["party_id", "number"])
            found.append(by_number[["line", "key"]])
    cites = pd.concat(found, ignore_index=True).drop_duplicates()
    own_numbers = documents.loc[documents["number"] != "", ["line", "number"]].rename(
        columns={"number": "key"})  # a document's own number is no citation either
    mine = pd.concat([documents[["line", "key"]], own_numbers]).drop_duplicates().assign(_own=True)
    cites = cites.merge(mine, on=["line", "key"], how="left")
    if cites.empty:
        return empty
    return cites.loc[cites["_own"].isna(), ["line", "key"]].reset_index(drop=True)


def slow_near_citations(lines: pd.DataFrame, documents: pd.DataFrame, cites: pd.DataFrame) -> pd.DataFrame:
    """``(line, key)``: mistyped citations. A line that cites no document, but one of whose
    label's runs of words is nearly the key of exactly one document of its third party —
    about as long (±1 character) and rapidfuzz ``ratio`` ≥ :data:`NEAR_CITATION`, for keys
    of :data:`MIN_NEAR_KEY` characters or more (one wrong or two swapped characters in
    ``FA2025-000123``) — cites that document. Two documents nearly named make no citation."""
    empty = pd.DataFrame({"line": pd.Series(dtype=np.int64), "key": pd.Series(dtype=object)})
    keys = documents.loc[documents["key"].str.len() >= MIN_NEAR_KEY, ["party_id", "key"]]
    if keys.empty:
        return empty
    digits = _per_unique(lines["label"], lambda text: bool(_DIGIT_RUN.search(text)))
    quiet = lines[np.asarray(digits, dtype=bool) & ~lines["line"].isin(cites["line"]).to_numpy()
                  & lines["party_id"].isin(keys["party_id"]).to_numpy()]
    if quiet.empty:
        return empty
    grams = _pairs(quiet["line"], _per_unique(
        quiet["label"], lambda text: {k for k in cited_keys(text) if len(k) >= MIN_NEAR_KEY - 1}))
    grams = grams.merge(quiet[["line", "party_id"]], on="line").sort_values(["party_id", "line", "key"])
    party_keys = {party: sorted(set(frame["key"])) for party, frame in keys.groupby("party_id")}
    parties = grams["party_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, parties[1:] != parties[:-1]]) if len(parties) else []
    stops = np.r_[starts[1:], len(parties)] if len(parties) else []
    found: list[tuple[int, str]] = []
    gram_lines, gram_texts = grams["line"].to_numpy(), grams["key"].to_numpy(dtype=object)
    for start, stop in zip(list(starts), list(stops)):
        names = party_keys[int(parties[start])]
        texts = gram_texts[start:stop].tolist()
        scores = process.cdist(texts, names, scorer=fuzz.ratio, score_cutoff=NEAR_CITATION)
        lengths = np.array([len(t) for t in texts])[:, None] - np.array([len(n) for n in names])
        hits = (scores > 0) & (np.abs(lengths) <= 1)
        for row, column in zip(*np.nonzero(hits)):
            found.append((int(gram_lines[start + row]), names[column]))
    if not found:
        return empty
    near = pd.DataFrame(found, columns=["line", "key"]).drop_duplicates()
    near = near[~near["line"].duplicated(keep=False)]  # one document nearly named, not two
    mine = documents[["line", "key"]].assign(_own=True)
    near = near.merge(mine, on=["line", "key"], how="left")
    return near.loc[near["_own"].isna(), ["line", "key"]].astype({"line": np.int64}).reset_index(drop=True)



# --- Comparison -------------------------------------------------------------------------


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def assert_same_frames(lines: pd.DataFrame, *, check_dtype: bool = True) -> None:
    """Every frame of the fast path equals the per-text path's: same rows, columns, dtypes.

    (On tiny frames the per-text path's ``key`` column turns ``object`` when one of its parts
    is empty — ``pd.concat`` with an empty float frame —; the random tests skip dtypes.)"""
    def same(fast, slow):
        pd.testing.assert_frame_equal(fast, slow, check_dtype=check_dtype)

    same(own_keys(lines), slow_own_keys(lines))
    documents = document_keys(lines)
    same(documents, slow_document_keys(lines))
    cites = citations(lines, documents)
    same(_sorted(cites), _sorted(slow_citations(lines, documents)))
    near = near_citations(lines, documents, cites)
    same(_sorted(near), _sorted(slow_near_citations(lines, documents, cites)))
    # the three at once, labels read once: the same frames
    shared_documents, shared_cites = document_references(lines)
    same(shared_documents, documents)
    same(_sorted(shared_cites), _sorted(pd.concat([cites.assign(near=False), near.assign(near=True)],
                                                  ignore_index=True)))
    for column in ("piece_ref", "label"):
        expected = [reference_key(str(text)) for text in lines[column]]
        assert reference_keys(lines[column]).tolist() == expected


def _selected(ledger: pd.DataFrame) -> pd.DataFrame:
    return _prepare(ledger, Settings())


@pytest.mark.parametrize("path", REAL, ids=[path.name for path in REAL])
def test_real_files(path):
    assert_same_frames(_selected(lettrage.read_fec(path)))


def _generator():
    spec = importlib.util.spec_from_file_location("lettrage_generator", ROOT / "datasets" / "generator.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_ledgers(seed, tmp_path):
    path = tmp_path / "123456789FEC20251231.txt"
    _generator().write(6000, seed, path, tmp_path / "truth.csv")
    lines = _selected(lettrage.read_fec(path))
    assert_same_frames(lines)
    # the same ledger as customers also write it: lower case, accents, other separators
    rng = np.random.default_rng(seed)
    noisy = lines["label"].to_numpy(dtype=object).copy()
    for index in rng.choice(len(noisy), size=len(noisy) // 3, replace=False):
        text = noisy[index].lower() if rng.random() < 0.5 else noisy[index]
        noisy[index] = text.replace("E", "É").replace(" ", rng.choice([" ", "  ", "\t", "\xa0", " - "]))
    assert_same_frames(lines.assign(label=noisy, piece_ref=lines["piece_ref"].str.lower()))


def test_near_citations_by_small_blocks(tmp_path, monkeypatch):
    """Near citations compared a few (label, run) pairs at a time find the same."""
    path = tmp_path / "123456789FEC20251231.txt"
    _generator().write(3000, 1, path, tmp_path / "truth.csv")
    lines = _selected(lettrage.read_fec(path))
    documents = document_keys(lines)
    cites = citations(lines, documents)
    whole = near_citations(lines, documents, cites)
    monkeypatch.setattr(references, "_NEAR_BLOCK", 7)
    assert len(whole)
    pd.testing.assert_frame_equal(near_citations(lines, documents, cites), whole)


# --- Random labels and references ---------------------------------------------------------

_TOKENS = [
    "VIR", "REGL", "FACT", "Facture", "réglement", "N°", "ÉCHÉANCE", "straße", "ﬁn", "Ⅻ", "²",
    "FA2025-000123", "fa 2025/123", "FA2025-00123", "FA2025123", "FA2025-04576", "FA2025-004567",
    "FA2025-004568", "F0001234", "INV-2025-01234", "FC154614", "AV2025-000012", "0123", "123",
    "00", "0", "000", "12", "2022", "1999", "20220331", "102022", "31.10.2022", "31/10", "1-2-22",
    "227.43", "-1234,5", "+12,50", "1 234,56", "058340", "5211", "5675", "99999999", "123456789",
    # mistyped references (near citations)
    "FA2025-004576", "FA2025-04576", "FA2O25-004567", "FA2025-0045677", "FA2025-00456", "F0001243",
    "FC154641", "INV-2025-01243", "FA2025-009899",
]
_REFERENCES = ["FA2025-004567", "FA2025-004568", "FA2025-009999", "FA2025-000123", "F0001234",
               "FC154614", "INV-2025-01234", "VIR1", "BQ1", "", "REL2025-06"]
_SEPARATORS = [" ", " ", " ", "", "-", "/", ".", "  ", "\t", "\n", "\x1c", "\xa0", "\u2003", "_"]


@st.composite
def _texts(draw):
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=20))
    tokens = draw(st.lists(st.one_of(st.sampled_from(_TOKENS),
                                     st.text("0123456789AFa", min_size=1, max_size=8)), max_size=6))
    text = ""
    for token in tokens:
        text += draw(st.sampled_from(_SEPARATORS)) + token
    return text + draw(st.sampled_from(["", " ", "\n"]))


@st.composite
def _lines(draw):
    size = draw(st.integers(1, 12))
    references = st.one_of(st.sampled_from(_REFERENCES), _texts())
    rows = [(line, draw(st.sampled_from([0, 0, 0, 1, 2])), draw(references), draw(_texts()),
             draw(st.sampled_from(["", "", "F0001234", "FA2025-000123"])), draw(st.booleans()))
            for line in range(1, size + 1)]
    return pd.DataFrame(rows, columns=["line", "party_id", "piece_ref", "label", "invoice_number",
                                       "invoice_side"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_lines())
def test_random_labels_and_references(lines):
    assert_same_frames(lines, check_dtype=False)


@settings(max_examples=500, deadline=None)
@given(_texts())
def test_random_texts_fold_alike(text):
    series = pd.Series([text, text.upper(), text.lower()])
    assert reference_keys(series).tolist() == [reference_key(t) for t in series]


@settings(max_examples=500, deadline=None)
@given(st.one_of(_texts(), st.text(max_size=20)))
def test_ascii_spellings_read_alike(text):
    """A text that is not ASCII takes the fast path spelt in ASCII: every per-text function
    reads the spelling as the text."""
    spelt = _as_ascii(text)
    if spelt is None:
        return
    assert spelt.isascii()
    for function in (words, reference_key, cited_keys, cited_numbers, document_number, label_numbers):
        assert function(spelt) == function(text)


@pytest.mark.parametrize(("text", "spelt"), [
    ("N° 1234", "N# 1234"), ("Réglement ÉCHÉANCE", "REglement ECHEANCE"), ("straße", "straSSe"),
    ("1°0012", None), ("12\xa034", None), ("x²", None), ("REF", "REF"),
])
def test_ascii_spellings(text, spelt):
    assert _as_ascii(text) == spelt


_INTEGERS = st.one_of(st.integers(-3, 3), st.integers(-(1 << 62), 1 << 62))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 3).flatmap(lambda width: st.lists(
    st.tuples(*[_INTEGERS] * width), max_size=30)))
def test_duplicated_rows_as_pandas_finds_them(rows):
    """The integer-key twin of ``DataFrame.duplicated`` (wide values renumbered)."""
    width = len(rows[0]) if rows else 2
    frame = pd.DataFrame(rows, columns=range(width), dtype=np.int64) if rows else \
        pd.DataFrame({column: pd.Series(dtype=np.int64) for column in range(width)})
    found = references._duplicated(*(frame[column].to_numpy() for column in frame.columns))
    assert found.tolist() == frame.duplicated().tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=15), max_size=40), st.integers(0, 5),
       st.sampled_from([1, 7, 1 << 20]))
def test_word_hashes_as_horner_hashes_them(words, skip, block):
    """Hashes of slices that follow one another, summed per slice (blocks of ``block``
    characters), against Horner's rule a character at a time."""
    from lettrage import reference_text as text

    lengths = np.array([len(word) for word in words], dtype=np.int64)
    data = np.frombuffer(b"x" * skip + b"".join(words), dtype=np.uint8)
    stops = skip + np.cumsum(lengths)
    starts = stops - lengths
    old_block, text._HASH_BLOCK = text._HASH_BLOCK, block
    try:
        found = text._hashes(data, starts, stops)
    finally:
        text._HASH_BLOCK = old_block
    assert found.tolist() == text._horner_hashes(data, starts, stops).tolist()


def _spelt(strings: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lengths = np.array([len(s) for s in strings], dtype=np.int64)
    data = np.frombuffer("".join(strings).encode("ascii"), dtype=np.uint8)
    starts = np.cumsum(lengths) - lengths
    return data, starts, starts + lengths


_ALIKE = st.text(alphabet="0129ABFZ", max_size=70)


@settings(max_examples=200, deadline=None)
@given(st.lists(_ALIKE.map(lambda text: text[:64]), min_size=1, max_size=8),
       st.lists(_ALIKE, min_size=1, max_size=8), st.data())
def test_lcs_lengths_as_rapidfuzz_finds_them(patterns, texts, data):
    """The bit-parallel longest common subsequences of many pairs at once, against
    rapidfuzz's ``LCSseq`` one pair at a time; and the near-citation verdict from them
    against rapidfuzz's ``ratio``."""
    from rapidfuzz.distance import LCSseq

    from lettrage import reference_text as text

    pairs = data.draw(st.lists(st.tuples(st.integers(0, len(patterns) - 1),
                                         st.integers(0, len(texts) - 1)), max_size=30))
    pattern = np.array([p for p, _ in pairs], dtype=np.int64)
    other = np.array([t for _, t in pairs], dtype=np.int64)
    found = text.lcs_lengths(_spelt(patterns), pattern, _spelt(texts), other)
    assert found.tolist() == [LCSseq.similarity(patterns[p], texts[t]) for p, t in pairs]
    both = np.array([len(patterns[p]) + len(texts[t]) for p, t in pairs], dtype=np.int64)
    verdict = references._near_enough(both, both - 2 * found)
    assert verdict.tolist() == [fuzz.ratio(patterns[p], texts[t], score_cutoff=NEAR_CITATION) > 0
                                for p, t in pairs]
