"""Letter codes: A, B, … Z, AA, AB, … per third party, never reused.

A code is a number written in bijective base 26 (A = 1, Z = 26, AA = 27). Numbering this way
keeps fixed-width sequences in order (AAAA, AAAB, … as some software writes them) and lets a
run continue after the highest code a third party already uses.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

_LETTERS_ONLY = re.compile(r"^[A-Za-z]+$")


def code_to_number(code: str) -> int:
    """The number of a letter code (``A`` → 1, ``AA`` → 27); 0 when it is not letters only.

    Case is ignored: some software writes a partial lettering in lower case.
    """
    if not _LETTERS_ONLY.match(code):
        return 0
    number = 0
    for char in code.upper():
        number = number * 26 + (ord(char) - 64)
    return number


def number_to_code(number: int) -> str:
    """The letter code of a number ≥ 1 (1 → ``A``, 27 → ``AA``)."""
    if number < 1:
        raise ValueError("letter code numbers start at 1")
    chars: list[str] = []
    while number:
        number, rest = divmod(number - 1, 26)
        chars.append(chr(65 + rest))
    return "".join(reversed(chars))


def first_number(highest_used: int, width: int = 1) -> int:
    """The first code number a run may use: after ``highest_used``, and ``width`` letters wide.

    ``width=4`` starts at AAAA, as software writing fixed-width codes expects.
    """
    shortest = sum(26**power for power in range(max(width, 1)))
    return max(highest_used + 1, shortest)


def highest_codes(parties: pd.Series, letters: pd.Series) -> pd.Series:
    """Per third party, the highest code number already used (0 when none)."""
    codes, uniques = pd.factorize(letters.fillna("").astype(str), use_na_sentinel=False)
    per_code = np.fromiter((code_to_number(c) for c in uniques), np.int64, len(uniques))
    numbers = pd.Series(per_code[codes], index=letters.index)
    return numbers.groupby(parties.to_numpy(), sort=False).max()


def usual_width(letters: pd.Series) -> int:
    """The most common width of the letter codes already in a ledger (1 when none)."""
    codes = letters[letters.str.fullmatch(r"[A-Za-z]+", na=False)]
    if codes.empty:
        return 1
    return int(codes.str.len().mode().iloc[0])
