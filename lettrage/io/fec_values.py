"""Parsing FEC amounts and dates exactly.

Amounts become signed integer cents (never floats); dates become ``datetime64``. A text column
held by pyarrow is read in bulk: the usual shapes (``1437,12``, ``-69,40``, ``15000``,
``20240131``, empty) are recognised and converted by pyarrow compute, and only the others go
through :func:`parse_amount` / :func:`parse_date`, once per distinct value. Those two stay the
definition of a value; :func:`reference_parse_amounts` and :func:`reference_parse_dates`, which
call them on every distinct value of a column, are the slow twins of the bulk parsers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_AMOUNT = re.compile(r"^([+-]?)(\d*)(?:([,.])(\d*))?([+-]?)$")
#: The largest amount read, in cents: 16 digits of units (what the bulk parser reads), so that
#: a debit less a credit still fits in int64. Beyond, the value is refused ("too large").
MAX_CENTS = 10**18 - 1
_DATE_FORMATS = (
    (re.compile(r"^\d{8}$"), "%Y%m%d"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "%Y-%m-%d"),
    (re.compile(r"^\d{2}/\d{2}/\d{4}$"), "%d/%m/%Y"),
)


@dataclass(frozen=True)
class ParsedColumn:
    """Values parsed from one text column.

    ``bad`` marks the positions whose text could not be read (their value is 0 or NaT);
    ``reasons`` says why, per position (empty where the value is fine; a read-only view of
    one '' when every value is).
    """

    values: np.ndarray
    bad: np.ndarray
    reasons: np.ndarray
    dotted: bool = False


def parse_amount(text: str) -> tuple[int, str, bool]:
    """Parse one FEC amount into signed cents.

    Returns ``(cents, problem, dotted)``: ``problem`` is empty when the text was read,
    ``dotted`` tells that a non-compliant ``.`` decimal point was met. Accepts ``0``,
    ``15000``, ``0000000069,60``, ``+000000069,40``, ``69,40-``, spaces anywhere, and
    ``1234.56``. More than two non-zero decimals is refused: it cannot be cents exactly.
    """
    compact = text.replace(" ", "").replace("\xa0", "")
    if not compact:
        return 0, "", False
    match = _AMOUNT.match(compact)
    if match is None:
        return 0, "not a number", False
    lead, units, point, decimals, trail = match.groups()
    decimals = decimals or ""
    if not units and not decimals:
        return 0, "not a number", False
    if lead and trail:
        return 0, "two signs", False
    kept = decimals.rstrip("0")
    if len(kept) > 2:
        return 0, "more than two decimals", False
    cents = int(units or "0") * 100 + int((kept + "00")[:2])
    if cents > MAX_CENTS:
        return 0, "too large (more than 16 digits of units)", False
    if "-" in (lead, trail):
        cents = -cents
    return cents, "", point == "."


def parse_date(text: str) -> tuple[np.datetime64, str, str]:
    """Parse one FEC date: ``AAAAMMJJ``, ``AAAA-MM-JJ`` or ``JJ/MM/AAAA``.

    Returns ``(date, problem, format)``; an empty text is NaT without a problem.
    """
    compact = text.strip()
    if not compact:
        return np.datetime64("NaT", "D"), "", ""
    for pattern, fmt in _DATE_FORMATS:
        if pattern.match(compact):
            try:
                stamp = pd.to_datetime(compact, format=fmt)
            except (ValueError, OverflowError):
                return np.datetime64("NaT", "D"), "not a valid date", ""
            return np.datetime64(stamp.date(), "D"), "", fmt
    return np.datetime64("NaT", "D"), "not a date (expected AAAAMMJJ)", ""


# --- The reference: every distinct value through parse_amount / parse_date ------------------


def _factorize(texts: pd.Series | np.ndarray | list[str]) -> tuple[np.ndarray, object]:
    """Codes and distinct values of a column, in the order values first appear."""
    if isinstance(texts, pd.Series) and isinstance(texts.dtype, pd.StringDtype) and (
        not texts.hasnans
    ):
        # A text column without missing values: factorised where it lies (by pyarrow),
        # without a million Python strings made first.
        return pd.factorize(texts, use_na_sentinel=False)
    return pd.factorize(np.asarray(texts, dtype=object), use_na_sentinel=False)


def reference_parse_amounts(texts: pd.Series | np.ndarray | list[str]) -> ParsedColumn:
    """:func:`parse_amounts` the slow way: :func:`parse_amount` on every distinct value."""
    codes, uniques = _factorize(texts)
    parsed = [parse_amount(str(value)) for value in uniques]
    values = np.fromiter((p[0] for p in parsed), dtype=np.int64, count=len(parsed))
    reasons = np.array([p[1] for p in parsed], dtype=object)
    dotted = any(p[2] for p in parsed)
    return ParsedColumn(values[codes], (reasons != "")[codes], reasons[codes], dotted)


def _reference_dates(
    texts: pd.Series | np.ndarray | list[str],
) -> tuple[ParsedColumn, list[str]]:
    """Dates parsed value by value, and the format of each distinct value ('' if none)."""
    codes, uniques = _factorize(texts)
    parsed = [parse_date(str(value)) for value in uniques]
    values = np.array([p[0] for p in parsed], dtype="datetime64[D]")
    reasons = np.array([p[1] for p in parsed], dtype=object)
    formats = [p[2] for p in parsed]
    return ParsedColumn(values[codes], (reasons != "")[codes], reasons[codes]), formats


def _common_format(formats: list[str]) -> str:
    """The format most distinct values have (the smallest name on a tie); FEC's by default."""
    named = pd.Series(formats)
    named = named[named != ""]
    return named.mode().iloc[0] if len(named) else "%Y%m%d"


