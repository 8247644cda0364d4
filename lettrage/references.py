"""Document references: what identifies an invoice, and what a payment cites.

A reference is folded to a *key*: upper case, accents dropped, separators removed, leading
zeros of every number dropped — so ``FA2025-000123``, ``fa 2025/123`` and ``FA2025 00123`` all
give ``FA2025123``. A line's own keys come from its PieceRef (and NumFacture); the keys it
*cites* are the runs of one to four consecutive words of its label and PieceRef.

Only *document keys* count as evidence: a key of at least four characters holding at least two
digits, carried by the lines of one third party and by at most :data:`MAX_LINES_PER_DOCUMENT`
of them. A journal-and-month reference shared by every sale (``VE 0123``) names no document
and proves nothing.

Customers shorten references: "REGL FACT 123" means FA2025-000123. So a document on the invoice
side also has a *number*, the last digit run of its reference without leading zeros (``123``).
A line that writes that number as a word of its label cites the document, provided the number
has at least :data:`MIN_NUMBER_DIGITS` digits, is not a year, and names one document of the
line's own third party — a number is too short to be trusted across the ledger.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

MAX_LINES_PER_DOCUMENT = 3
MAX_WORDS_PER_CITATION = 4
MIN_NUMBER_DIGITS = 3
#: A key nearly held in a label (rapidfuzz partial ratio, 0–100) is a mistyped citation when
#: the key is this long and the ratio this high.
NEAR_CITATION = 88
MIN_NEAR_KEY = 8
_WORD = re.compile(r"[0-9A-Z]+")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")
_DATE_TOKEN = re.compile(r"^\d{1,2}[./-]\d{1,2}([./-]\d{2,4})?$")
_TRAILING_DIGITS = re.compile(r"[0-9]+$")
_DIGIT_RUN = re.compile(r"[0-9]{3}")
_AMOUNT_TOKEN = re.compile(r"^[-+]?\d[\d ]*[.,]\d{1,2}$")


def words(text: str) -> list[str]:
    """The words of a text, folded: upper case, no accents, no leading zeros in numbers."""
    upper = text.upper()
    if not upper.isascii():  # accents off; other letters are not word characters anyway
        upper = unicodedata.normalize("NFKD", upper).encode("ascii", "ignore").decode("ascii")
    return _WORD.findall(_LEADING_ZEROS.sub("", upper))


def reference_key(text: str) -> str:
    """The key of a reference: its folded words joined (``FA2025-000123`` → ``FA2025123``)."""
    return "".join(words(text))


def is_document_key(key: str) -> bool:
    """Long and numeric enough to name a document (not ``VE``, ``RAN`` or ``12``)."""
    return len(key) >= 4 and sum(ch.isdigit() for ch in key) >= 2


def cited_keys(text: str) -> set[str]:
    """Every key a text may cite: runs of 1 to 4 consecutive words, joined."""
    folded = words(text)
    keys: set[str] = set()
    for start in range(len(folded)):
        joined = ""
        for word in folded[start : start + MAX_WORDS_PER_CITATION]:
            joined += word
            keys.add(joined)
    return keys


def document_number(text: str) -> str:
    """The number of a reference: the trailing digits of its last word that has any, without
    leading zeros (``FA2025-000123`` → ``123``, ``F0001234`` → ``1234``); ``""`` when it is
    too short or a year to name a document."""
    for word in reversed(words(text)):
        found = _TRAILING_DIGITS.search(word)
        if found:
            return found.group() if _is_document_number(found.group()) else ""
    return ""


def cited_numbers(text: str) -> set[str]:
    """The numbers a label may cite: the trailing digits of each of its words, except in
    amounts and dates (``REGL FACT 123`` → ``{"123"}``, ``VIR FA2025-000123`` → ``{"123"}``,
    ``TOTAL 227.43`` → nothing)."""
    found = set()
    for token in text.split():
        if _AMOUNT_TOKEN.match(token) or _DATE_TOKEN.match(token):
            continue
        for word in words(token):
            digits = _TRAILING_DIGITS.search(word)
            if digits and _is_document_number(digits.group()):
                found.add(digits.group())
    return found


def _is_document_number(digits: str) -> bool:
    return len(digits) >= MIN_NUMBER_DIGITS and not _looks_like_date(digits)


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


def label_numbers(text: str) -> set[str]:
    """Keys of the space-separated tokens of a label that look like a document number: at
    least four digits, not a year nor a date (``FA2025-000123`` → ``FA2025123``,
    ``058340`` → ``58340``; not ``2022`` nor ``20220331``). A token is folded whole, like a
    PieceRef, so a number is never cut into fragments that other documents share."""
    found = set()
    for token in text.split():
        if _DATE_TOKEN.match(token):
            continue
        key = reference_key(token)
        if sum(ch.isdigit() for ch in key) < 4 or _looks_like_date(key):
            continue
        found.add(key)
    return found


def _looks_like_date(key: str) -> bool:
    """A year, or digits that start or end with one (``2022``, ``102022``, ``20220331``)."""
    if not key.isdigit() or len(key) > 8:
        return False
    if len(key) == 4:
        return 1990 <= int(key) <= 2099
    return 1990 <= int(key[:4]) <= 2099 or 1990 <= int(key[-4:]) <= 2099


def own_keys(lines: pd.DataFrame) -> pd.DataFrame:
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
            lambda text: {(key, document_number(key_text)) for key_text in text.split()
                          for key in label_numbers(key_text)})))
    own = pd.concat(frames, ignore_index=True).drop_duplicates(ignore_index=True)
    on_invoice_side = pd.Series(invoice_side, index=lines["line"].to_numpy())
    own.loc[~on_invoice_side.reindex(own["line"]).fillna(False).to_numpy(dtype=bool), "number"] = ""
    return own


def document_keys(lines: pd.DataFrame) -> pd.DataFrame:
    """``(line, key, party_id, number)`` of the lines whose own reference names one document.

    ``lines`` are the third-party lines of the whole ledger (lettered or not), with a
    ``party_id`` column: a key is a document key when it is numeric enough and carried by
    at most :data:`MAX_LINES_PER_DOCUMENT` lines, all of one third party. ``number`` is the
    document's short number when it names that one document in its third party, else ``""``.
    """
    own = own_keys(lines)
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


def citations(lines: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
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
    mine = documents[["line", "key"]].assign(_own=True)
    cites = cites.merge(mine, on=["line", "key"], how="left")
    if cites.empty:
        return empty
    return cites.loc[cites["_own"].isna(), ["line", "key"]].reset_index(drop=True)


def near_citations(lines: pd.DataFrame, documents: pd.DataFrame, cites: pd.DataFrame) -> pd.DataFrame:
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


def pair_evidence(
    pairs: pd.DataFrame, documents: pd.DataFrame, cites: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """For pairs of lines ``(a, b)``: do their references agree, and do they contradict?

    They *agree* when one cites the other's document key. They *contradict* when neither
    cites the other's document and one of them cites a document that is not the other
    (situations 17 and 18). A mistyped citation (``cites["near"]``, see
    :func:`near_citations`) never makes a pair agree, but it contradicts a pair without the
    document it nearly names.
    """
    if pairs.empty or cites.empty:
        size = len(pairs)
        return np.zeros(size, dtype=bool), np.zeros(size, dtype=bool)
    indexed = pairs[["a", "b"]].reset_index(drop=True).rename_axis("pair").reset_index()
    own = documents[["line", "key"]]
    near = cites["near"].to_numpy(dtype=bool) if "near" in cites.columns else np.zeros(len(cites), bool)
    cited = cites[["line", "key"]].assign(_near=near)
    agree = np.zeros(len(indexed), dtype=bool)
    named = np.zeros(len(indexed), dtype=bool)
    for citer, other in (("a", "b"), ("b", "a")):
        hits = indexed.merge(cited, left_on=citer, right_on="line").merge(
            own, left_on=[other, "key"], right_on=["line", "key"]
        )
        named[hits["pair"].to_numpy()] = True
        agree[hits.loc[~hits["_near"].to_numpy(dtype=bool), "pair"].to_numpy()] = True
    citing = np.zeros(len(indexed), dtype=bool)
    citing_lines = set(cites["line"].tolist())
    for side in ("a", "b"):
        citing |= indexed[side].isin(citing_lines).to_numpy()
    return agree, citing & ~named
