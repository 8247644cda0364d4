"""Write-off entries for the gaps of lettered groups: bank fees, discounts, rounding, exchange.

Each gap becomes a balanced two-line entry: a line on the third party that brings its group
to zero (it carries the group's letter), and a line on the account of the gap's nature.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from lettrage.ledger import positions_or_absent
from lettrage.money import format_cents
from lettrage.settings import Settings

WRITEOFF_COLUMNS = ["group", "letter", "journal", "entry", "date", "account", "aux", "label",
                    "piece_ref", "amount", "nature"]
_DISCOUNT = re.compile(r"\b(ESCOMPTE|REMISE|DISCOUNT|RABAIS)\b", re.IGNORECASE)
_FEES = re.compile(r"\b(FRAIS|COMMISSION|COM|FEES|AGIOS)\b", re.IGNORECASE)
ROUNDING_LIMIT = 100  # cents: smaller gaps are rounding


def nature_of(gap: int, foreign: bool, labels: str) -> str:
    """The nature of a gap (group debit − credit, in cents) from its context.

    A positive gap is a loss (what remains due is written off); a negative one a gain.
    """
    loss = gap > 0
    if foreign:
        return "exchange_loss" if loss else "exchange_gain"
    if _DISCOUNT.search(labels):
        return "discount_granted" if loss else "discount_received"
    if loss and _FEES.search(labels):
        return "bank_fees"
    if abs(gap) < ROUNDING_LIMIT:
        return "rounding_loss" if loss else "rounding_gain"
    return "bank_fees" if loss else "rounding_gain"


def natures_of(gaps: np.ndarray, foreign: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """:func:`nature_of` of each gap (an object array); each distinct text searched once."""
    gaps = np.asarray(gaps, dtype=np.int64)
    codes, distinct = pd.factorize(np.asarray(labels, dtype=object), use_na_sentinel=False)
    texts = [str(text) for text in distinct]
    discount = np.array([bool(_DISCOUNT.search(text)) for text in texts], dtype=bool)[codes]
    fees = np.array([bool(_FEES.search(text)) for text in texts], dtype=bool)[codes]
    loss = gaps > 0
    foreign = np.asarray(foreign, dtype=bool)
    rounding = np.abs(gaps) < ROUNDING_LIMIT
    return np.select(
        [foreign & loss, foreign, discount & loss, discount, loss & fees, rounding & loss, rounding,
         loss],
        ["exchange_loss", "exchange_gain", "discount_granted", "discount_received", "bank_fees",
         "rounding_loss", "rounding_gain", "bank_fees"], "rounding_gain").astype(object)


def writeoff_entries(groups: pd.DataFrame, lines: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Two rows per group with a gap: the third-party line and the write-off account line;
    groups by account, third party and first line.

    ``groups`` has ``group``, ``letter``, ``letter_date``, ``account``, ``aux``, ``gap``,
    ``currency`` and ``lines``; ``lines`` maps ``line`` to ``label``.
    """
    read = ["group", "letter", "letter_date", "account", "aux", "gap", "currency"]
    with_gap = groups.loc[(groups["gap"] != 0).to_numpy(dtype=bool), [*read, "lines"]]
    if with_gap.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in WRITEOFF_COLUMNS})
    members = [[int(x) for x in str(text).split()] for text in with_gap["lines"].tolist()]
    # By account, third party and first line: as an accountant reads them, and the same
    # order however the groups were numbered.
    accounts, auxes = with_gap["account"].astype(str).tolist(), with_gap["aux"].astype(str).tolist()
    order = sorted(range(len(members)), key=lambda i: (accounts[i], auxes[i], members[i][0]))
    with_gap, members = with_gap.iloc[order], [members[i] for i in order]
    label_of = _labels_of(lines, sorted({line for group in members for line in group}))
    rows = []
    for number, (group, letter, letter_date, account, aux, gap, currency, group_lines) in enumerate(
            zip(*(with_gap[column].tolist() for column in read), members), start=1):
        text = " ".join(label_of[line] for line in group_lines)
        nature = nature_of(int(gap), bool(currency), text)
        entry = f"LET{number:06d}"
        label = f"Lettrage {letter} {nature.replace('_', ' ')} {format_cents(abs(int(gap)))}"
        common = {"group": group, "letter": letter, "journal": settings.writeoff_journal,
                  "entry": entry, "date": letter_date, "label": label, "piece_ref": entry,
                  "nature": nature}
        rows.append({**common, "account": account, "aux": aux, "amount": -int(gap)})
        rows.append({**common, "account": settings.writeoff_accounts[nature], "aux": "",
                     "amount": int(gap), "letter": ""})
    frame = pd.DataFrame(rows, columns=WRITEOFF_COLUMNS)
    frame["amount"] = frame["amount"].astype(np.int64)
    return frame


def _labels_of(lines: pd.DataFrame, wanted: list[int]) -> dict[int, str]:
    """The label of each wanted line (``""`` when missing or not among ``lines``)."""
    at = positions_or_absent(lines["line"].to_numpy(dtype=np.int64), np.array(wanted, dtype=np.int64))
    labels = np.full(len(wanted), "", dtype=object)
    labels[at >= 0] = lines["label"].iloc[at[at >= 0]].fillna("").astype(str).tolist()
    return dict(zip(wanted, labels.tolist()))