def reference_parse_dates(
    texts: pd.Series | np.ndarray | list[str],
) -> tuple[ParsedColumn, str]:
    """:func:`parse_dates` the slow way: :func:`parse_date` on every distinct value."""
    parsed, formats = _reference_dates(texts)
    return parsed, _common_format(formats)


# --- In bulk: the usual shapes by numpy over pyarrow's bytes, the rest by the reference ----


def _arrow_texts(texts: pd.Series | np.ndarray | list[str]) -> pa.Array | None:
    """The column as one pyarrow text array, or ``None`` when it is not held so, or has
    missing values: the reference reads those."""
    if not (isinstance(texts, pd.Series) and isinstance(texts.dtype, pd.StringDtype)
            and texts.dtype.storage == "pyarrow" and len(texts)):
        return None
    arrow = texts.array.__arrow_array__()
    text_type = pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)
    if not text_type or arrow.null_count:
        return None
    return arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow


@dataclass(frozen=True)
class _Shapes:
    """Where each value of a text column lies in its bytes, and what kind of bytes it holds."""

    data: np.ndarray  # the column's bytes, then a few zeros (so that every gather is inside)
    starts: np.ndarray
    ends: np.ndarray
    lengths: np.ndarray
    # Bytes of each value that are not ASCII digits, modulo 256 (uint8): exact for the
    # values under 256 bytes, the only ones read in bulk.
    non_digits: np.ndarray

    @classmethod
    def of(cls, array: pa.Array, *, count: bool = True) -> _Shapes:
        """The shapes of a text array; ``count=False`` leaves ``non_digits`` at 0."""
        offset_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
        buffers = array.buffers()
        offsets = np.frombuffer(buffers[1], dtype=offset_type)
        offsets = offsets[array.offset : array.offset + len(array) + 1].astype(
            np.int64, copy=False)
        raw = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else []
        data = np.zeros(len(raw) + 8, dtype=np.uint8)
        data[: len(raw)] = raw
        starts, ends = offsets[:-1], offsets[1:]
        lengths = ends - starts
        non_digits = np.zeros(len(starts), dtype=np.uint8)
        if count and len(starts):
            # 48..57: '0'..'9'; the padding after the column's bytes is not counted.
            non_digit = (np.subtract(data[: int(ends[-1]) + 1], 48, dtype=np.uint8) > 9).view(np.uint8)
            non_digit[-1] = 0
            # Each value's count, summed where it lies (no running count of every byte), in
            # bytes: six times faster than widened to int64. reduceat gives an empty value
            # the byte at its offset: 0 instead.
            np.add.reduceat(non_digit, starts, dtype=np.uint8, out=non_digits)
            non_digits[lengths == 0] = 0
        return cls(data, starts, ends, lengths, non_digits)

    def byte(self, at: np.ndarray) -> np.ndarray:
        """The byte at offsets ``at`` (0 past the column's end)."""
        return np.take(self.data, at, mode="clip")

    def words(self, first: np.ndarray) -> np.ndarray:
        """The 8 bytes from offsets ``first`` on, each run read as one uint64 (in memory
        order: equal words, equal bytes)."""
        if not len(first):
            return np.zeros(0, dtype=np.uint64)
        # A uint64 starting at every byte (unaligned, one byte apart): one gather per value.
        starting_at = np.ndarray((len(self.data) - 7,), dtype="<u8", buffer=self.data,
                                 strides=(1,))
        return starting_at[first]


