"""Vectorised twins of the per-text functions of :mod:`lettrage.references`.

:class:`Folded` folds many texts at once, with numpy over the bytes of a pyarrow string array,
exactly as :func:`lettrage.references.words` folds one text: upper case, the letters and digits
kept, the leading zeros of every number dropped. Its methods give what the per-text functions
give for each text (``reference_key``, ``document_number``, ``cited_keys``, ``cited_numbers``,
``label_numbers``), as flat arrays with the index of the text each value comes from.

**ASCII texts only**: Python's ``str.upper``, ``str.split`` and NFKD folding of other texts
are not a byte's, so :mod:`lettrage.references` sends the few texts that are not ASCII through
the per-text functions. ``tests/test_references_fast.py`` holds both paths to the same results.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_DATE_TOKEN = r"^[0-9]{1,2}[./-][0-9]{1,2}([./-][0-9]{2,4})?$"
_AMOUNT_TOKEN = r"^[-+]?[0-9][0-9 ]*[.,][0-9]{1,2}$"
_FIRST_YEAR, _LAST_YEAR = 1990, 2099
#: Polynomial hashing of substrings (mod 2⁶⁴): a filter before exact comparison, never a proof.
_BASE = np.uint64(0x100000001B3)
_BITMAP = 1 << 22


def _bytes(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The characters of ASCII texts (no nulls) in a row, and where each text starts."""
    texts = texts.cast(pa.large_string())
    _, offsets, data = texts.buffers()
    offsets = np.frombuffer(offsets, dtype=np.int64)[texts.offset : texts.offset + len(texts) + 1]
    chars = (np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]] if data is not None
             else np.zeros(0, dtype=np.uint8))
    return chars.copy(), offsets - offsets[0]


def _strings(data: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> pa.LargeStringArray:
    """``data[starts[i]:stops[i]]`` as strings (slices may overlap)."""
    lengths = (stops - starts).astype(np.int64)
    offsets = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    index = np.arange(offsets[-1], dtype=np.int64) + np.repeat(starts - offsets[:-1], lengths)
    return pa.LargeStringArray.from_buffers(
        len(starts), pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data[index])))


def _objects(strings: pa.Array) -> np.ndarray:
    return np.asarray(strings.to_numpy(zero_copy_only=False), dtype=object)


