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

import copy
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from lettrage import reference_text as _rt
from lettrage.arrays import distinct, numbers_in, stable_order
from lettrage.ledger import line_positions

MAX_LINES_PER_DOCUMENT = 3
MAX_WORDS_PER_CITATION = 4
MIN_NUMBER_DIGITS = 3
#: A key nearly held in a label (rapidfuzz ratio, 0–100) is a mistyped citation when the key
#: is this long and the ratio this high: one wrong character, or two swapped, in the shortest
#: key (8 characters: ratio 87.5); one more for each 8 characters more.
NEAR_CITATION = 87.5
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


#: What :func:`_as_ascii` makes of a character that is not ASCII: its folded letters, a mark
#: where it vanishes from the words, or a mark that the text must go through :func:`words`.
_VANISHES, _UNSAFE = "\ue000", "\ue001"
_JOINS = re.compile("[0-9A-Za-z]\ue000+[0-9A-Za-z]")


class _AsciiSpelling(dict):
    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char.isascii():
            spelt = char
        elif char.isspace() or char.isdecimal():  # str.split and the regexes' \d see them
            spelt = _UNSAFE
        else:
            spelt = unicodedata.normalize("NFKD", char.upper()).encode("ascii", "ignore").decode("ascii")
            if not spelt:
                spelt = _VANISHES
            elif not (spelt.isalpha() and spelt.isupper()):
                spelt = _UNSAFE
        self[code] = spelt
        return spelt


_SPELLING = _AsciiSpelling()


def _as_ascii(text: str) -> str | None:
    """An ASCII text that every per-text function reads as ``text`` (same tokens, same
    words, same amounts and dates), or ``None``. A letter with an accent becomes its letter
    (``É`` → ``E``); a character that folding drops (``°``) becomes ``#``, unless it stands
    between two letters or digits (dropping it joins them into one word); a space or digit
    that is not ASCII (``\xa0``, ``²``) makes ``None``."""
    spelt = text.translate(_SPELLING)
    if _UNSAFE in spelt or _JOINS.search(spelt):
        return None
    return spelt.replace(_VANISHES, "#")


def reference_key(text: str) -> str:
    """The key of a reference: its folded words joined (``FA2025-000123`` → ``FA2025123``)."""
    return "".join(words(text))


def is_document_key(key: str) -> bool:
    """Long and numeric enough to name a document (not ``VE``, ``RAN`` or ``12``), and not a
    month of a year (``08/2022``, ``2022.10``: a period, which other lines' labels name too)."""
    return len(key) >= 4 and sum(ch.isdigit() for ch in key) >= 2 and not _PERIOD_KEY.match(key)


#: The key of a month of a year, ``MM/YYYY`` or ``YYYY-MM`` folded (leading zeros dropped).
_PERIOD_KEY = re.compile(r"^(?:(?:[1-9]|1[0-2])(?:19|20)\d\d|(?:19|20)\d\d(?:[1-9]|1[0-2]))$")


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


# --- Frames: the functions above applied to every line, vectorised -----------------------
# Each column's distinct texts go through :mod:`lettrage.reference_text` when they are ASCII
# (or spelt in ASCII, :func:`_as_ascii`), through the per-text functions above otherwise;
# ``tests/test_references_fast.py`` checks the frames against the per-text functions applied
# line by line. Keys and numbers stay integer codes until a frame is returned.


