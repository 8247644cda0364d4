"""Money given by people (settings, flags) turned into integer cents, and back."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def to_cents(value: object, *, name: str = "amount") -> int:
    """Exact cents of ``"1.00"``, ``"1,00"``, ``1``, ``Decimal("0.5")``; refuses sub-cents.

    Raises ``ValueError`` naming ``name`` when the value is not an amount of whole cents.
    """
    text = str(value).strip().replace(",", ".").replace(" ", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{name}: {value!r} is not an amount") from None
    cents = amount * 100
    if not cents.is_finite() or cents != cents.to_integral_value():
        raise ValueError(f"{name}: {value!r} is not a whole number of cents")
    return int(cents)


def format_cents(cents: int) -> str:
    """``123456`` → ``"1234.56"``, ``-5`` → ``"-0.05"``."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{units}.{rest:02d}"


def format_cents_array(cents: np.ndarray) -> pa.Array:
    """:func:`format_cents` of each amount (vectorised), as a pyarrow string array."""
    cents = np.asarray(cents, dtype=np.int64)
    units, rest = np.divmod(np.abs(cents), 100)
    minus, point, nothing = (pa.scalar(text, pa.large_string()) for text in ("-", ".", ""))
    sign = pc.if_else(pa.array(cents < 0), minus, nothing)
    rest_text = pc.utf8_lpad(pc.cast(pa.array(rest), pa.large_string()), 2, "0")
    return pc.binary_join_element_wise(sign, pc.cast(pa.array(units), pa.large_string()), point,
                                       rest_text, nothing)