def _run_starts(flag: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Where each run of ``flag`` starts (``first``: where a text starts, and the end)."""
    return np.flatnonzero(_run_firsts(flag, first))


def _run_firsts(flag: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Whether a run of ``flag`` starts at each position (see :func:`_run_starts`): where
    ``flag`` is set and was not just before, or a text starts."""
    starts = flag.copy()
    starts[1:] &= np.invert(flag[:-1]) | first[1:-1]
    return starts


def _run_stops(flag: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Where each run of ``flag`` stops (the position after its last character): after a
    position where ``flag`` is set and is not just after, or the next text starts."""
    ends = flag.copy()
    ends[:-1] &= np.invert(flag[1:]) | first[1:-1]
    return np.flatnonzero(ends) + 1


def _between(chars: np.ndarray, low: int, high: int) -> np.ndarray:
    """Whether each byte is from ``low`` to ``high`` (one comparison: bytes wrap below 0)."""
    return (chars - np.uint8(low)) <= np.uint8(high - low)


def _year(data: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Are the four digits from each ``at`` a year of :data:`_FIRST_YEAR`–:data:`_LAST_YEAR`?"""
    if not len(data):
        return np.zeros(len(at), dtype=bool)
    value = np.zeros(len(at), dtype=np.int64)
    for shift in range(4):
        value = value * 10 + data[np.clip(at + shift, 0, len(data) - 1)].astype(np.int64) - 48
    return (value >= _FIRST_YEAR) & (value <= _LAST_YEAR)


def _owners(before: np.ndarray) -> np.ndarray:
    """The group of each item, from how many items come before each group (and in all)."""
    return np.repeat(np.arange(len(before) - 1), np.diff(before))


class Folded:
    """ASCII texts folded like :func:`lettrage.references.words`, all at once.

    ``data`` holds the kept characters of every text in a row; text ``t`` keeps
    ``data[text_starts[t]:text_starts[t + 1]]`` (its reference key). Word ``w`` is
    ``data[word_starts[w]:word_stops[w]]``, of text ``word_text[w]`` and whitespace token
    ``word_token[w]``; token ``k`` is of text ``token_text[k]``.
    """

    def __init__(self, texts: pa.Array):
        chars, offsets = _bytes(texts)
        self.size = len(texts)
        size = len(chars)
        digit = _between(chars, 48, 57)  # 0-9
        chars ^= _between(chars, 97, 122).view(np.uint8) << 5  # a-z to A-Z (bit 5 off)
        word = digit | _between(chars, 65, 90)
        space = _between(chars, 9, 13) | _between(chars, 28, 32)  # as str.split() on ASCII
        first = np.zeros(size + 1, dtype=bool)  # a text starts here (and the end)
        first[offsets] = True
        # Leading zeros: the zeros that start a run of digits, but the run's last digit.
        zeros = np.flatnonzero(chars == 48)
        previous = np.maximum(zeros - 1, 0)
        after_digit = digit[previous] & ~first[zeros]
        joined = np.r_[False, zeros[1:] == zeros[:-1] + 1] & ~first[zeros]
        run = np.cumsum(~joined) - 1
        leading = (~after_digit)[~joined][run]
        following = np.minimum(zeros + 1, max(size - 1, 0))
        before_digit = digit[following] & ~first[zeros + 1]
        dropped = zeros[leading & before_digit]
        keep = word.copy()
        keep[dropped] = False

        self.data = chars[keep]
        self.digit = _between(self.data, 48, 57)
        token = np.invert(space)
        word_first, token_first = _run_firsts(word, first), _run_firsts(token, first)
        word_at, token_at = np.flatnonzero(word_first), np.flatnonzero(token_first)
        token_stop = _run_stops(token, first)
        # the words (and tokens) before each text, and the words before each token
        words_before_text = counts_before(word_first, offsets)
        words_before_token = counts_before(word_first, np.r_[token_at, size])
        self.word_text = _owners(words_before_text)
        self.word_token = _owners(words_before_token)
        self.token_text = _owners(counts_before(token_first, offsets))
        # the kept characters before each word: the words before it, less their dropped zeros
        lengths = _run_stops(word, first) - word_at - np.bincount(
            np.searchsorted(word_at, dropped, side="right") - 1, minlength=len(word_at))
        before = np.zeros(len(word_at) + 1, dtype=np.int64)
        np.cumsum(lengths, out=before[1:])
        self.word_starts, self.word_stops = before[:-1], before[1:]
        self.text_starts = before[words_before_text]
        self.token_starts = before[words_before_token]
        self._chars, self._token_at, self._token_stop = chars, token_at, token_stop
        self._trailing: np.ndarray | None = None
        self._digits_before: np.ndarray | None = None

    def _token_matches(self, pattern: str, tokens: np.ndarray | None = None) -> np.ndarray:
        """Which whitespace tokens (all, or those at ``tokens``) match ``pattern`` (one that
        needs a digit or sign first)."""
        token_at = self._token_at if tokens is None else self._token_at[tokens]
        token_stop = self._token_stop if tokens is None else self._token_stop[tokens]
        found = np.zeros(len(token_at), dtype=bool)
        start = self._chars[token_at] if len(token_at) else np.zeros(0, dtype=np.uint8)
        maybe = np.flatnonzero(_between(start, 48, 57) | (start == 43) | (start == 45))
        if len(maybe):
            found[maybe] = _matches(_strings(self._chars, token_at[maybe], token_stop[maybe]), pattern)
        return found

    def digits_before_words(self) -> np.ndarray:
        """How many digits the words before each word hold, and all of them (one entry more
        than the words); computed once, not to be modified."""
        if self._digits_before is None:
            # words follow one another: the digits before each word's start, and the end
            self._digits_before = counts_before(self.digit, np.r_[self.word_starts, len(self.data)])
        return self._digits_before

    # --- one text ------------------------------------------------------------------------

    def keys(self) -> pa.LargeStringArray:
        """``reference_key`` of each text."""
        return pa.LargeStringArray.from_buffers(
            self.size, pa.py_buffer(self.text_starts), pa.py_buffer(np.ascontiguousarray(self.data)))

    def _trailing_starts(self) -> np.ndarray:
        """Where the digits that end each word start (its stop when it ends with a letter);
        computed once, not to be modified."""
        if self._trailing is None:
            self._trailing = self.word_stops.copy()
            ending = np.flatnonzero(self.digit[self.word_stops - 1])  # words end with a digit
            if len(ending):  # where the runs of digits that end a word start
                cut = np.zeros(len(self.data) + 1, dtype=bool)  # runs of digits stop at words
                cut[self.word_starts] = True
                cut[-1] = True
                starts = _run_starts(self.digit, cut)
                ends_word = np.zeros(len(self.data) + 1, dtype=bool)
                ends_word[self.word_stops] = True
                self._trailing[ending] = starts[ends_word[_run_stops(self.digit, cut)]]
        return self._trailing

    def _looks_like_date(self, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
        """``_looks_like_date`` of slices of digits."""
        length = stops - starts
        found = (length >= 4) & (length <= 8)
        at = np.flatnonzero(found)  # only those slices are read
        found[at] = _year(self.data, starts[at]) | _year(self.data, stops[at] - 4)
        return found

    def _document_numbers(self, group: np.ndarray, groups: int, min_digits: int,
                          wanted: np.ndarray | None = None) -> pa.LargeStringArray:
        """``document_number`` of each group of words (texts or tokens), or of the groups
        ``wanted`` (indices, ascending) only."""
        starts = np.zeros(groups if wanted is None else len(wanted), dtype=np.int64)
        stops = starts.copy()  # "" but for the groups with a number
        trailing = self._trailing_starts()
        ending = np.flatnonzero(trailing < self.word_stops)
        owner = group[ending]
        if wanted is not None:  # owner becomes the position among the wanted groups
            slot = np.full(groups, -1, dtype=np.int64)
            slot[wanted] = np.arange(len(wanted))
            owner = slot[owner]
            ending, owner = ending[owner >= 0], owner[owner >= 0]
        if len(ending):
            last = np.r_[owner[1:] != owner[:-1], True]  # each group's last such word
            owner, last = owner[last], ending[last]
            first, stop = trailing[last], self.word_stops[last]
            good = (stop - first >= min_digits) & ~self._looks_like_date(first, stop)
            starts[owner[good]], stops[owner[good]] = first[good], stop[good]
        return _strings(self.data, starts, stops)

    def document_numbers(self, *, min_digits: int) -> pa.LargeStringArray:
        """``document_number`` of each text."""
        return self._document_numbers(self.word_text, self.size, min_digits)

    # --- many per text ---------------------------------------------------------------------

    def run_words(self, max_words: int, *, min_length: int = 0,
                  texts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``cited_keys`` of each text: the runs of 1 to ``max_words`` consecutive words, as
        ``(first word, last word)`` — a run is ``data[word_starts[first]:word_stops[last]]``,
        of text ``word_text[first]`` —, of ``min_length`` characters or more. ``texts``: only
        the runs of the texts marked there (a boolean mask over the texts). Runs of one text
        come in no particular order and may repeat."""
        first, last, _ = self._runs(max_words, min_length, texts, None)
        return first, last

    def known_runs(self, max_words: int, known: Lookup) -> tuple[np.ndarray, np.ndarray]:
        """The runs of :meth:`run_words` among the ``known`` strings: ``(text, index in
        known)``, in text order."""
        first, last, position = self._runs(max_words, 0, None, known)
        values = _strings(self.data, self.word_starts[first], self.word_stops[last])
        return _found(self.word_text[first], known.index(values, position))

    def _runs(self, max_words: int, min_length: int, texts: np.ndarray | None,
              known: Lookup | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """:meth:`run_words`, and when ``known`` is given only the runs whose hash is one of
        its strings', with the position of that hash (maybe not that string)."""
        size = len(self.word_starts)
        lengths = self.word_stops - self.word_starts
        hashes = _hashes(self.data, self.word_starts, self.word_stops) if known is not None else None
        powers = _powers(int(lengths.max()) if size else 0)
        start = (np.arange(size, dtype=np.int64) if texts is None
                 else np.flatnonzero(texts[self.word_text]).astype(np.int64))
        run_hashes = hashes[start] if hashes is not None else None
        after = self._words_after() if max_words > 1 else None
        kept_words, kept_lasts, kept_positions = [], [], []
        for extra in range(max_words):
            if extra:
                more = after[start] >= extra  # the run can take one more word of its text
                start = start[more]
                if run_hashes is not None:
                    end = start + extra
                    run_hashes = run_hashes[more] * powers[lengths[end]] + hashes[end]
            stops = self.word_stops[start + extra]
            kept = stops - self.word_starts[start] >= min_length
            if known is not None:
                position = known.positions(run_hashes)
                kept &= position >= 0
                kept_positions.append(position[kept])
            kept_words.append(start[kept])
            kept_lasts.append(start[kept] + extra)
        return (np.concatenate(kept_words), np.concatenate(kept_lasts),
                np.concatenate(kept_positions) if known is not None else None)

    def _words_after(self) -> np.ndarray:
        """How many words of its text follow each word (the words of a text are together)."""
        size = len(self.word_text)
        if not size:
            return np.zeros(0, dtype=np.int64)
        last = np.flatnonzero(np.r_[self.word_text[1:] != self.word_text[:-1], True])  # texts' last words
        return np.repeat(last, np.diff(np.r_[-1, last])) - np.arange(size)

    def known_numbers(self, known: Lookup, *, min_digits: int) -> tuple[np.ndarray, np.ndarray]:
        """``cited_numbers`` of each text among the ``known`` strings: ``(text, index in
        known)``, in text order."""
        values, parent = self.cited_number_strings(min_digits=min_digits)
        position = known.positions(_string_hashes(values))
        hashed = np.flatnonzero(position >= 0)
        index = np.full(len(values), -1, dtype=np.int64)
        index[hashed] = known.index(values.take(pa.array(hashed)), position[hashed])
        return _found(parent, index)

    def cited_number_strings(self, *, min_digits: int) -> tuple[pa.Array, np.ndarray]:
        """:meth:`cited_numbers` as ``(strings, text)``."""
        plain = ~(self._token_matches(_AMOUNT_TOKEN) | self._token_matches(_DATE_TOKEN))
        trailing = self._trailing_starts()
        stops = self.word_stops
        good = (plain[self.word_token] & (stops - trailing >= min_digits)
                & ~self._looks_like_date(trailing, stops))
        return _strings(self.data, trailing[good], stops[good]), self.word_text[good]

    def label_numbers(self, *, min_digits: int, texts: np.ndarray | None = None
                      ) -> tuple[pa.LargeStringArray, np.ndarray, pa.LargeStringArray]:
        """``(key, text, document_number(token))`` for the keys of ``label_numbers(token)`` of
        each whitespace token of each text (of the texts marked in ``texts``, a boolean mask,
        when given), text after text."""
        counted = self.digits_before_words()
        token_digits = np.bincount(self.word_token, weights=np.diff(counted), minlength=len(self.token_text))
        tokens = (np.arange(len(self.token_text)) if texts is None
                  else np.flatnonzero(texts[self.token_text]))
        digits = token_digits[tokens].astype(np.int64)
        starts, stops = self.token_starts[tokens], self.token_starts[tokens + 1]
        all_digits = (digits == stops - starts) & (stops > starts)
        good = (digits >= 4) & ~(all_digits & self._looks_like_date(starts, stops))
        good[good] = ~self._token_matches(_DATE_TOKEN, tokens[good])
        tokens = tokens[good]
        numbers = self._document_numbers(self.word_token, len(self.token_text), min_digits, tokens)
        return _strings(self.data, starts[good], stops[good]), self.token_text[tokens], numbers


def _found(parent: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(parent, index)`` of the values found (``index`` not -1), parent after parent."""
    kept = np.flatnonzero(index >= 0)
    order = kept[np.argsort(parent[kept], kind="stable")]
    return parent[order], index[order]


_COUNT_BLOCK = 1 << 20  # flags counted at a time by :func:`counts_before`


def counts_before(flags: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """How many ``flags`` are set before each of ``positions`` (ascending, at most
    ``len(flags)``): a running count read at those positions, a block of flags at a time (no
    count kept for every flag: fresh memory is dear)."""
    found = np.empty(len(positions), dtype=np.int64)
    counted = np.zeros(min(len(flags), _COUNT_BLOCK) + 1, dtype=np.int32)
    carry, done = 0, 0
    for low in range(0, len(flags), _COUNT_BLOCK):
        high = min(low + _COUNT_BLOCK, len(flags))
        np.cumsum(flags[low:high], dtype=np.int32, out=counted[1 : high - low + 1])
        inside = int(np.searchsorted(positions, high, side="left"))  # the positions before high
        found[done:inside] = carry + counted[positions[done:inside] - low]
        carry, done = carry + int(counted[high - low]), inside
    found[done:] = carry  # at the end
    return found


def _matches(strings: pa.Array, pattern: str) -> np.ndarray:
    return np.asarray(pc.match_substring_regex(strings, pattern).to_numpy(zero_copy_only=False),
                      dtype=bool)


def _string_hashes(strings: pa.Array) -> np.ndarray:
    data, offsets = _bytes(strings)
    return _hashes(data, offsets[:-1], offsets[1:])


def _hashes(data: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """A polynomial hash (mod 2⁶⁴) of each slice ``data[start:stop]``: Σ c_j·B^(stop-1-j)."""
    lengths = stops - starts
    if len(starts) and (lengths > 0).all() and (starts[1:] == stops[:-1]).all():
        return _tiled_hashes(data, starts, stops, lengths)
    return _horner_hashes(data, starts, stops)


_HASH_BLOCK = 1 << 16  # characters hashed at a time by :func:`_tiled_hashes`
#: B⁻¹ (mod 2⁶⁴): B is odd, so it has an inverse.
_INVERSE = np.uint64(pow(int(_BASE), -1, 1 << 64))


def _tiled_hashes(data: np.ndarray, starts: np.ndarray, stops: np.ndarray,
                  lengths: np.ndarray) -> np.ndarray:
    """:func:`_hashes` of slices that are not empty and follow one another (the words of
    folded texts), a block of characters at a time: in a block from ``low``, Σ c_j·B^(stop-1-j)
    is B^(stop-1-low) · Σ c_j·B^-(j-low), the sum of every character's term by slice."""
    hashes = np.empty(len(starts), dtype=np.uint64)
    ends = np.cumsum(lengths)  # characters from the first slice's start to each one's stop
    span = max(min(int(ends[-1]), _HASH_BLOCK), int(lengths.max()))
    down, up = _powers(span - 1, _INVERSE), _powers(span - 1)
    begin = 0
    while begin < len(starts):
        end = max(int(np.searchsorted(ends, ends[begin] - lengths[begin] + _HASH_BLOCK, "right")),
                  begin + 1)
        low, high = int(starts[begin]), int(stops[end - 1])
        sums = np.add.reduceat(data[low:high] * down[: high - low], starts[begin:end] - low)
        hashes[begin:end] = sums * up[stops[begin:end] - 1 - low]
        begin = end
    return hashes


def _horner_hashes(data: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """:func:`_hashes` of any slices, a character of every slice at a time (Horner)."""
    hashes = np.zeros(len(starts), dtype=np.uint64)
    active = np.arange(len(starts))
    shift = 0
    while len(active):
        active = active[stops[active] - starts[active] > shift]
        hashes[active] = hashes[active] * _BASE + data[starts[active] + shift].astype(np.uint64)
        shift += 1
    return hashes


def _powers(top: int, base: np.uint64 = _BASE) -> np.ndarray:
    """base⁰ … base^top (mod 2⁶⁴), B's unless told."""
    return np.cumprod(np.r_[np.uint64(1), np.full(top, base, dtype=np.uint64)], dtype=np.uint64)


class Lookup:
    """Distinct strings to look for, by hash: their hashes sorted, a bitmap of the hashes'
    low bits to turn most others away at once, and the string of each hash to prove it."""

    def __init__(self, strings: pa.Array):
        self.strings = strings.cast(pa.large_string())
        hashes = _string_hashes(self.strings)
        # not a stable sort (much slower): among equal hashes, :meth:`index` asks pyarrow
        self._order = np.argsort(hashes)
        self._hashes = hashes[self._order]
        #: whether no two strings share a hash (else :meth:`index` asks pyarrow)
        self._distinct = bool((self._hashes[1:] != self._hashes[:-1]).all())
        self._bitmap = np.zeros(_BITMAP, dtype=bool)
        self._bitmap[(self._hashes & np.uint64(_BITMAP - 1)).astype(np.int64)] = True

    def positions(self, hashes: np.ndarray) -> np.ndarray:
        """Where each of ``hashes`` is among the strings' (sorted), or -1."""
        found = np.full(len(hashes), -1, dtype=np.int64)
        if not len(self._hashes):
            return found
        maybe = np.flatnonzero(self._bitmap[(hashes & np.uint64(_BITMAP - 1)).astype(np.int64)])
        wanted = hashes[maybe]
        order = np.argsort(wanted)  # searched in order: neighbours share the cache
        position = np.empty(len(maybe), dtype=np.int64)
        position[order] = np.searchsorted(self._hashes, wanted[order])
        position = np.minimum(position, len(self._hashes) - 1)
        hit = self._hashes[position] == wanted
        found[maybe[hit]] = position[hit]
        return found

    def index(self, values: pa.Array, positions: np.ndarray) -> np.ndarray:
        """The index among the strings of each of ``values``, whose hash is at ``positions``
        (:meth:`positions`), or -1: a hash is a filter, equal strings are the proof."""
        if not self._distinct:
            index = pc.index_in(values, value_set=self.strings).fill_null(-1)
            return np.asarray(index.to_numpy(zero_copy_only=False), dtype=np.int64)
        candidate = self._order[positions]
        equal = pc.equal(values.cast(pa.large_string()), self.strings.take(pa.array(candidate)))
        return np.where(np.asarray(equal.to_numpy(zero_copy_only=False), dtype=bool), candidate, -1)


#: Longest pattern :func:`lcs_lengths` takes: one machine word of bits per pattern.
MAX_LCS_PATTERN = 64


def lcs_lengths(patterns: tuple[np.ndarray, np.ndarray, np.ndarray], pattern: np.ndarray,
                texts: tuple[np.ndarray, np.ndarray, np.ndarray], text: np.ndarray) -> np.ndarray:
    """The length of the longest common subsequence of ``pattern[i]`` and ``text[i]`` for each
    ``i``: bit-parallel (Allison-Dix, Hyyrö; as rapidfuzz's ``Indel`` computes it), every pair
    at once, a character of the texts at a time.

    ``patterns`` and ``texts`` are ``(data, starts, stops)``: string ``k`` is
    ``data[starts[k]:stops[k]]`` (bytes); a pattern holds at most :data:`MAX_LCS_PATTERN`
    characters. ``pattern`` and ``text`` index them, one pair per entry.
    """
    data, starts, stops = patterns
    lengths = (stops - starts).astype(np.int64)
    if len(lengths) and int(lengths.max()) > MAX_LCS_PATTERN:
        raise ValueError(f"a pattern is longer than {MAX_LCS_PATTERN} characters")
    # Each pattern's match masks: bit p of masks[pattern, c] set when its character p is c.
    total = int(lengths.sum())
    owner = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    position = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    chars = data[np.repeat(starts, lengths) + position] if total else np.zeros(0, dtype=np.uint8)
    present = np.zeros(256, dtype=bool)
    present[chars] = True
    width = int(present.sum()) + 1  # the characters of some pattern, and one for all others
    symbol = np.full(256, width - 1, dtype=np.int64)
    symbol[present] = np.arange(width - 1)
    masks = np.zeros(len(lengths) * width, dtype=np.uint64)
    np.bitwise_or.at(masks, owner * width + symbol[chars],
                     np.left_shift(np.uint64(1), position.astype(np.uint64)))
    # The texts, longest first: those still reading a character are a prefix.
    text_data, text_starts, text_stops = texts
    text_lengths = (text_stops - text_starts)[text]
    order = np.argsort(-text_lengths, kind="stable")
    reading = np.searchsorted(-text_lengths[order], -np.arange(int(text_lengths.max(initial=0))),
                              side="left")  # how many texts have more than j characters
    at = text_starts[text][order]
    row = pattern[order].astype(np.int64) * width
    state = np.full(len(order), np.iinfo(np.uint64).max, dtype=np.uint64)
    for j, count in enumerate(reading.tolist()):
        current = state[:count]
        matches = masks[row[:count] + symbol[text_data[at[:count] + j]]]
        both = current & matches
        state[:count] = (current + both) | (current - both)
    found = np.empty(len(order), dtype=np.int64)
    found[order] = np.bitwise_count(~state)
    return found