_DIGIT_WEIGHTS = 10 ** np.arange(7, -1, -1, dtype=np.int64)


def _eight_digit_numbers(words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The numbers eight bytes (as :meth:`_Shapes.words` gives them) write, and whether
    those bytes are all ASCII digits."""
    digits = words.view(np.uint8).reshape(-1, 8).astype(np.int64) - ord("0")
    all_digits = ((digits >= 0) & (digits <= 9)).all(axis=1)
    return digits @ _DIGIT_WEIGHTS, all_digits


def _no_reasons(size: int) -> np.ndarray:
    """'' at every position: a read-only view of one value, not a million references."""
    return np.broadcast_to(np.array("", dtype=object), (size,))


def _with_reasons(reasons: np.ndarray, positions: np.ndarray, found: np.ndarray) -> np.ndarray:
    """``reasons`` with ``found`` at ``positions`` (a writable copy when it was a view)."""
    if not reasons.flags.writeable:
        reasons = np.full(len(reasons), "", dtype=object)
    reasons[positions] = found
    return reasons


def _fill(
    arrow: pa.Array, done: np.ndarray, parse: object,
) -> tuple[np.ndarray, object]:
    """The positions the bulk parse left, and the reference's outcome on their texts."""
    positions = np.flatnonzero(~done)
    texts = pd.Series(arrow.take(pa.array(positions)).to_pylist(), dtype=object)
    return positions, parse(texts)  # type: ignore[operator]


def _texts_at(arrow: pa.Array, chosen: np.ndarray | None) -> pa.Array:
    """The texts at positions ``chosen``; the column itself (no copy) when ``None``."""
    return arrow if chosen is None else arrow.take(pa.array(chosen))


def _integers(texts: pa.Array) -> np.ndarray:
    """The integers written by texts of ASCII digits (a leading '-' allowed), as int64."""
    return pc.cast(texts, pa.int64()).to_numpy()


def _cents(
    shape: _Shapes, arrow: pa.Array, chosen: np.ndarray | None, negative: np.ndarray,
) -> np.ndarray:
    """Cents of the values at positions ``chosen`` (every value when ``None``), all of the
    shape ``[-]units,cc``: only those values are sliced and cast, not the whole column."""
    texts = _texts_at(arrow, chosen)
    # The units: all but the point and cents.
    heads = pc.binary_slice(texts.view(pa.large_binary()), 0, -3).view(pa.large_string())
    values = np.abs(_integers(heads))  # worked in place from here: few temporaries
    values *= 100
    decimals = shape.ends - 2 if chosen is None else shape.ends[chosen] - 2
    values += shape.byte(decimals) * np.int64(10)
    decimals += 1
    values += shape.byte(decimals)
    values -= ord("0") * 11  # both decimals were ASCII digits
    np.negative(values, out=values, where=negative if chosen is None else negative[chosen])
    return values


def parse_amounts(texts: pd.Series | np.ndarray | list[str]) -> ParsedColumn:
    """Parse a column of FEC amounts into an int64 array of cents (see :func:`parse_amount`).

    In bulk: empty, ``[-]units,cc`` / ``[-]units.cc`` (at least one unit digit) and
    ``[-]units``, with at most 16 unit digits; any other text is left to
    :func:`parse_amount`.
    """
    arrow = _arrow_texts(texts)
    if arrow is None:
        return reference_parse_amounts(texts)
    shape = _Shapes.of(arrow)
    lengths = shape.lengths
    negative = (lengths > 0) & (shape.byte(shape.starts) == ord("-"))
    at = shape.ends - 3  # the point of '1437,12', then its two decimals
    point = shape.byte(at)
    unit_digits = lengths - negative
    sign = negative.view(np.uint8)  # the leading '-', a non-digit
    # '1437,12': the point three bytes from the end, the only non-digit but a leading '-'
    # (at most 20 bytes: their non-digits are counted exactly).
    cents = (((point == ord(",")) | (point == ord(".")))
             & (shape.non_digits == sign + 1) & (unit_digits >= 4) & (unit_digits <= 19))
    units = (shape.non_digits == sign) & (unit_digits >= 1) & (unit_digits <= 16)
    size = len(arrow)
    values = np.zeros(size, dtype=np.int64)
    if cents.all():
        values = _cents(shape, arrow, None, negative)
    elif cents.any():
        chosen = np.flatnonzero(cents)
        values[chosen] = _cents(shape, arrow, chosen, negative)
    if units.any():
        chosen = np.flatnonzero(units)
        values[chosen] = _integers(_texts_at(arrow, chosen)) * 100
    dotted = bool((cents & (point == ord("."))).any())
    bad = np.zeros(size, dtype=bool)
    reasons = _no_reasons(size)
    done = cents | units | (lengths == 0)
    if not done.all():
        positions, slow = _fill(arrow, done, reference_parse_amounts)
        values[positions] = slow.values
        bad[positions] = slow.bad
        reasons = _with_reasons(reasons, positions, slow.reasons)
        dotted = dotted or slow.dotted
    return ParsedColumn(values, bad, reasons, dotted)


def _eight_digit_dates(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Dates, problems and formats of distinct AAAAMMJJ numbers: the plain dates of the years
    1900 to 2200 computed at once, any other through :func:`parse_date`."""
    year, month, day = numbers // 10000, numbers // 100 % 100, numbers % 100
    plain = (year >= 1900) & (year <= 2200) & (month >= 1) & (month <= 12) & (day >= 1)
    months = np.where(plain, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    month_days = (months + 1).astype("datetime64[D]") - months.astype("datetime64[D]")
    plain &= day <= month_days.astype(np.int64)
    values = months.astype("datetime64[D]") + np.where(plain, day - 1, 0)
    values[~plain] = np.datetime64("NaT")
    reasons = np.full(len(numbers), "", dtype=object)
    formats = ["%Y%m%d" if ok else "" for ok in plain.tolist()]
    for at in np.flatnonzero(~plain).tolist():
        values[at], reasons[at], formats[at] = parse_date(f"{int(numbers[at]):08d}")
    return values, reasons, formats


def parse_dates(texts: pd.Series | np.ndarray | list[str]) -> tuple[ParsedColumn, str]:
    """Parse a column of dates; also returns the most common format met (for write-back):
    the format of most distinct values.

    In bulk: empty, and eight digits (each distinct one through :func:`parse_date`); any
    other text is left to :func:`parse_date`.
    """
    arrow = _arrow_texts(texts)
    if arrow is None:
        return reference_parse_dates(texts)
    shape = _Shapes.of(arrow, count=False)
    size = len(arrow)
    eight = np.flatnonzero(shape.lengths == 8)
    # Each distinct eight bytes read once (a file holds a few thousand dates at most).
    codes, words = pd.factorize(shape.words(shape.starts[eight]))
    numbers, all_digits = _eight_digit_numbers(words)
    if not all_digits.all():
        kept = all_digits[codes]
        eight, codes = eight[kept], codes[kept]
        numbers, codes = numbers[all_digits], (np.cumsum(all_digits) - 1)[codes]
    values = np.full(size, np.datetime64("NaT"), dtype="datetime64[D]")
    bad = np.zeros(size, dtype=bool)
    reasons = _no_reasons(size)
    formats: list[str] = []
    if len(eight):
        unique_values, unique_reasons, unique_formats = _eight_digit_dates(numbers)
        values[eight] = unique_values[codes]
        unique_bad = unique_reasons != ""
        if unique_bad.any():
            bad[eight] = unique_bad[codes]
            reasons = _with_reasons(reasons, eight, unique_reasons[codes])
        formats += unique_formats
    done = shape.lengths == 0
    done[eight] = True
    if not done.all():
        positions, (slow, rest_formats) = _fill(arrow, done, _reference_dates)
        values[positions] = slow.values
        bad[positions] = slow.bad
        reasons = _with_reasons(reasons, positions, slow.reasons)
        formats += rest_formats
    return ParsedColumn(values, bad, reasons), _common_format(formats)