class _Texts:
    """The distinct texts of a column: ``codes[i]`` is the text of the column's i-th line.

    ``fill``: a missing text is ``""`` (else ``str(value)``, ``"nan"`` for a NaN)."""

    def __init__(self, texts: pd.Series, *, fill: bool = True):
        array = _arrow_texts(texts, fill=fill)
        if array is None:
            codes, uniques = pd.factorize(texts.fillna("") if fill else texts, use_na_sentinel=False)
            array = pa.array([str(text) for text in uniques], type=pa.string())
        else:
            encoded = pc.dictionary_encode(array)
            codes, array = encoded.indices, encoded.dictionary
        self.codes = np.asarray(codes, dtype=np.int64)
        self.array = array
        self.size = len(array)
        ascii = np.asarray(pc.string_is_ascii(array).to_numpy(zero_copy_only=False), dtype=bool)
        other = np.flatnonzero(~ascii)
        spelt = [_as_ascii(text) for text in array.take(pa.array(other)).to_pylist()]
        converted = np.array([text is not None for text in spelt], dtype=bool)
        fast = ascii.copy()
        fast[other[converted]] = True
        self.ascii = np.flatnonzero(fast)  # the texts of the fast path (ASCII, or spelt in ASCII)
        self.other = other[~converted]
        self._fast = (array.filter(pa.array(ascii, type=pa.bool_())), np.flatnonzero(ascii),
                      other[converted], [text for text in spelt if text is not None])
        self._folded: _rt.Folded | None = None

    @property
    def folded(self) -> _rt.Folded:
        """The texts of the fast path (:attr:`ascii`), folded (once)."""
        if self._folded is None:
            plain, plain_at, spelt_at, spelt = self._fast
            if spelt:  # the ASCII spellings of other texts, each at its place among the texts
                merged = pa.concat_arrays([plain.cast(pa.string()), pa.array(spelt, type=pa.string())])
                plain = merged.take(pa.array(np.argsort(np.r_[plain_at, spelt_at], kind="stable")))
            self._folded = _rt.Folded(plain)
        return self._folded

    def text(self, index: int) -> str:
        return self.array[int(index)].as_py()

    def subset(self, positions: np.ndarray) -> _Texts:
        """The texts of the lines at ``positions``, among the same distinct texts (folded once)."""
        self.folded  # noqa: B018 (folded before the copy, so that both share it)
        texts = copy.copy(self)
        texts.codes = self.codes[positions]
        return texts

    def per_text(self, fast: Callable[[_rt.Folded], tuple[pa.Array, ...]],
                 slow: Callable[[str], tuple]) -> tuple[pa.Array, ...]:
        """Strings for each distinct text (one ``large_string`` array per value): ``fast`` on
        the ASCII texts at once, ``slow`` on each other text."""
        found = tuple(values.cast(pa.large_string()) for values in fast(self.folded))
        if not len(self.other):
            return found
        more = list(zip(*(slow(self.text(index)) for index in self.other)))
        place = np.empty(self.size, dtype=np.int64)  # each text's among the fast ones, then the others
        place[self.ascii] = np.arange(len(self.ascii))
        place[self.other] = len(self.ascii) + np.arange(len(self.other))
        return tuple(pa.concat_arrays([values, pa.array(list(strings), type=pa.large_string())])
                     .take(pa.array(place)) for values, strings in zip(found, more))

    def line_rows(self, text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For findings of the texts ``text``, those of each line's text, line after line:
        (position of the line, index of the finding)."""
        order = np.argsort(text, kind="stable")
        counts = np.bincount(text, minlength=self.size)
        starts = np.cumsum(counts) - counts
        per_line = counts[self.codes]
        position = np.repeat(np.arange(len(self.codes)), per_line)
        offset = np.arange(len(position)) - np.repeat(np.cumsum(per_line) - per_line, per_line)
        return position, order[np.repeat(starts[self.codes], per_line) + offset]

    def known(self, fast: Callable[[_rt.Folded], tuple[np.ndarray, np.ndarray]],
              slow: Callable[[str], Iterable[int]]) -> tuple[np.ndarray, np.ndarray]:
        """``(position of the line, value)`` line after line: the distinct integer values
        each line's text gives — ``fast`` on the texts of the fast path (``(text among
        them, value)``, text after text), ``slow`` on each other text."""
        index, values = fast(self.folded)
        text = self.ascii[index]
        rows = [(int(index), value) for index in self.other for value in slow(self.text(index))]
        if rows:
            more = np.array(rows, dtype=np.int64).reshape(-1, 2)
            text, values = np.r_[text, more[:, 0]], np.r_[values, more[:, 1]]
        first = ~pd.Series(text * (int(values.max()) + 1 if len(values) else 1) + values).duplicated()
        text, values = text[first.to_numpy()], values[first.to_numpy()]
        position, rows = self.line_rows(text)
        return position, values[rows]


class _Columns:
    """The :class:`_Texts` of the columns of ``lines``, each read once."""

    def __init__(self, lines: pd.DataFrame):
        self._lines = lines
        self._texts: dict[str, _Texts] = {}

    def __getitem__(self, column: str) -> _Texts:
        if column not in self._texts:
            self._texts[column] = _Texts(self._lines[column])
        return self._texts[column]


def _arrow_texts(texts: pd.Series, *, fill: bool) -> pa.Array | None:
    """The texts as one pyarrow string array, or ``None`` when some are not strings (or are
    missing and ``fill`` is off): those go through ``str``."""
    try:
        array = pa.array(texts, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None if len(array) else pa.array([], type=pa.string())
    if array.null_count:
        if not fill:
            return None
        array = pc.fill_null(array, "")
    return array


def _fast_keys_and_numbers(folded: _rt.Folded) -> tuple[pa.Array, pa.Array]:
    # a text without key has no word, hence no number
    return folded.keys(), folded.document_numbers(min_digits=MIN_NUMBER_DIGITS)


def reference_keys(texts: pd.Series) -> np.ndarray:
    """:func:`reference_key` of ``str(text)`` for each text (``NaN`` gives ``"NAN"``), as an
    object array; the same texts folded once."""
    distinct = _Texts(texts, fill=False)
    (keys,) = distinct.per_text(lambda folded: (folded.keys(),), lambda text: (reference_key(text),))
    return _rt._objects(keys)[distinct.codes]


def own_keys(lines: pd.DataFrame) -> pd.DataFrame:
    """``(line, key, number)``: the references of each line — its PieceRef and NumFacture,
    and for the lines on the invoice side (column ``invoice_side``) the document numbers of
    their label. A settlement's label numbers are what it *cites*, never its own. ``number``
    (see :func:`document_number`) is filled on the invoice side only: a settlement is not
    what a short number cites."""
    return _own_keys(lines, None)


def _own_keys(lines: pd.DataFrame, columns: _Columns | None) -> pd.DataFrame:
    """:func:`own_keys`; ``columns``: the texts of the lines when read for other uses too."""
    own, strings = _own_codes(lines, columns)
    strings = _rt._objects(strings)
    return own.assign(key=strings[own["key"].to_numpy()],
                      number=strings[own["number"].to_numpy()]).drop(columns="source")


def _own_codes(lines: pd.DataFrame, columns: _Columns | None) -> tuple[pd.DataFrame, pa.Array]:
    """:func:`own_keys` with ``key`` and ``number`` as positions among distinct strings
    (``large_string``, ``""`` first), and the ``source`` of each row (0 PieceRef, 1 NumFacture,
    2 label: rows are in that order, then in line order)."""
    line_ids = lines["line"].to_numpy(dtype=np.int64)
    invoice_side = (lines["invoice_side"].to_numpy(dtype=bool) if "invoice_side" in lines.columns
                    else np.zeros(len(lines), dtype=bool))
    positions, keys, numbers, texts_of = [], [], [], []  # keys and numbers per text, for now
    sources = []
    for source, column in enumerate(("piece_ref", "invoice_number")):
        if column in lines.columns:
            texts = _Texts(lines[column]) if columns is None else columns[column]
            key, number = texts.per_text(
                _fast_keys_and_numbers,
                lambda text: (reference_key(text), document_number(text) if reference_key(text) else ""))
            positions.append(np.arange(len(lines)))
            sources.append(np.full(len(lines), source, dtype=np.int8))
            keys.append(key)
            numbers.append(number)
            texts_of.append(texts.codes)
    if "label" in lines.columns:
        invoices = np.flatnonzero(invoice_side)
        texts = (_Texts(lines["label"].iloc[invoices]) if columns is None
                 else columns["label"].subset(invoices))
        used = np.bincount(texts.codes, minlength=texts.size)[texts.ascii] > 0  # on the invoice side
        key, text, number = texts.folded.label_numbers(min_digits=MIN_NUMBER_DIGITS, texts=used)
        text = texts.ascii[text]
        rows = [(int(index), *row) for index in texts.other for row in sorted(
            {(key, document_number(key_text)) for key_text in texts.text(index).split()
             for key in label_numbers(key_text)})]
        if rows:
            more_text, more_keys, more_numbers = zip(*rows)
            text = np.r_[text, np.asarray(more_text, dtype=np.int64)]
            key = pa.concat_arrays([key, pa.array(more_keys, type=pa.large_string())])
            number = pa.concat_arrays([number, pa.array(more_numbers, type=pa.large_string())])
        keys.append(key)
        numbers.append(number)
    codes, strings = _encoded(pa.concat_arrays([pa.array([""], type=pa.large_string()), *keys, *numbers]))
    codes = codes[1:]  # "" is 0
    cut = np.cumsum([len(values) for values in keys + numbers])
    key_codes, number_codes = codes[: cut[len(keys) - 1]], codes[cut[len(keys) - 1] : cut[-1]]
    per_column = [len(values) for values in keys]
    key_codes = np.split(key_codes, np.cumsum(per_column)[:-1])
    number_codes = np.split(number_codes, np.cumsum(per_column)[:-1])
    own_keys_, own_numbers = [], []
    for index, column_codes in enumerate(texts_of):  # PieceRef and NumFacture: one per line
        own_keys_.append(key_codes[index][column_codes])
        own_numbers.append(number_codes[index][column_codes])
    if "label" in lines.columns:
        # a label's distinct pairs in sorted order: the number kept when it gives one key twice
        text, key, number = np.asarray(text, dtype=np.int64), key_codes[-1], number_codes[-1]
        rank = _ranks_within(strings, text, key, number)
        order = np.lexsort((rank[number], rank[key], text))
        text, key, number = text[order], key[order], number[order]
        distinct = np.r_[True, (text[1:] != text[:-1]) | (key[1:] != key[:-1])
                         | (number[1:] != number[:-1])] if len(text) else np.zeros(0, dtype=bool)
        text, key, number = text[distinct], key[distinct], number[distinct]
        position, rows = texts.line_rows(text)
        positions.append(invoices[position])
        sources.append(np.full(len(position), 2, dtype=np.int8))
        own_keys_.append(key[rows])
        own_numbers.append(number[rows])
    position = np.concatenate(positions)
    own = pd.DataFrame({"line": line_ids[position], "key": np.concatenate(own_keys_),
                        "number": np.concatenate(own_numbers), "source": np.concatenate(sources)})
    first = ~_duplicated(own["line"].to_numpy(), own["key"].to_numpy(), own["number"].to_numpy())
    own, position = own[first].reset_index(drop=True), position[first]
    own.loc[~invoice_side[position], "number"] = 0  # ""
    return own, strings


def _encoded(values: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """``(codes, strings)``: the distinct ``values`` in order of first appearance, and the
    position of each value among them."""
    encoded = pc.dictionary_encode(values)
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64), encoded.dictionary


def _ranks_within(strings: pa.Array, group: np.ndarray, *codes: np.ndarray) -> np.ndarray:
    """A rank for each of ``strings`` that sorts as they do, among the strings that ``codes``
    give in groups of more than one row (``group``: each row's, from 0); 0 for the others —
    alone in their group, their order does not matter. Fewer strings to sort than all."""
    shared = np.bincount(group)[group] > 1 if len(group) else np.zeros(0, dtype=bool)
    used = distinct(np.concatenate([column[shared] for column in codes]))
    order = pc.sort_indices(strings.take(pa.array(used))).to_numpy(zero_copy_only=False)
    rank = np.zeros(len(strings), dtype=np.int64)
    rank[used[np.asarray(order, dtype=np.int64)]] = np.arange(1, len(used) + 1)
    return rank


def document_keys(lines: pd.DataFrame) -> pd.DataFrame:
    """``(line, key, party_id, number)`` of the lines whose own reference names one document.

    ``lines`` are the third-party lines of the whole ledger (lettered or not), with a
    ``party_id`` column: a key is a document key when it is numeric enough and carried by
    at most :data:`MAX_LINES_PER_DOCUMENT` lines, all of one third party. ``number`` is the
    document's short number when it names that one document in its third party, else ``""``.
    """
    return _document_keys(lines, None)


def _document_keys(lines: pd.DataFrame, columns: _Columns | None) -> pd.DataFrame:
    """:func:`document_keys`; ``columns``: the texts of the lines when read for other uses
    too. Keys and numbers are codes (see :func:`_own_codes`) until the end."""
    return _documents_of([_PartDocuments.of(lines, *_own_codes(lines, columns))], lines)


@dataclass(frozen=True)
class _PartDocuments:
    """The rows of :func:`_own_codes` of a part of the lines (whole third parties) whose key
    names a document as far as the part sees (:func:`is_document_key`, one third party, at
    most :data:`MAX_LINES_PER_DOCUMENT` lines), in their order; ``key`` and ``number`` index
    the part's ``strings`` (``""`` first). ``keys``: every document key of the part,
    there or not, to tell the keys that other parts carry too. ``keys_hashes``: the hashes of
    ``keys``, sorted, and ``key_rank`` the place of each row's key's among them (made in the
    part's process): a first filter of the keys that other parts carry."""

    line: np.ndarray
    key: np.ndarray
    number: np.ndarray
    source: np.ndarray
    party_id: np.ndarray
    strings: pa.Array
    keys: pa.Array
    key_rank: np.ndarray
    keys_hashes: np.ndarray

    @classmethod
    def of(cls, lines: pd.DataFrame, own: pd.DataFrame, strings: pa.Array) -> _PartDocuments:
        """The candidates among ``own`` (:func:`_own_codes` of ``lines``, with ``strings``)."""
        named = _is_document_key(strings)
        key = own["key"].to_numpy()
        kept = named[key]
        line, key = own["line"].to_numpy()[kept], key[kept]
        party = lines["party_id"].to_numpy()[line_positions(lines["line"].to_numpy(dtype=np.int64), line)]
        parties = _distinct_per(key, party, len(strings))
        count = _distinct_per(key, line, len(strings))
        good = ((parties == 1) & (count <= MAX_LINES_PER_DOCUMENT))[key]
        held = np.flatnonzero(np.bincount(key, minlength=len(strings)) > 0)
        keys = strings.take(pa.array(held))
        hashes = _rt._string_hashes(keys)
        order = np.argsort(hashes)
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return cls(line[good], key[good], own["number"].to_numpy()[kept][good],
                   own["source"].to_numpy()[kept][good], party[good], strings, keys,
                   rank[np.searchsorted(held, key[good])], hashes[order])


def _documents_of(parts: list[_PartDocuments], lines: pd.DataFrame) -> pd.DataFrame:
    """:func:`document_keys` of ``lines`` from the :class:`_PartDocuments` of parts of them:
    a key held by two parts (two third parties) names no document."""
    return _coded_documents_of(parts, lines)[0]


def _coded_documents_of(parts: list[_PartDocuments], lines: pd.DataFrame
                        ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, pa.Array]:
    """:func:`_documents_of`, and each document's key and number as a position among
    ``strings`` (the parts' strings in a row, also returned): equal for equal keys, and for
    equal numbers of the documents of one part."""
    part = np.repeat(np.arange(len(parts)), [len(found.line) for found in parts])
    line, key, number, source, party = (np.concatenate([getattr(found, name) for found in parts])
                                        for name in ("line", "key", "number", "source", "party_id"))
    if len(parts) > 1:
        kept = ~np.concatenate([_held_elsewhere(parts, index) for index in range(len(parts))])
        at = line_positions(lines["line"].to_numpy(dtype=np.int64), line[kept])
        order = np.flatnonzero(kept)[np.lexsort((at, source[kept]))]  # as one part finds them
        part, line, key, number, party = part[order], line[order], key[order], number[order], party[order]
    blank = 0  # the code of "" (first among each part's strings)
    numbered = np.flatnonzero(number != blank)
    if len(numbered):  # a number two keys of a third party give names neither
        shared = pd.factorize(_joined(party[numbered], number[numbered]))[0]
        first = ~pd.Series(_joined(shared, key[numbered])).duplicated().to_numpy()
        keys_per_number = np.bincount(shared[first])
        number = number.copy()
        number[numbered[keys_per_number[shared] > 1]] = blank
    first = ~_duplicated(line, key)
    part, line, key, number, party = part[first], line[first], key[first], number[first], party[first]
    offsets = np.cumsum([0, *(len(found.strings) for found in parts)])[part]
    strings = pa.concat_arrays([found.strings for found in parts]) if len(parts) > 1 else parts[0].strings
    key, number = offsets + key, offsets + number
    return (pd.DataFrame({"line": line.astype(np.int64), "key": _str_array(strings, key),
                          "party_id": party, "number": _str_array(strings, number)}), key, number, strings)


@dataclass(frozen=True)
class DocumentCodes:
    """The documents' keys and numbers as integers, made where the parts' documents are joined
    (:func:`coded_documents_of_parts`) so that no part hashes them again: ``key``, each
    document's key as a position among ``keys``, the distinct keys in order of first
    appearance (what :meth:`_Index.encode` of the keys gives); ``number``, each document's
    number as a code, equal where the numbers are among the documents of one part."""

    keys: pa.Array
    key: np.ndarray
    number: np.ndarray

    @classmethod
    def of(cls, key: np.ndarray, number: np.ndarray, strings: pa.Array) -> DocumentCodes:
        """The codes of documents whose key and number are at ``key`` and ``number`` among
        ``strings`` (one position for each distinct key)."""
        rows, index = _first_appearance(key)
        return cls(strings.take(pa.array(key[rows])).cast(pa.string()), index, number)

    def numbers(self, documents: pd.DataFrame, wanted: np.ndarray) -> tuple[_Index, np.ndarray]:
        """:meth:`_Index.encode` of the numbers of the ``documents`` at ``wanted`` (a mask),
        whose numbers are those of one part."""
        at = np.flatnonzero(wanted)
        rows, index = _first_appearance(self.number[at])
        return _Index(_key_strings(documents["number"]).take(pa.array(at[rows])).cast(pa.string())), index


def _first_appearance(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, index)``: the rows where each distinct code (from 0) first appears, in order,
    and each row's code's position among them — as ``dictionary_encode`` numbers values."""
    size = int(codes.max()) + 1 if len(codes) else 0
    first = np.full(size, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes)))
    rows = np.flatnonzero(first[codes] == np.arange(len(codes)))
    position = np.empty(size, dtype=np.int64)
    position[codes[rows]] = np.arange(len(rows))
    return rows, position[codes]


def _held_elsewhere(parts: list[_PartDocuments], index: int) -> np.ndarray:
    """Whether each candidate key of part ``index`` is a document key of another part: the
    keys whose hash another part's key has (the part's sorted hashes searched, in order, among
    the others'), then those of them that are."""
    found = parts[index]
    others = [other for at, other in enumerate(parts) if at != index]
    hashes = (others[0].keys_hashes if len(others) == 1
              else np.sort(np.concatenate([other.keys_hashes for other in others])))
    if not len(hashes):
        return np.zeros(len(found.key), dtype=bool)
    mine = found.keys_hashes
    held = (hashes[np.minimum(np.searchsorted(hashes, mine), len(hashes) - 1)] == mine)[found.key_rank]
    maybe = np.flatnonzero(held)
    if len(maybe):
        named = pc.is_in(found.strings.take(pa.array(found.key[maybe])),
                         value_set=pa.concat_arrays([other.keys for other in others]))
        held[maybe] = np.asarray(named.to_numpy(zero_copy_only=False), dtype=bool)
    return held


def _str_array(strings: pa.Array, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``strings[codes]`` as a pandas ``str`` array."""
    return pd.array(strings.take(pa.array(codes)), dtype="str")


def _distinct_per(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """How many distinct ``values`` each code has."""
    codes = np.asarray(codes, dtype=np.int64)
    return np.bincount(codes[~_duplicated(codes, np.asarray(values, dtype=np.int64))], minlength=size)


def _duplicated(*columns: np.ndarray) -> np.ndarray:
    """``DataFrame(columns).duplicated()`` of integer columns: whether each row repeats an
    earlier one."""
    if not len(columns[0]):
        return np.zeros(0, dtype=bool)
    return pd.Series(_joined(*columns)).duplicated().to_numpy()


def _joined(*columns: np.ndarray) -> np.ndarray:
    """Integer columns joined into one integer key, equal where all columns are (renumbered
    when it would overflow)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    span = 1
    for column in columns:
        column = np.asarray(column, dtype=np.int64)
        if not len(column):
            return key
        low = int(column.min())
        width = int(column.max()) - low + 1
        if span * width < 1 << 62:
            column = column - low
        else:  # renumbered, and the key too when still too wide
            column, distinct = pd.factorize(column)
            width = len(distinct)
            if span * width >= 1 << 62:
                key, distinct = pd.factorize(key)
                span = len(distinct)
        key = key * width + column
        span *= width
    return key


def _lengths_and_digits(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The number of characters, and of digits, of each string."""
    if pc.all(pc.string_is_ascii(array)).as_py() is not False:  # a byte a character
        data, offsets = _rt._bytes(array)
        return np.diff(offsets), np.diff(_rt.counts_before((data >= 48) & (data <= 57), offsets))
    lengths = pc.utf8_length(array).to_numpy(zero_copy_only=False)
    digits = pc.utf8_length(pc.replace_substring_regex(array, "[^0-9]+", "")).to_numpy(zero_copy_only=False)
    return np.asarray(lengths, dtype=np.int64), np.asarray(digits, dtype=np.int64)


def _is_document_key(array: pa.Array) -> np.ndarray:
    """:func:`is_document_key` of each key (strings)."""
    if not pc.all(pc.string_is_ascii(array)).as_py():  # keys are folded: never, in practice
        return np.array([is_document_key(key) for key in array.to_pylist()], dtype=bool)
    data, offsets = _rt._bytes(array)
    digits = np.diff(_rt.counts_before((data >= 48) & (data <= 57), offsets))
    lengths = np.diff(offsets)
    named = (lengths >= 4) & (digits >= 2)
    maybe_period = np.flatnonzero(named & (digits == lengths) & (lengths >= 5) & (lengths <= 6))
    if len(maybe_period):
        periods = pc.match_substring_regex(array.take(pa.array(maybe_period)), _PERIOD_KEY.pattern)
        named[maybe_period[np.asarray(periods.to_numpy(zero_copy_only=False), dtype=bool)]] = False
    return named


def citations(lines: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """``(line, key)``: the document keys each line cites — by the whole key, in its label or
    PieceRef, anywhere in the ledger; or by the document's number, in its label, in its own
    third party.

    A line's own document key is not a citation of itself, nor is its number: invoice
    ``FA  220323`` does not cite another third party's document ``220323``.
    """
    return _citations(lines, _Columns(lines), documents)


def _citations(lines: pd.DataFrame, columns: _Columns, documents: pd.DataFrame, *,
               sources: bool = False, theirs: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`citations`, ``columns`` the texts of the lines. Keys are handled as their index
    among the document keys until the end. ``sources``: with a column ``source`` saying
    where each citation was found (0 label, 1 PieceRef, 2 a number in the label: rows are in
    that order, then in line order). ``theirs``: which ``documents`` are of the lines' third
    parties (all when not given): only those can be cited by number, or be the lines' own."""
    return _citations_and_own(lines, columns, documents, sources=sources, theirs=theirs)[0]


def _citations_and_own(lines: pd.DataFrame, columns: _Columns, documents: pd.DataFrame, *,
                       sources: bool = False, theirs: np.ndarray | None = None,
                       keys: tuple[_Index, np.ndarray] | None = None,
                       codes: DocumentCodes | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`_citations`, and the lines whose label holds their own document's key (a run of
    its words) of :data:`MIN_NEAR_KEY` characters or more: what :func:`_near_citations` may
    leave out. ``keys``: :meth:`_Index.encode` of the documents' keys, when already made;
    ``codes``: the documents' codes, when ``theirs`` are the documents of one part."""
    empty = pd.DataFrame({"line": pd.Series(dtype=np.int64), "key": pd.Series(dtype=object)})
    if sources:
        empty["source"] = pd.Series(dtype=np.int8)
    if documents.empty:
        return empty, np.zeros(0, dtype=np.int64)
    key_index, document_key = _Index.encode(documents["key"]) if keys is None else keys
    known_keys = key_index.strings
    line_ids = lines["line"].to_numpy(dtype=np.int64)
    found_lines, found_keys = [], []
    labels = columns["label"]
    lookup = _rt.Lookup(known_keys)
    for texts in (labels, columns["piece_ref"]):
        position, key = texts.known(
            lambda folded: folded.known_runs(MAX_WORDS_PER_CITATION, lookup),
            lambda text: key_index.of(cited_keys(text)))
        found_lines.append(line_ids[position])
        found_keys.append(key)
    if theirs is None:
        theirs = np.ones(len(documents), dtype=bool)
    has_number = (documents["number"] != "").to_numpy() & theirs
    if has_number.any():  # numbers in labels only: a PieceRef is the line's own (bank) reference
        number_index, number_of = (_Index.encode(documents["number"].iloc[has_number]) if codes is None
                                   else codes.numbers(documents, has_number))
        numbers = _rt.Lookup(number_index.strings)
        position, number = labels.known(
            lambda folded: folded.known_numbers(numbers, min_digits=MIN_NUMBER_DIGITS),
            lambda text: number_index.of(cited_numbers(text)))
        numbered = pd.DataFrame({"party_id": documents["party_id"].to_numpy(dtype=np.int64)[has_number],
                                 "number": number_of, "key": document_key[has_number]})
        by_number = pd.DataFrame({"line": line_ids[position], "number": number,
                                  "party_id": lines["party_id"].to_numpy()[position]}).merge(
            numbered.drop_duplicates(), on=["party_id", "number"])
        found_lines.append(by_number["line"].to_numpy(dtype=np.int64))
        found_keys.append(by_number["key"].to_numpy(dtype=np.int64))
    found_in = np.repeat(np.arange(len(found_lines), dtype=np.int8), [len(x) for x in found_lines])
    cited_lines, cited = np.concatenate(found_lines), np.concatenate(found_keys)
    width = len(known_keys)
    pairs = pd.Series(cited_lines * width + cited)
    first = ~pairs.duplicated().to_numpy()
    mine = documents["line"].to_numpy(dtype=np.int64)[theirs] * width + document_key[theirs]
    kept = first & ~pairs.isin(np.concatenate([mine, _own_numbers(documents, has_number, lookup)])).to_numpy()
    named_own = _naming_their_own(pairs.to_numpy()[: len(found_lines[0])], mine, width, known_keys)
    if not first.any():
        return empty, named_own
    keys = _rt._objects(known_keys.take(pa.array(cited[kept])))
    found = pd.DataFrame({"line": cited_lines[kept], "key": pd.Series(keys, dtype=object)})
    return (found.assign(source=found_in[kept]) if sources else found), named_own


def _naming_their_own(in_labels: np.ndarray, mine: np.ndarray, width: int, keys: pa.Array) -> np.ndarray:
    """The lines (sorted) of the ``line · width + key`` codes ``in_labels`` (keys found in
    labels) that are among ``mine`` (each document's) with a key of :data:`MIN_NEAR_KEY`
    characters or more."""
    own = in_labels[pd.Series(in_labels).isin(mine).to_numpy()]
    long_keys = np.asarray(pc.utf8_length(keys).to_numpy(zero_copy_only=False)) >= MIN_NEAR_KEY
    return distinct(own[long_keys[own % width]] // width)


def _own_numbers(documents: pd.DataFrame, wanted: np.ndarray, keys: _rt.Lookup) -> np.ndarray:
    """``line * len(keys.strings) + key`` for each document (of those ``wanted``, a mask)
    whose number is itself one of the known ``keys``."""
    rows = np.flatnonzero(wanted)
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    numbers = _key_strings(documents["number"]).take(pa.array(rows))
    position = keys.positions(_rt._string_hashes(numbers))
    hashed = np.flatnonzero(position >= 0)
    index = keys.index(numbers.take(pa.array(hashed)), position[hashed])
    known = index >= 0
    return documents["line"].to_numpy(dtype=np.int64)[rows[hashed[known]]] * len(keys.strings) + index[known]


class _Index:
    """Strings (distinct) and their positions."""

    def __init__(self, strings: pa.Array):
        self.strings = strings
        self._of: dict[str, int] | None = None

    @classmethod
    def encode(cls, values: pd.Series) -> tuple[_Index, np.ndarray]:
        """The distinct ``values`` (in order of appearance), and the position of each value."""
        encoded = pc.dictionary_encode(pa.array(values, type=pa.string(), from_pandas=True))
        return cls(encoded.dictionary), np.asarray(encoded.indices.to_numpy(zero_copy_only=False),
                                                   dtype=np.int64)

    def of(self, values: Iterable[str]) -> list[int]:
        """The positions of those of ``values`` that are among the strings."""
        if self._of is None:
            self._of = {text: index for index, text in enumerate(self.strings.to_pylist())}
        return [self._of[value] for value in values if value in self._of]


def document_references(lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(documents, cites)``: the :func:`document_keys` of ``lines``, and the
    :func:`citations` then the :func:`near_citations` of their lines, the latter flagged
    ``True`` in a column ``near`` — the three with the labels read and folded once."""
    return _references(lines, _Columns(lines))


def references_and_piece_keys(
    lines: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray | pd.api.extensions.ExtensionArray]:
    """:func:`document_references` of ``lines``, and :func:`reference_keys` of their
    ``piece_ref`` column — the PieceRefs read and folded once for both; the keys as a
    ``str`` array (each distinct key made a string once) when there are any."""
    columns = _Columns(lines)
    documents, cites = _references(lines, columns)
    return documents, cites, _piece_keys(lines, columns)


def _piece_keys(lines: pd.DataFrame, columns: _Columns) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """:func:`reference_keys` of the PieceRefs, as a ``str`` array when none is missing."""
    if lines["piece_ref"].isna().any() or not len(lines):  # reference_keys: a missing text is "NAN"
        return reference_keys(lines["piece_ref"])
    pieces = columns["piece_ref"]
    (keys,) = pieces.per_text(lambda folded: (folded.keys(),), lambda text: (reference_key(text),))
    return pd.array(keys.take(pa.array(pieces.codes)), dtype="str")


class ReferencesOfParties:
    """The references of the lines of some third parties, in two steps around the whole
    ledger's documents: :meth:`own_keys`, then — once :func:`documents_of_parts` has joined
    every part's — :meth:`citations`. Their texts are read and folded once, for both.
    :mod:`lettrage.parallel_references` runs one part a process."""

    def __init__(self, lines: pd.DataFrame) -> None:
        self.lines = lines
        self._columns = _Columns(lines)
        #: the :class:`DocumentCodes` of the documents :meth:`citations` is given, when
        #: :func:`coded_documents_of_parts` made them (else made there)
        self.codes: DocumentCodes | None = None

    def own_keys(self) -> _PartDocuments:
        """The rows of :func:`_own_codes` that name a document as far as this part sees."""
        return _PartDocuments.of(self.lines, *_own_codes(self.lines, self._columns))

    def citations(self, documents: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, object]:
        """``(cites, near, piece_keys)`` of these lines: their citations of the ``documents``
        of the whole ledger (with their ``source``), their mistyped citations of their own
        third parties' documents, and the keys of their PieceRefs."""
        codes = self.codes
        parties = distinct(self.lines["party_id"].to_numpy())
        theirs = np.isin(documents["party_id"].to_numpy(), parties)
        keys = _Index.encode(documents["key"]) if codes is None else (_Index(codes.keys), codes.key)
        cites, named_own = _citations_and_own(self.lines, self._columns, documents, sources=True,
                                              theirs=theirs, keys=keys, codes=codes)
        near = _near_citations(self.lines, self._columns["label"], documents[theirs], cites,
                               named_own=named_own, key_codes=keys[1][theirs])
        return cites, near, _piece_keys(self.lines, self._columns)


def documents_of_parts(lines: pd.DataFrame, owns: list[_PartDocuments]) -> pd.DataFrame:
    """:func:`document_keys` of ``lines`` from the :meth:`ReferencesOfParties.own_keys` of
    parts of them (whole third parties each): the same rows, in the same order."""
    return _documents_of(owns, lines)


def coded_documents_of_parts(lines: pd.DataFrame, owns: list[_PartDocuments]
                             ) -> tuple[pd.DataFrame, DocumentCodes]:
    """:func:`documents_of_parts`, and their :class:`DocumentCodes` for
    :meth:`ReferencesOfParties.citations`."""
    documents, key, number, strings = _coded_documents_of(owns, lines)
    return documents, DocumentCodes.of(key, number, strings)


def citations_of_parts(lines: pd.DataFrame, found: list[tuple[pd.DataFrame, pd.DataFrame]]) -> pd.DataFrame:
    """The citations of :func:`document_references` from the ``(cites, near)`` of
    :meth:`ReferencesOfParties.citations` of parts of ``lines``: the same rows, in the same
    order."""
    line_ids = lines["line"].to_numpy(dtype=np.int64)
    cites = pd.concat([part for part, _ in found], ignore_index=True)
    at = line_positions(line_ids, cites["line"].to_numpy(dtype=np.int64))
    cites = cites.iloc[np.lexsort((at, cites["source"].to_numpy()))].drop(columns="source")
    near = pd.concat([part for _, part in found], ignore_index=True)
    party = lines["party_id"].to_numpy()[line_positions(line_ids, near["line"].to_numpy(dtype=np.int64))]
    near = near.iloc[np.lexsort((near["line"].to_numpy(), party))]
    return pd.concat([cites.assign(near=False), near.assign(near=True)], ignore_index=True)


def piece_keys_of_parts(lines: pd.DataFrame, rows: list[np.ndarray], keys: list) -> object:
    """The PieceRef keys of ``lines`` from those of parts of them (``rows``: their positions)."""
    order = np.argsort(np.concatenate(rows), kind="stable")
    if lines["piece_ref"].isna().any() or not len(lines):
        return np.concatenate([np.asarray(part, dtype=object) for part in keys])[order]
    joined = pa.concat_arrays([pa.array(part, type=pa.large_string()) for part in keys])
    return pd.array(joined.take(pa.array(order)), dtype="str")


def _references(lines: pd.DataFrame, columns: _Columns) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`document_references`, ``columns`` the texts of the lines."""
    documents = _document_keys(lines, columns)
    keys = _Index.encode(documents["key"])
    cites, named_own = _citations_and_own(lines, columns, documents, keys=keys)
    near = _near_citations(lines, columns["label"], documents, cites, named_own=named_own, key_codes=keys[1])
    return documents, pd.concat([cites.assign(near=False), near.assign(near=True)], ignore_index=True)


def near_citations(lines: pd.DataFrame, documents: pd.DataFrame, cites: pd.DataFrame) -> pd.DataFrame:
    """``(line, key)``: mistyped citations. A line that cites no document, but one of whose
    label's runs of words is nearly the key of exactly one document of its third party —
    about as long (±1 character) and rapidfuzz ``ratio`` ≥ :data:`NEAR_CITATION`, for keys
    of :data:`MIN_NEAR_KEY` characters or more (one wrong or two swapped characters in
    ``FA2025-000123``) — cites that document. Two documents nearly named make no citation."""
    return _near_citations(lines, _Texts(lines["label"]), documents, cites)


def _near_citations(lines: pd.DataFrame, labels: _Texts, documents: pd.DataFrame,
                    cites: pd.DataFrame, *, named_own: np.ndarray | None = None,
                    key_codes: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`near_citations`, ``labels`` the lines' labels. One label of one third party is
    searched once, however many lines carry it.

    ``named_own``: lines whose label holds their own document's key, of :data:`MIN_NEAR_KEY`
    characters or more (:func:`_citations_and_own`), left out: such a label nearly names that
    document, so a line of it nearly cites either two documents (none) or its own (none).
    ``key_codes``: each document's key as an integer, equal where the keys are (made when
    not given)."""
    empty = pd.DataFrame({"line": pd.Series(dtype=np.int64), "key": pd.Series(dtype=object)})
    long = (documents["key"].str.len() >= MIN_NEAR_KEY).to_numpy(dtype=bool)
    keys = documents.loc[long, ["party_id", "key"]]
    if keys.empty:
        return empty
    digits = np.asarray(pc.match_substring_regex(labels.array, _DIGIT_RUN.pattern)
                        .to_numpy(zero_copy_only=False), dtype=bool)[labels.codes]
    unsearched = cites["line"] if named_own is None else np.concatenate([cites["line"].to_numpy(), named_own])
    quiet = np.flatnonzero(digits & ~numbers_in(lines["line"], unsearched)
                           & numbers_in(lines["party_id"], keys["party_id"]))
    if not len(quiet):
        return empty
    # each distinct (label, third party) once
    line_ids = lines["line"].to_numpy(dtype=np.int64)[quiet]
    line_parties = lines["party_id"].to_numpy(dtype=np.int64)[quiet]
    line_texts = labels.codes[quiet]
    pair_codes = line_texts * (int(line_parties.max()) - int(line_parties.min()) + 1) + (
        line_parties - line_parties.min())
    line_pair, distinct = pd.factorize(pair_codes)
    first = np.zeros(len(distinct), dtype=np.int64)
    first[line_pair[::-1]] = np.arange(len(line_pair))[::-1]
    pair_text, pair_party = line_texts[first], line_parties[first]
    # the runs of words of those labels: (label, start, stop) in one buffer of characters
    runs = _Runs(*_label_runs(labels, pair_text))
    gram_count = np.bincount(runs.text, minlength=labels.size)
    gram_first = np.cumsum(gram_count) - gram_count
    # every (pair, run of its label)
    count = gram_count[pair_text]
    pair = np.repeat(np.arange(len(pair_text)), count)
    gram = np.repeat(gram_first[pair_text] - (np.cumsum(count) - count), count) + np.arange(len(pair))
    if not len(pair):
        return empty
    # ... and the document names of the pair's third party it nearly is, a block at a time
    if key_codes is None:
        key_codes = _Index.encode(documents["key"])[1]
    once = ~_duplicated(keys["party_id"].to_numpy(dtype=np.int64), key_codes[long])  # each name once
    names = _Names(keys[once], int(runs.lengths.max(initial=0)))
    run_shapes = names.run_shapes(runs.lengths, runs.digits)
    found = [_near_hits(pair[begin : begin + _NEAR_BLOCK], gram[begin : begin + _NEAR_BLOCK],
                        pair_party, runs, names, run_shapes)
             for begin in range(0, len(pair), _NEAR_BLOCK)]
    pair = np.concatenate([hit_pair for hit_pair, _ in found])
    name = np.concatenate([hit_name for _, hit_name in found])
    if not len(pair):
        return empty
    name_keys = names.keys
    # one document nearly named, not two
    named = np.sort(pair * len(name_keys) + name)
    named = named[np.r_[True, named[1:] != named[:-1]]]
    pair_names = np.bincount(named // len(name_keys), minlength=len(pair_text))
    pair_name = np.zeros(len(pair_text), dtype=np.int64)
    pair_name[named // len(name_keys)] = named % len(name_keys)
    near_line = np.flatnonzero(pair_names[line_pair] == 1)
    near_line = near_line[np.lexsort((line_ids[near_line], line_parties[near_line]))]
    near = pd.DataFrame({"line": line_ids[near_line],
                         "key": _str_array(name_keys, pair_name[line_pair[near_line]])})
    # the documents of those lines (only they can match)
    mine = documents.loc[documents["line"].isin(near["line"]).to_numpy(), ["line", "key"]].assign(_own=True)
    near = near.merge(mine, on=["line", "key"], how="left")
    return near.loc[near["_own"].isna(), ["line", "key"]].astype({"line": np.int64}).reset_index(drop=True)


_NEAR_BLOCK = 1 << 18  # (label, run of words) pairs compared with document names at a time


class _Runs:
    """Runs of words: ``data[starts[i]:stops[i]]``, of label ``text[i]``, ``digits[i]`` digits."""

    def __init__(self, data: np.ndarray, text: np.ndarray, starts: np.ndarray, stops: np.ndarray,
                 digits: np.ndarray):
        self.data, self.text, self.starts, self.stops, self.digits = data, text, starts, stops, digits
        self.lengths = stops - starts


class _Names:
    """Document names (``party_id``, ``key``) sorted by third party and length."""

    def __init__(self, names: pd.DataFrame, longest_run: int):
        keys = _key_strings(names["key"])
        lengths, digits = _lengths_and_digits(keys)
        self.width = int(max(lengths.max(initial=0), longest_run)) + 3
        codes = names["party_id"].to_numpy(dtype=np.int64) * self.width + lengths
        order = stable_order(codes)
        self.keys = keys.take(pa.array(order))  # large_string
        self.lengths, self.digits = lengths[order], digits[order]
        self.codes = codes[order]
        top = int(self.codes[-1]) + 1 if len(self.codes) else 0
        #: ``first[c]``: how many names have a code below ``c``, for every code from 0 to the
        #: last one's, when the codes are few enough for such a table (else searched): a
        #: running count of the codes
        self.first: np.ndarray | None = None
        if len(self.codes) and self.codes[0] >= 0 and top <= 16 * len(self.codes) + (1 << 20):
            self.first = np.zeros(top + 1, dtype=np.int64)
            np.cumsum(np.bincount(self.codes, minlength=top), out=self.first[1:])
        #: whether a run can be nearly a name, by their lengths and digits: a table, indexed
        #: by :meth:`run_shapes` plus a name's :attr:`shape`, when not too large (else None)
        width = self.width
        self._table = _reachable_table(width) if 3 * width**3 <= _MAX_TABLE else None
        self.shape = (self.lengths * width + self.digits).astype(np.int32 if self._table is not None
                                                                 else np.int64)
        #: the keys' characters ``(data, starts, stops)``, when ASCII (else None)
        self.spelt: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        if len(self.keys) and pc.all(pc.string_is_ascii(self.keys)).as_py():
            data, offsets = _rt._bytes(self.keys)
            self.spelt = (data, offsets[:-1], offsets[1:])

    def around(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(first, count)``: the names whose code is within 1 of each of ``codes``."""
        if self.first is None:
            firsts = np.searchsorted(self.codes, codes - 1, "left")
            return firsts, np.searchsorted(self.codes, codes + 1, "right") - firsts
        top = len(self.first) - 1
        firsts = self.first[np.clip(codes - 1, 0, top)]
        return firsts, self.first[np.clip(codes + 2, 0, top)] - firsts

    def run_shapes(self, lengths: np.ndarray, digits: np.ndarray) -> np.ndarray:
        """Each run's part of the index into the table of :meth:`reachable`: a name's
        :attr:`shape` ``nl·W + nd`` added, it reads ``((gl·W + gd)·3 + nl − gl + 1)·W + nd``,
        for runs of ``gl`` characters and ``gd`` digits (``W`` the :attr:`width`)."""
        width = self.width
        if self._table is None:
            return lengths * width + digits  # decoded by :meth:`reachable`
        return (lengths * (3 * width * width - width) + digits * (3 * width) + width).astype(np.int32)

    def reachable(self, run_shapes: np.ndarray, name: np.ndarray) -> np.ndarray:
        """:func:`_reachable` of runs (:meth:`run_shapes`) and the names ``name``, each
        within a character of the other's length."""
        if self._table is not None:
            return self._table[run_shapes + self.shape[name]]
        gram_lengths, gram_digits = np.divmod(run_shapes, self.width)
        return _reachable(gram_lengths, gram_digits, self.lengths[name], self.digits[name])


_MAX_TABLE = 1 << 22  # entries of :attr:`_Names._table` at most


def _reachable_table(width: int) -> np.ndarray:
    """:func:`_reachable` for every run and name shorter than ``width``, and of lengths
    within 1 of each other: ``table[((gl·W + gd)·3 + nl − gl + 1)·W + nd]``."""
    gram_lengths, gram_digits, apart, name_digits = np.meshgrid(
        np.arange(width), np.arange(width), np.arange(3), np.arange(width), indexing="ij")
    return _reachable(gram_lengths, gram_digits, gram_lengths + apart - 1, name_digits).ravel()


def _reachable(gram_lengths: np.ndarray, gram_digits: np.ndarray, name_lengths: np.ndarray,
               name_digits: np.ndarray) -> np.ndarray:
    """Whether a run and a name can reach :data:`NEAR_CITATION`: ratio = 200·LCS / (both
    lengths), and a common subsequence has at most as many digits, and as many letters, as
    the fewer of the two."""
    common = (np.minimum(gram_digits, name_digits)
              + np.minimum(gram_lengths - gram_digits, name_lengths - name_digits))
    return 200 * common >= NEAR_CITATION * (gram_lengths + name_lengths)


def _near_hits(pair: np.ndarray, gram: np.ndarray, pair_party: np.ndarray, runs: _Runs,
               names: _Names, run_shapes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(pair, name)``: the document names of the pair's third party, about as long (±1
    character) as its run of words ``gram``, that the run nearly is (``run_shapes``: the
    runs' :meth:`_Names.run_shapes`)."""
    firsts, count = names.around(pair_party[pair] * names.width + runs.lengths[gram])
    pair_gram = np.repeat(np.arange(len(pair)), count)
    name = np.repeat(firsts - (np.cumsum(count) - count), count) + np.arange(len(pair_gram))
    pair, gram = pair[pair_gram], gram[pair_gram]
    reachable = names.reachable(run_shapes[gram], name)  # the others cannot reach the ratio
    pair, gram, name = pair[reachable], gram[reachable], name[reachable]
    if not len(gram):
        return pair, name
    gram, distinct = pd.factorize(gram)
    starts, stops = runs.starts[distinct], runs.stops[distinct]
    if names.spelt is None or int((stops - starts).max()) > _rt.MAX_LCS_PATTERN:
        texts = _rt._objects(_rt._strings(runs.data, starts, stops))
        scores = process.cpdist(texts[gram].tolist(), names.keys.take(pa.array(name)).to_pylist(), scorer=fuzz.ratio,
                                score_cutoff=NEAR_CITATION)
        hits = np.asarray(scores) > 0
        return pair[hits], name[hits]
    # rapidfuzz's ratio is 100·(1 − indel distance / both lengths): the distance from the
    # longest common subsequence, the verdict rapidfuzz's for that distance and length
    common = _rt.lcs_lengths((runs.data, starts, stops), gram, names.spelt, name)
    both = (stops - starts)[gram] + names.lengths[name]
    hits = _near_enough(both, both - 2 * common)
    return pair[hits], name[hits]


def _near_enough(both: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Whether rapidfuzz's ``ratio`` of two strings of ``both`` characters in all, an indel
    distance apart, reaches :data:`NEAR_CITATION` — as rapidfuzz rounds it: asked of
    rapidfuzz once per distinct (length, distance), on strings made to be that far apart."""
    codes, distinct = pd.factorize(both * (int(both.max(initial=0)) + 1) + distance)
    width = int(both.max(initial=0)) + 1
    totals, distances = distinct // width, distinct % width
    first, second = [], []
    for total, apart in zip(totals.tolist(), distances.tolist()):
        short = total // 2  # "A"*short and "A"*common + "B"*(rest): LCS common
        common = (total - apart) // 2
        first.append("A" * short)
        second.append("A" * common + "B" * (total - short - common))
    verdict = np.asarray(process.cpdist(first, second, scorer=fuzz.ratio,
                                        score_cutoff=NEAR_CITATION)) > 0 if first else np.zeros(0, bool)
    return verdict[codes]


def _label_runs(labels: _Texts, wanted: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(data, text, start, stop, digits)``: the runs of words of at least
    ``MIN_NEAR_KEY - 1`` characters of the labels ``wanted`` (indices), each
    ``data[start:stop]`` with ``digits`` digits, label after label."""
    mask = np.zeros(labels.size, dtype=bool)
    mask[wanted] = True
    folded = labels.folded
    words, last = folded.run_words(MAX_WORDS_PER_CITATION, min_length=MIN_NEAR_KEY - 1,
                                   texts=mask[labels.ascii])
    starts, stops = folded.word_starts[words], folded.word_stops[last]
    counted = folded.digits_before_words()
    digits = counted[last + 1] - counted[words]
    texts = labels.ascii[folded.word_text[words]]
    data = folded.data
    others = [key for index in labels.other[mask[labels.other]] for key in sorted(
        {k for k in cited_keys(labels.text(index)) if len(k) >= MIN_NEAR_KEY - 1})]
    if others:
        other_texts = [index for index in labels.other[mask[labels.other]] for key in sorted(
            {k for k in cited_keys(labels.text(index)) if len(k) >= MIN_NEAR_KEY - 1})]
        extra = np.frombuffer("".join(others).encode("ascii"), dtype=np.uint8)
        lengths = np.array([len(key) for key in others], dtype=np.int64)
        other_starts = len(data) + np.cumsum(lengths) - lengths
        data = np.concatenate([data, extra])
        texts = np.concatenate([texts, np.asarray(other_texts, dtype=np.int64)])
        starts, stops = np.concatenate([starts, other_starts]), np.concatenate([stops, other_starts + lengths])
        other_digits = [sum(ch.isdigit() for ch in key) for key in others]  # folded: ASCII
        digits = np.concatenate([digits, np.asarray(other_digits, dtype=np.int64)])
    order = np.argsort(texts, kind="stable")
    return data, texts[order], starts[order], stops[order], digits[order]


def pair_evidence(
    pairs: pd.DataFrame, documents: pd.DataFrame, cites: pd.DataFrame, *,
    links: tuple[np.ndarray, ...] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """For pairs of lines ``(a, b)``: do their references agree, and do they contradict?

    They *agree* when one cites the other's document key. They *contradict* when neither
    cites the other's document and one of them cites a document that is not the other
    (situations 17 and 18). A mistyped citation (``cites["near"]``, see
    :func:`near_citations`) never makes a pair agree, but it contradicts a pair without the
    document it nearly names. ``links``: :func:`citation_links` of ``documents`` and
    ``cites``, when already made.
    """
    if pairs.empty or cites.empty:
        size = len(pairs)
        return np.zeros(size, dtype=bool), np.zeros(size, dtype=bool)
    a, b = pairs["a"].to_numpy(dtype=np.int64), pairs["b"].to_numpy(dtype=np.int64)
    citing_lines = cites["line"].to_numpy(dtype=np.int64)
    citing = numbers_in(a, citing_lines) | numbers_in(b, citing_lines)
    citer, cited, near = citation_links(documents, cites) if links is None else links
    # A link's citer is a citing line: only the pairs with one are looked up.
    among = np.flatnonzero(citing)
    a, b, citer, cited = _line_codes(a[among], b[among], citer, cited)
    agree = np.zeros(len(pairs), dtype=bool)
    named = np.zeros(len(pairs), dtype=bool)
    if len(citer):
        codes, sure = _link_codes(citer, cited, near)
        for x, y in ((a, b), (b, a)):
            wanted = _pair_codes(x, y)
            at = np.minimum(np.searchsorted(codes, wanted), len(codes) - 1)
            found = codes[at] == wanted
            named[among] |= found
            agree[among] |= found & sure[at]
    return agree, citing & ~named


def cited_by_other_parties(lines: pd.DataFrame, links: tuple[np.ndarray, ...] | None) -> np.ndarray:
    """The lines (of ``lines``, with ``line`` in order and ``party_id``) whose document a line
    of another third party cites, even nearly; ``links``: :func:`citation_links`."""
    if links is None or not len(links[0]):
        return np.zeros(0, dtype=np.int64)
    citer, cited, _ = links
    line_ids, parties = lines["line"].to_numpy(dtype=np.int64), lines["party_id"].to_numpy()
    other = parties[line_positions(line_ids, citer)] != parties[line_positions(line_ids, cited)]
    return distinct(cited[other])


def citation_links(documents: pd.DataFrame, cites: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """``(citer, cited, near)``: a line citing the document of another, for each citation and
    line holding the cited key (keys joined as integer codes); what :func:`pair_evidence`
    reads of ``documents`` and ``cites``."""
    near = cites["near"].to_numpy(dtype=bool) if "near" in cites.columns else np.zeros(len(cites), bool)
    document_keys, cited_keys = _key_strings(documents["key"]), _key_strings(cites["key"])
    joined = _equal_strings(cited_keys, document_keys)
    if joined is not None:
        cite, document = joined
        return (cites["line"].to_numpy(dtype=np.int64)[cite], documents["line"].to_numpy(dtype=np.int64)[document],
                near[cite])
    keys = pa.concat_arrays([document_keys, cited_keys])
    encoded = pc.dictionary_encode(keys).indices.fill_null(-1)
    codes = np.asarray(encoded.to_numpy(zero_copy_only=False), dtype=np.int64)
    links = pd.DataFrame({"code": codes[len(documents):], "citer": cites["line"].to_numpy(dtype=np.int64),
                          "near": near}).merge(
        pd.DataFrame({"code": codes[:len(documents)], "cited": documents["line"].to_numpy(dtype=np.int64)}),
        on="code")
    return (links["citer"].to_numpy(dtype=np.int64), links["cited"].to_numpy(dtype=np.int64),
            links["near"].to_numpy(dtype=bool))


def _equal_strings(left: pa.Array, right: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """``(left row, right row)`` of the equal strings of ``left`` and ``right``, in the order
    of an inner ``DataFrame.merge`` on them (left row after left row, then right rows in
    order): found by hash, then proved equal. ``None`` when a string is missing, or when a
    hash is shared by two strings (rare: the caller joins them another way)."""
    if left.null_count or right.null_count:
        return None
    left_hashes, right_hashes = _rt._string_hashes(left), _rt._string_hashes(right)
    order = np.argsort(right_hashes, kind="stable")
    hashes = right_hashes[order]
    wanted = np.argsort(left_hashes)  # searched in order: neighbouring searches share the cache
    first, count = np.empty(len(left), dtype=np.int64), np.empty(len(left), dtype=np.int64)
    first[wanted] = np.searchsorted(hashes, left_hashes[wanted], "left")
    count[wanted] = np.searchsorted(hashes, left_hashes[wanted], "right")
    count -= first
    left_row = np.repeat(np.arange(len(left), dtype=np.int64), count)
    right_row = order[np.repeat(first - (np.cumsum(count) - count), count) + np.arange(len(left_row))]
    equal = pc.equal(left.take(pa.array(left_row)), right.take(pa.array(right_row)))
    if len(left_row) and not pc.all(equal).as_py():
        return None
    return left_row, right_row


def _line_codes(*lines: np.ndarray) -> list[np.ndarray]:
    """The line numbers as integers from 0, small enough for a pair to fit in 64 bits."""
    joined = np.concatenate(lines)
    if len(joined) and (joined.min() < 0 or joined.max() >= 3_000_000_000):
        joined = pd.factorize(joined)[0]
    return np.split(joined, np.cumsum([len(x) for x in lines])[:-1])


def _pair_codes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return x * 3_000_000_000 + y


def _link_codes(citer: np.ndarray, cited: np.ndarray, near: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct links ``(citer, cited)`` as sorted codes, and whether each is sure (one of
    its citations is not a mistyped one)."""
    link = _pair_codes(citer, cited)
    order = np.argsort(link, kind="stable")
    link, near = link[order], near[order]
    starts = np.flatnonzero(np.concatenate([[True], link[1:] != link[:-1]]))
    return link[starts], np.add.reduceat((~near).astype(np.int64), starts) > 0


def _key_strings(column: pd.Series) -> pa.Array:
    """A column of texts as one pyarrow array (no copy when pyarrow already holds it)."""
    array = pa.array(column, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())
