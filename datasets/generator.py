"""Seeded generator of realistic FEC ledgers with their true lettering.

Every ledger is made of *cases*: one instance of a matching situation of ``shared/CASES.md``
(numbered 1–22) on one customer or supplier (two customers for situation 17). A case gives a
few third-party lines (invoices, credit notes, payments) with their true groups; each of those
lines becomes a balanced entry (411/706/44571, 401/607/44566, 512). Bank fees and payroll
entries fill the ledger up to exactly the number of lines asked for.

    python datasets/generator.py --lines 100000 --seed 1 -o 123456789FEC20251231.txt \
        --truth truth.csv [--mix "1=20,2=18,4=6"]
    python -m datasets.generator ...   (the same, from the repository's root)

The truth has one row per 40x/41x line: ``line`` (1-based data line, header excluded),
``account``, ``aux``, ``group`` (id of the true group, empty for none), ``situation``,
``expect`` (``letter``, ``review``, ``open``, ``kept``), ``gap`` (cents a group lacks to
balance: the tolerance it needs — situations 9, 10, 21; the sum still due for 12 and 22),
``case`` (id of the case) and ``amount`` (signed cents, debit positive).

Within a third party a group meant to be lettered is the only answer: after drawing, every
subset of at most four open lines of one third party that balances across cases (two invoices
of equal amounts, a deposit equal to two unpaid invoices…) makes the case re-drawn.
Money is integer cents throughout; the same seed gives the same bytes.

Everything is drawn with numpy over whole arrays; the text is then rendered and written
:data:`CHUNK_LINES` lines at a time (the bytes do not depend on the chunk), so the whole
file is never in memory: see ``datasets/generated/README.md`` for time and peak memory at
10⁶ and 10⁷ lines.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

HEADER = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
          "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit",
          "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise")
TRUTH_COLUMNS = ("line", "account", "aux", "group", "situation", "expect", "gap", "case", "amount")
DEFAULT_NAME = "123456789FEC20251231.txt"

#: Default relative frequency of each situation (cases, not lines).
DEFAULT_MIX: dict[int, float] = {
    1: 20, 2: 18, 3: 2, 4: 6, 5: 3, 6: 1.5, 7: 2, 8: 1.5, 9: 2, 10: 1, 11: 1, 12: 2,
    13: 2, 14: 8, 15: 1, 16: 0.5, 17: 0.5, 18: 0.5, 19: 10, 20: 0.5, 21: 1, 22: 0.5,
}
#: Situations whose group may be lettered when the tolerance covers its gap.
TOLERANCE_SITUATIONS = (9, 10, 21)
#: Situations where any balanced group inside the case is acceptable (equal amounts).
ANY_PAIRING_SITUATIONS = (3, 15)

# Kinds of third-party line, what the engine should do, how a label cites a document.
INV, CREDIT, PAY = 0, 1, 2
LETTER, REVIEW, OPEN, KEPT = 0, 1, 2, 3
EXPECT_NAMES = np.array(["letter", "review", "open", "kept"], dtype=object)
FULL, SHORT, ALT, NONE = 0, 1, 2, 3  # ALT folds to the same reference key as FULL
TYPO_EVERY = 10  # one full citation in ten is mistyped
CUSTOMER, SUPPLIER = 0, 1
N_DAYS = 365  # 2025
FIRST_WEEKDAY = 2  # 2025-01-01 is a Wednesday
CUSTOMER_SHARE = 0.6
OTHER_SHARE = 0.05  # lines of other entries (bank fees, payroll)
LINES_PER_PARTY = 40

# Label templates per (tag, side). N name, R own reference, C cited reference(s),
# Q cheque number, M month, J instalment i/k, K order number.
TAGS = ("inv", "plain", "cite", "multi", "prlv", "escompte", "echeance", "acompte", "credit", "cancel")
T = {name: code for code, name in enumerate(TAGS)}
TEMPLATES: dict[tuple[str, int], tuple[str, ...]] = {
    ("inv", CUSTOMER): ("FACTURE {N}", "{N}", "VENTE {N}", "FACT {R} {N}"),
    ("plain", CUSTOMER): ("VIR SEPA {N}", "VIR {N}", "REMISE CHQ {Q}", "CHQ {Q} {N}", "CB {N}",
                          "VIREMENT DE {N}"),
    ("cite", CUSTOMER): ("VIR SEPA {N} {C}", "VIR {N} REF {C}", "VIREMENT {N} FACTURE {C}",
                         "CHQ {Q} {C}", "{C} {N}"),
    ("multi", CUSTOMER): ("VIR SEPA {N} {C}", "REGLEMENT FACTURES {C}"),
    ("prlv", CUSTOMER): ("PRLV SEPA {N} ABONNEMENT {M}", "PRELEVEMENT {N} {M}"),
    ("escompte", CUSTOMER): ("VIR {N} {C} ESCOMPTE 2%", "REGLEMENT {C} ESCOMPTE 2% DEDUIT"),
    ("echeance", CUSTOMER): ("ECHEANCE {J} {C}", "VIR {N} ECH {J} {C}"),
    ("acompte", CUSTOMER): ("ACOMPTE COMMANDE {K}", "VIR {N} ACOMPTE COMMANDE {K}"),
    ("credit", CUSTOMER): ("AVOIR {R} SUR {C}", "AVOIR {N} FACTURE {C}"),
    ("cancel", CUSTOMER): ("ANNULATION FACTURE {C}", "AVOIR {R} ANNULE {C}"),
    ("inv", SUPPLIER): ("{N} FACT {R}", "FACTURE {N} {R}", "ACHAT {N}"),
    ("plain", SUPPLIER): ("VIR {N}", "PRLV SEPA {N}", "LCR {N}", "CHQ {Q} {N}"),
    ("cite", SUPPLIER): ("VIR {N} FACT {C}", "REGLEMENT {N} {C}", "VIR SEPA {N} {C}"),
    ("multi", SUPPLIER): ("VIR {N} FACTURES {C}", "REGLEMENT {N} {C}"),
    ("prlv", SUPPLIER): ("PRLV SEPA {N} {M}",),
    ("escompte", SUPPLIER): ("VIR {N} {C} ESCOMPTE 2%",),
    ("echeance", SUPPLIER): ("VIR {N} ECHEANCE {J} {C}",),
    ("acompte", SUPPLIER): ("ACOMPTE COMMANDE {K} {N}",),
    ("credit", SUPPLIER): ("AVOIR {N} {R} SUR {C}",),
    ("cancel", SUPPLIER): ("AVOIR {N} ANNULATION {C}",),
}
MONTHS = ("JANVIER", "FEVRIER", "MARS", "AVRIL", "MAI", "JUIN", "JUILLET", "AOUT", "SEPTEMBRE",
          "OCTOBRE", "NOVEMBRE", "DECEMBRE")
TRADES = ("BOULANGERIE", "GARAGE", "TRANSPORTS", "CABINET", "PHARMACIE", "MENUISERIE", "IMPRIMERIE",
          "ETS", "SOCIETE", "ATELIER", "HOTEL", "RESTAURANT", "PLOMBERIE", "ELECTRICITE", "AGENCE",
          "INFORMATIQUE", "CONSEIL", "BATIMENT", "LABORATOIRE", "JARDINERIE", "NEGOCE", "OPTIQUE")
SURNAMES = ("DUPONT", "MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND",
            "DUBOIS", "MOREAU", "LAURENT", "SIMON", "MICHEL", "LEFEBVRE", "LEROY", "ROUX", "DAVID",
            "BERTRAND", "MOREL", "FOURNIER", "GIRARD", "BONNET", "LAMBERT", "FONTAINE", "ROUSSEAU",
            "VINCENT", "MULLER", "FAURE", "ANDRE", "MERCIER", "BLANC", "GUERIN", "BOYER", "GARNIER",
            "CHEVALIER", "LEGRAND", "GAUTHIER", "PERRIN", "ACME", "ARMOR", "ALPES", "OCEANE")
FORMS = ("SARL", "SAS", "SA", "EURL", "", "")

# Journals and accounts: (code, label) and, per side, (account, label) of each role.
JOURNALS = (("VT", "Ventes"), ("HA", "Achats"), ("BQ", "Banque"), ("OD", "Opérations diverses"))
VT, HA, BQ, OD = range(4)
ACCOUNTS = (
    ("411000", "Clients"), ("706000", "Prestations de services"), ("445710", "TVA collectée"),
    ("401000", "Fournisseurs"), ("607000", "Achats de marchandises"),
    ("445660", "TVA déductible sur ABS"), ("512000", "Banque"), ("627000", "Services bancaires"),
    ("641000", "Rémunérations du personnel"), ("421000", "Personnel - rémunérations dues"),
    ("431000", "Sécurité sociale"),
)
TP, HT, VAT, BANK = range(4)  # roles of an entry's lines; account: side * 3 + role, bank 6
ENTRY_ROLES = {  # (side, kind, foreign) -> roles of the entry's lines, in order
    (CUSTOMER, INV, 0): (TP, HT, VAT), (CUSTOMER, INV, 1): (TP, HT),
    (CUSTOMER, CREDIT, 0): (TP, HT, VAT), (CUSTOMER, CREDIT, 1): (TP, HT),
    (CUSTOMER, PAY, 0): (BANK, TP), (CUSTOMER, PAY, 1): (BANK, TP),
    (SUPPLIER, INV, 0): (HT, VAT, TP), (SUPPLIER, INV, 1): (HT, TP),
    (SUPPLIER, CREDIT, 0): (HT, VAT, TP), (SUPPLIER, CREDIT, 1): (HT, TP),
    (SUPPLIER, PAY, 0): (TP, BANK), (SUPPLIER, PAY, 1): (TP, BANK),
}


# --------------------------------------------------------------------------------------------
# Cases: each builder draws n cases of one situation as template rows of numpy arrays.

class _Cases:
    """Template rows of ``n`` cases; each field of :meth:`add` broadcasts over the cases."""

    FIELDS = ("kind", "amount", "day", "group", "expect", "cite", "tag", "style", "gap", "fx",
              "kept", "slot", "extra", "present")

    def __init__(self, n: int) -> None:
        self.n = n
        self.rows: list[tuple] = []

    def add(self, kind, amount, day, *, expect, group=-1, cite=-1, tag="plain", style=NONE,
            gap=0, fx=-1, kept=False, slot=0, extra=0, present=True) -> int:
        """Add one line to every case; returns its template index (for ``cite``)."""
        self.rows.append((kind, amount, day, group, expect, cite, T[tag], style, gap, fx, kept,
                          slot, extra, present))
        return len(self.rows) - 1

    def table(self) -> dict[str, np.ndarray]:
        """One entry per present line, cases in order; ``row`` = rank inside the case and
        ``cite`` = row of the cited line (-1 for none)."""
        n = self.n
        cols = {field: np.stack([np.broadcast_to(np.asarray(row[k]), (n,)) for row in self.rows],
                                axis=1).astype(np.int64)
                for k, field in enumerate(self.FIELDS)}
        present = cols.pop("present").astype(bool)
        row = np.cumsum(present, axis=1) - 1
        cite = cols["cite"]
        cols["cite"] = np.where(cite >= 0, np.take_along_axis(row, np.maximum(cite, 0), 1), -1)
        out = {field: values[present] for field, values in cols.items()}
        out["row"] = row[present]
        out["case"] = np.broadcast_to(np.arange(n)[:, None], present.shape)[present]
        return out


def _ttc(rng, n, median=60_000, sigma=1.0, lo=1_000, hi=2_000_000):
    """VAT-inclusive amounts (cents): a log-normal HT, 15 % of them in whole euros, + 20 %."""
    ht = np.clip(np.rint(np.exp(rng.normal(np.log(median), sigma, n))), lo, hi).astype(np.int64)
    ht = np.where(rng.random(n) < 0.15, np.maximum(ht // 100, 1) * 100, ht)
    return ht + (ht * 20 + 50) // 100


def _delay(rng, n, lo=0, hi=90):
    """Payment delays in days: gamma-shaped, mean about a month."""
    return np.clip(rng.gamma(2.0, 14.0, n).astype(np.int64), lo, hi)


def _part(rng, x, lo, hi):
    return (x * rng.uniform(lo, hi, len(x))).astype(np.int64)


def _cite_style(rng, n, p=(0.45, 0.2, 0.15, 0.2)):
    return rng.choice(4, n, p=p)


def _s1(rng, n):  # exact 1:1 with a reference, written as customers write it
    c, x = _Cases(n), _ttc(rng, n)
    inv = c.add(INV, x, 0, group=0, expect=LETTER, tag="inv")
    c.add(PAY, x, _delay(rng, n), group=0, expect=LETTER, cite=inv, tag="cite",
          style=_cite_style(rng, n))
    return c


def _s2(rng, n):  # exact 1:1, no reference
    c, x = _Cases(n), _ttc(rng, n)
    c.add(INV, x, 0, group=0, expect=LETTER, tag="inv")
    c.add(PAY, x, rng.integers(5, 61, n), group=0, expect=LETTER)
    return c


def _s3(rng, n):  # monthly invoices and direct debits of one amount; pairs FIFO
    c, months, lag = _Cases(n), rng.integers(3, 11, n), rng.integers(0, 11, n)
    ht = rng.integers(10, 400, n) * 100
    x = ht + ht // 5
    for i in range(10):
        day = round(30.44 * i)
        c.add(INV, x, day, group=i, expect=LETTER, tag="inv", present=i < months)
        c.add(PAY, x, day + lag, group=i, expect=LETTER, tag="prlv", present=i < months)
    return c


def _s4(rng, n):  # one payment for 2-5 invoices, naming them or not
    c, k = _Cases(n), rng.integers(2, 6, n)
    day, total, last = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64)
    for i in range(5):
        x = _ttc(rng, n, median=30_000)
        day = day + (rng.integers(0, 21, n) if i else 0)
        c.add(INV, x, day, group=0, expect=LETTER, tag="inv", present=i < k)
        total += np.where(i < k, x, 0)
        last = np.where(i < k, day, last)
    c.add(PAY, total, last + _delay(rng, n, 0, 60), group=0, expect=LETTER, tag="multi",
          style=rng.choice([FULL, SHORT, NONE], n, p=[0.4, 0.2, 0.4]))
    return c


def _s5(rng, n):  # 2-3 instalments for one invoice
    c, x, k = _Cases(n), _ttc(rng, n, median=150_000), rng.integers(2, 4, n)
    inv = c.add(INV, x, 0, group=0, expect=LETTER, tag="inv")
    part = x // k
    for j in range(3):
        c.add(PAY, np.where(j == k - 1, x - part * (k - 1), part),
              30 * (j + 1) + rng.integers(-3, 4, n), group=0, expect=LETTER, cite=inv,
              tag="echeance", style=rng.choice([FULL, SHORT], n), extra=(j + 1) * 10 + k,
              present=j < k)
    return c


def _s6(rng, n):  # N:M, two invoices and two payments of another split
    c, a, b = _Cases(n), _ttc(rng, n), _ttc(rng, n)
    total = a + b
    first = np.where(rng.random(n) < 0.3, total // 2, _part(rng, total, 0.3, 0.7))
    for _ in range(3):  # no payment equal to an invoice: the four lines are the only answer
        bad = (first == a) | (first == b) | (total - first == a) | (total - first == b)
        first = np.where(bad, first + 7, first)
    db = rng.integers(5, 31, n)
    d1 = db + _delay(rng, n, 5, 60)
    c.add(INV, a, 0, group=0, expect=LETTER, tag="inv")
    c.add(INV, b, db, group=0, expect=LETTER, tag="inv")
    c.add(PAY, first, d1, group=0, expect=LETTER)
    c.add(PAY, total - first, d1 + rng.integers(5, 41, n), group=0, expect=LETTER)
    return c


def _s7(rng, n):  # invoice, credit note citing it, payment of the rest
    c, x = _Cases(n), _ttc(rng, n)
    y = np.maximum(_part(rng, x, 0.05, 0.4), 100)
    dc = rng.integers(3, 31, n)
    inv = c.add(INV, x, 0, group=0, expect=LETTER, tag="inv")
    c.add(CREDIT, y, dc, group=0, expect=LETTER, cite=inv, tag="credit", style=FULL)
    c.add(PAY, x - y, dc + _delay(rng, n), group=0, expect=LETTER, cite=inv, tag="cite",
          style=_cite_style(rng, n))
    return c


def _s8(rng, n):  # credit note cancelling an invoice
    c, x = _Cases(n), _ttc(rng, n)
    inv = c.add(INV, x, 0, group=0, expect=LETTER, tag="inv")
    c.add(CREDIT, x, rng.integers(1, 41, n), group=0, expect=LETTER, cite=inv, tag="cancel",
          style=FULL)
    return c


def _gap_case(rng, n, x, gap, tag, day):
    c = _Cases(n)
    inv = c.add(INV, x, 0, group=0, expect=REVIEW, gap=gap, tag="inv")
    c.add(PAY, x - gap, day, group=0, expect=REVIEW, gap=gap, cite=inv, tag=tag,
          style=_cite_style(rng, n, (0.4, 0.2, 0.1, 0.3)))
    return c


def _s9(rng, n):  # bank fees or rounding: a gap of 0,01 to 1,00
    return _gap_case(rng, n, _ttc(rng, n), rng.integers(1, 101, n), "cite", _delay(rng, n))


def _s10(rng, n):  # 2 % discount taken
    x = _ttc(rng, n)
    return _gap_case(rng, n, x, (x * 2 + 50) // 100, "escompte", rng.integers(0, 11, n))


def _s21(rng, n):  # small invoice paid short: 42 for 40
    x = _ttc(rng, n, median=5_000, sigma=0.6, lo=1_500, hi=50_000)
    gap = np.minimum(rng.integers(101, 1000, n), x // 3)
    return _gap_case(rng, n, x, gap, "cite", _delay(rng, n))


def _s11(rng, n):  # USD: same currency amount, different EUR amounts
    c = _Cases(n)
    usd = np.clip(np.rint(np.exp(rng.normal(np.log(200_000), 1.0, n))), 5_000, 5_000_000)
    usd = usd.astype(np.int64)
    rate = rng.integers(8_400, 9_400, n)  # EUR per USD, in 1/10000
    rate2 = rate + rng.choice([-1, 1], n) * rng.integers(20, 400, n)
    eur, eur2 = (usd * rate + 5_000) // 10_000, (usd * rate2 + 5_000) // 10_000
    eur2 = np.where(eur2 == eur, eur2 + 1, eur2)
    inv = c.add(INV, eur, 0, group=0, expect=LETTER, fx=usd, tag="inv")
    c.add(PAY, eur2, _delay(rng, n, 15, 90), group=0, expect=LETTER, fx=usd, cite=inv,
          tag="cite", style=_cite_style(rng, n))
    return c


def _s12(rng, n):  # partial payment
    c, x = _Cases(n), _ttc(rng, n)
    paid = np.maximum(_part(rng, x, 0.2, 0.8) // 100 * 100, 100)
    inv = c.add(INV, x, 0, group=0, expect=REVIEW, gap=x - paid, tag="inv")
    c.add(PAY, paid, _delay(rng, n), group=0, expect=REVIEW, gap=x - paid, cite=inv, tag="cite",
          style=_cite_style(rng, n))
    return c


def _s13(rng, n):  # deposit without invoice
    c = _Cases(n)
    deposit = (_ttc(rng, n) // 1_000 + 1) * 1_000
    c.add(PAY, deposit, 0, expect=OPEN, tag="acompte", extra=rng.integers(100, 10_000, n))
    return c


def _s14(rng, n):  # unpaid invoice
    c = _Cases(n)
    c.add(INV, _ttc(rng, n), 0, expect=OPEN, tag="inv")
    return c


def _s15(rng, n):  # paid twice: the invoice with the first payment; the second to flag
    c, x = _Cases(n), _ttc(rng, n)
    d1 = _delay(rng, n)
    inv = c.add(INV, x, 0, group=0, expect=LETTER, tag="inv")
    c.add(PAY, x, d1, group=0, expect=LETTER, cite=inv, tag="cite", style=rng.choice([FULL, ALT], n))
    c.add(PAY, x, d1 + rng.integers(3, 21, n), expect=REVIEW, cite=inv, tag="cite",
          style=rng.choice([FULL, ALT], n))
    return c


def _s16(rng, n):  # one payment, two equally good pairs of invoices
    c, p = _Cases(n), _ttc(rng, n, median=100_000)
    a, b = _part(rng, p, 0.1, 0.4), _part(rng, p, 0.1, 0.4)
    b = np.where(b == a, b + 3, b)
    days = rng.integers(0, 31, (n, 4))
    for i, x in enumerate((a, p - a, b, p - b)):
        c.add(INV, x, days[:, i], expect=REVIEW, tag="inv")
    c.add(PAY, p, days.max(1) + _delay(rng, n, 5, 60), expect=REVIEW)
    return c


def _s17(rng, n):  # a payment posted to customer B cites an invoice of customer A
    c, x = _Cases(n), _ttc(rng, n)
    db = rng.integers(0, 30, n)
    inv_a = c.add(INV, x, 0, expect=REVIEW, tag="inv", slot=0)
    c.add(INV, x, db, expect=REVIEW, tag="inv", slot=1)
    c.add(PAY, x, db + _delay(rng, n, 5, 60), expect=REVIEW, cite=inv_a, tag="cite",
          style=rng.choice([FULL, ALT], n), slot=1)
    return c


def _s18(rng, n):  # the payment cites FA-Y; the only invoice of its amount is FA-X
    c, x, w = _Cases(n), _ttc(rng, n), _ttc(rng, n)
    w = np.where(w == x, w + 11, w)
    dy = rng.integers(0, 30, n)
    c.add(INV, x, 0, expect=REVIEW, tag="inv")
    fy = c.add(INV, w, dy, expect=REVIEW, tag="inv")
    c.add(PAY, x, dy + _delay(rng, n, 5, 60), expect=REVIEW, cite=fy, tag="cite",
          style=rng.choice([FULL, ALT], n))
    return c


def _s19(rng, n):  # already lettered in the input
    c, x1, x2 = _Cases(n), _ttc(rng, n), _ttc(rng, n)
    two = rng.random(n) < 0.3
    inv = c.add(INV, x1, 0, group=0, expect=KEPT, kept=True, tag="inv")
    c.add(INV, x2, rng.integers(0, 20, n), group=0, expect=KEPT, kept=True, tag="inv", present=two)
    c.add(PAY, x1 + np.where(two, x2, 0), 20 + _delay(rng, n, 0, 60), group=0, expect=KEPT,
          kept=True, cite=inv, tag="cite", style=_cite_style(rng, n))
    return c


def _s20(rng, n):  # greedy trap: 100, 250, 200 then 300 = 100 + 200
    c, p = _Cases(n), _ttc(rng, n, median=80_000)
    x = _part(rng, p, 0.2, 0.45)
    z = p - x
    y = z + _part(rng, p - z, 0.1, 0.9)
    y = np.where((y == z) | (y == p), y + 1, y)
    d1 = rng.integers(3, 16, n)
    d2 = d1 + rng.integers(3, 16, n)
    c.add(INV, x, 0, group=0, expect=LETTER, tag="inv")
    c.add(INV, y, d1, expect=OPEN, tag="inv")
    c.add(INV, z, d2, group=0, expect=LETTER, tag="inv")
    c.add(PAY, p, d2 + _delay(rng, n, 5, 60), group=0, expect=LETTER)
    return c


def _s22(rng, n):  # a manual partial group exists; a new payment comes
    c, x = _Cases(n), _ttc(rng, n, median=300_000)
    paid = np.maximum(_part(rng, x, 0.5, 0.85) // 100 * 100, 100)
    new = np.maximum(_part(rng, x - paid, 0.2, 0.9), 1)
    gap = x - paid - new
    d1 = _delay(rng, n, 5, 60)
    inv = c.add(INV, x, 0, group=0, expect=KEPT, kept=True, gap=gap, tag="inv")
    c.add(PAY, paid, d1, group=0, expect=KEPT, kept=True, gap=gap, cite=inv, tag="cite",
          style=FULL)
    c.add(PAY, new, d1 + rng.integers(10, 60, n), group=0, expect=REVIEW, gap=gap, cite=inv,
          tag="cite", style=_cite_style(rng, n))
    return c


BUILDERS = {1: _s1, 2: _s2, 3: _s3, 4: _s4, 5: _s5, 6: _s6, 7: _s7, 8: _s8, 9: _s9, 10: _s10,
            11: _s11, 12: _s12, 13: _s13, 14: _s14, 15: _s15, 16: _s16, 17: _s17, 18: _s18,
            19: _s19, 20: _s20, 21: _s21, 22: _s22}


# --------------------------------------------------------------------------------------------
# Plan, build, keep every group unambiguous.

def _weights(mix: Mapping[int, float] | None) -> np.ndarray:
    mix = DEFAULT_MIX if mix is None else mix
    unknown = set(mix) - set(BUILDERS)
    if unknown:
        raise ValueError(f"mix: unknown situations {sorted(unknown)} (1-22)")
    weights = np.array([float(mix.get(s, 0.0)) for s in BUILDERS])
    if (weights < 0).any() or not np.isfinite(weights).all() or weights.sum() <= 0:
        raise ValueError("mix: weights must be finite, non-negative, and not all zero")
    return weights / weights.sum()


def _entry_lines(tp: Mapping[str, np.ndarray]) -> np.ndarray:
    """FEC lines of the entry of each third-party line (foreign invoices carry no VAT)."""
    return np.where(tp["kind"] == PAY, 2, np.where(tp["fx"] >= 0, 2, 3))


def _lines_per_case(weights: np.ndarray) -> float:
    rng = np.random.default_rng(0)
    per = [_entry_lines(BUILDERS[s](rng, 64).table()).sum() / 64 for s in BUILDERS]
    return float(np.dot(weights, per))


def _build(situation: np.ndarray, cases: np.ndarray, rng) -> dict[str, np.ndarray]:
    """Third-party lines of the given cases (ids ``cases``, situations ``situation``)."""
    parts = []
    for s in np.unique(situation):
        ids = cases[situation == s]
        table = BUILDERS[int(s)](rng, len(ids)).table()
        table["case"] = ids[table["case"]]
        parts.append(table)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _ambiguous(party: np.ndarray, case: np.ndarray, value: np.ndarray,
               block_pairs: int = 400_000) -> np.ndarray:
    """Cases to re-draw: the highest case of each subset of at most 4 lines of one third
    party that balances (``value`` are signed cents) across cases without each case's share
    balancing on its own. Third parties are checked in blocks of about ``block_pairs`` pairs.
    """
    order = np.lexsort((case, party))
    p, c, v = party[order], case[order], value[order]
    starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]]) if len(p) else np.empty(0, np.int64)
    sizes = np.diff(np.r_[starts, len(p)])
    block = np.cumsum(sizes * (sizes - 1) // 2) // block_pairs
    cuts = np.r_[starts[np.r_[True, block[1:] != block[:-1]]] if len(p) else [], len(p)].astype(np.int64)
    flags = [_ambiguous_block(p[a:b], c[a:b], v[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]
    return np.unique(np.concatenate([np.empty(0, np.int64)] + flags)).astype(np.int64)


def _ambiguous_block(p: np.ndarray, c: np.ndarray, v: np.ndarray) -> np.ndarray:
    """:func:`_ambiguous` on lines sorted by third party."""
    n = len(p)
    count = np.searchsorted(p, p, side="right") - np.arange(n) - 1
    i = np.repeat(np.arange(n), count)
    j = i + 1 + np.arange(i.size) - np.repeat(np.cumsum(count) - count, count)
    s = v[i] + v[j]
    flags = [np.maximum(c[i], c[j])[(s == 0) & (c[i] != c[j])]]
    # Larger subsets: two disjoint parts (a line or a pair each) with opposite sums.
    nonzero = s != 0
    ea = np.concatenate([np.arange(n), i[nonzero]])
    eb = np.concatenate([np.full(n, -1), j[nonzero]])
    es = np.concatenate([v, s[nonzero]])
    key = p[ea].astype(np.int64) * (np.int64(1) << 36) + np.abs(es)
    pos, neg = np.flatnonzero(es > 0), np.flatnonzero(es < 0)
    neg = neg[np.argsort(key[neg], kind="stable")]
    lo = np.searchsorted(key[neg], key[pos], "left")
    hits = np.searchsorted(key[neg], key[pos], "right") - lo
    first = np.repeat(pos, hits)
    second = neg[np.repeat(lo, hits) + np.arange(hits.sum()) - np.repeat(np.cumsum(hits) - hits, hits)]
    slots = np.stack([ea[first], eb[first], ea[second], eb[second]], axis=1)
    valid = slots >= 0
    a1, b1, a2, b2 = slots.T
    disjoint = (a1 != a2) & (a1 != b2) & ((b1 < 0) | ((b1 != a2) & (b1 != b2)))
    keep = (valid[:, 1] | valid[:, 3]) & disjoint
    slots, valid = slots[keep], valid[keep]
    cl = np.where(valid, c[np.maximum(slots, 0)], -1)
    vv = np.where(valid, v[np.maximum(slots, 0)], 0)
    cross = ((cl != cl[:, :1]) & valid).any(axis=1)
    slots, valid, cl, vv = slots[cross], valid[cross], cl[cross], vv[cross]
    unbalanced = np.zeros(len(cl), dtype=bool)
    for k in range(4):  # a case's share of the subset does not balance on its own
        share = sum(np.where(cl[:, m] == cl[:, k], vv[:, m], 0) for m in range(4))
        unbalanced |= valid[:, k] & (share != 0)
    flags.append(cl[unbalanced].max(axis=1))
    return np.concatenate(flags)


def _check_value(tp: Mapping[str, np.ndarray]) -> np.ndarray:
    """Signed cents as the engine sees them: invoices one way, settlements the other."""
    return np.where(tp["kind"] == INV, tp["amount"], -tp["amount"])


def _draw_parties(rng, side, situation, n_parties, weights):
    """Party of slot 0 and 1 of each case (slot 1: another third party of the same side)."""
    first = np.empty(len(side), np.int64)
    second = np.full(len(side), -1, np.int64)
    offset = 0
    for s in (CUSTOMER, SUPPLIER):
        idx = np.flatnonzero(side == s)
        first[idx] = offset + rng.choice(n_parties[s], len(idx), p=weights[s])
        other = rng.integers(1, n_parties[s], len(idx))
        second[idx] = offset + (first[idx] - offset + other) % n_parties[s]
        offset += n_parties[s]
    return np.stack([first, np.where(situation == 17, second, -1)], axis=1)


class _Plan(NamedTuple):
    """The cases: situation and side of each, its third parties (slot 0, slot 1 for 17)."""

    situation: np.ndarray
    side: np.ndarray
    slots: np.ndarray
    n_parties: tuple[int, int]


def _plan_and_build(lines: int, weights: np.ndarray, rng) -> tuple[_Plan, dict[str, np.ndarray]]:
    """Cases and their third-party lines, about ``(1 - OTHER_SHARE)`` of ``lines``."""
    target = lines * (1 - OTHER_SHARE)
    per_case = _lines_per_case(weights)
    n_cases = int(np.ceil(target / per_case * 1.03)) if lines >= 20 else 0
    exact = weights * n_cases
    counts = np.floor(exact).astype(np.int64)
    counts[np.argsort(-(exact - counts), kind="stable")[: n_cases - counts.sum()]] += 1
    situation = rng.permutation(np.repeat(np.array(list(BUILDERS)), counts))
    side = np.where(rng.random(n_cases) < CUSTOMER_SHARE, CUSTOMER, SUPPLIER)
    parties = max(lines // LINES_PER_PARTY, 4)
    n_parties = (max(round(parties * CUSTOMER_SHARE), 2), max(round(parties * (1 - CUSTOMER_SHARE)), 2))
    pw = [rng.lognormal(0, 0.6, k) for k in n_parties]
    pw = [w / w.sum() for w in pw]
    slots = _draw_parties(rng, side, situation, n_parties, pw)
    plan = _Plan(situation, side, slots, n_parties)
    if n_cases == 0:
        return plan, {k: np.empty(0, np.int64) for k in _Cases.FIELDS[:-1] + ("row", "case")}
    tp = _build(situation, np.arange(n_cases), rng)
    watch = np.ones(len(tp["case"]), dtype=bool)
    for attempt in range(60):
        party = slots[tp["case"], tp["slot"]]
        open_ = tp["kept"] == 0
        in_scope = open_ & np.isin(party, party[watch])
        bad = _ambiguous(party[in_scope], tp["case"][in_scope], _check_value(tp)[in_scope])
        if bad.size == 0:
            break
        if attempt >= 5:  # stubborn: move the case to other third parties too
            slots[bad] = _draw_parties(rng, side[bad], situation[bad], n_parties, pw)
        fresh = _build(situation[bad], bad, rng)
        old = np.isin(tp["case"], bad)
        tp = {k: np.concatenate([tp[k][~old], fresh[k]]) for k in tp}
        watch = np.concatenate([np.zeros(int((~old).sum()), bool), np.ones(len(fresh["case"]), bool)])
        watch_parties = np.unique(slots[bad][slots[bad] >= 0])
        watch |= np.isin(slots[tp["case"], tp["slot"]], watch_parties)
    else:  # still ambiguous after many draws: leave those cases out
        tp = {k: v[~np.isin(tp["case"], bad)] for k, v in tp.items()}
    return plan, tp


def _trim(tp: dict[str, np.ndarray], n_cases: int, lines: int) -> tuple[dict[str, np.ndarray], int]:
    """Drop the last cases until the entries fit in ``lines`` leaving 0 or ≥ 2 lines to fill."""
    per_case = np.bincount(tp["case"], weights=_entry_lines(tp), minlength=n_cases).astype(np.int64)
    total = np.cumsum(per_case)
    keep = int(np.searchsorted(total, lines, side="right"))
    while keep and lines - total[keep - 1] == 1:
        keep -= 1
    used = int(total[keep - 1]) if keep else 0
    return {k: v[tp["case"] < keep] for k, v in tp.items()}, used


# --------------------------------------------------------------------------------------------
# Render: dates, references, labels, entries, text.

def _shift_weekend(day: np.ndarray) -> np.ndarray:
    weekday = (FIRST_WEEKDAY + day) % 7
    return np.minimum(day + np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0)), N_DAYS - 1)


def _cents_text(cents: np.ndarray) -> np.ndarray:
    uniq, inverse = np.unique(cents, return_inverse=True)
    return np.array([f"{u // 100},{u % 100:02d}" for u in uniq.tolist()], dtype=object)[inverse]


def _date_texts() -> np.ndarray:
    days = np.datetime64("2025-01-01") + np.arange(N_DAYS)
    return np.array([str(d).replace("-", "") for d in days], dtype=object)


def _letter_code(number: int) -> str:
    chars = []
    while number:
        number, rest = divmod(number - 1, 26)
        chars.append(chr(65 + rest))
    return "".join(reversed(chars))


def _names(rng, n: int) -> np.ndarray:
    trade, surname, form = (rng.integers(0, len(x), n) for x in (TRADES, SURNAMES, FORMS))
    return np.array([f"{TRADES[a]} {SURNAMES[b]} {FORMS[c]}".strip()
                     for a, b, c in zip(trade, surname, form)], dtype=object)


def _references(tp, rng, n_customers: int) -> tuple[np.ndarray, ...]:
    """Own reference of every invoice and credit note, with a short and an ALT form."""
    size = len(tp["kind"])
    full, short, alt = (np.full(size, "", dtype=object) for _ in range(3))
    index = np.arange(size)
    for kind, prefix in ((INV, "FA"), (CREDIT, "AV")):  # our numbering, in date order
        rows = index[(tp["side"] == CUSTOMER) & (tp["kind"] == kind)]
        rows = rows[np.lexsort((rows, tp["day"][rows]))]
        seq = np.arange(1, len(rows) + 1)
        pick = rng.integers(0, 3, len(rows))
        full[rows] = [f"{prefix}2025-{s:06d}" for s in seq]
        short[rows] = [(f"{prefix} {s}", f"FACT {s}", f"N° {s}")[k] for s, k in zip(seq, pick)]
        alt[rows] = [(f"{prefix}2025-{s}", f"{prefix} 2025 {s:06d}", f"{prefix.lower()}2025/{s:06d}")[k]
                     for s, k in zip(seq, pick)]
    rows = index[(tp["side"] == SUPPLIER) & (tp["kind"] != PAY)]  # each supplier its own style
    rows = rows[np.lexsort((rows, tp["day"][rows], tp["party"][rows]))]
    party = tp["party"][rows] - n_customers
    rank = np.arange(len(rows)) - np.searchsorted(party, party)
    number = 1_000 + party * 400 + rank * (1 + party % 3)
    style = party % 3
    credit = tp["kind"][rows] == CREDIT
    full[rows] = [("AV{0}" if cn else ("FC{0}", "INV-2025-{0:05d}", "F{0:07d}")[st]).format(m)
                  for m, st, cn in zip(number.tolist(), style.tolist(), credit.tolist())]
    short[rows] = [str(m) for m in number.tolist()]
    alt[rows] = [("AV {0}" if cn else ("FC {0}", "INV 2025 {0}", "F {0}")[st]).format(m)
                 for m, st, cn in zip(number.tolist(), style.tolist(), credit.tolist())]
    return full, short, alt


def _swap_first_letters(reference: str) -> str:
    """``FA2025-000123`` → ``AF2025-000123``; references shorter than 8 characters, or not
    starting with two different letters, are left as they are (too short to recognise)."""
    if len(reference) < 8 or not reference[:2].isalpha() or reference[0] == reference[1]:
        return reference
    return reference[1] + reference[0] + reference[2:]


def _labels(tp, rng, names, refs) -> np.ndarray:
    full, short, alt = refs
    size = len(tp["kind"])
    forms = np.stack([full, short, alt, np.full(size, "", dtype=object)], axis=1)
    cited = np.full(size, "", dtype=object)
    has = tp["cite"] >= 0
    cited[has] = forms[tp["cite"][has], tp["style"][has]]
    # Customers mistype: one full citation in TYPO_EVERY has its first two letters swapped
    # (FA2025-000123 -> AF2025-000123), chosen by the line's position (no random draw, so
    # the rest of the ledger is the same with or without typos).
    typo = np.flatnonzero(has & (tp["style"] == FULL)
                          & (np.arange(size) * 7_919 % TYPO_EVERY == TYPO_EVERY - 1))
    cited[typo] = [_swap_first_letters(text) for text in cited[typo]]
    tag = tp["tag"].copy()
    multi = np.flatnonzero((tag == T["multi"]) & (tp["style"] != NONE))
    for i in multi:  # the payment names every invoice of its case
        rows = np.arange(tp["start"][i], tp["end"][i])
        rows = rows[tp["kind"][rows] == INV]
        cited[i] = " ".join(forms[rows, tp["style"][i]])
    tag[(np.isin(tag, [T["cite"], T["multi"]])) & (cited == "")] = T["plain"]
    table, first, count = [], {}, {}
    for (name, side), templates in TEMPLATES.items():
        first[T[name], side], count[T[name], side] = len(table), len(templates)
        table.extend(templates)
    key = tag * 2 + tp["side"]
    base = np.zeros(len(TAGS) * 2, np.int64)
    width = np.ones(len(TAGS) * 2, np.int64)
    for (t, s), f in first.items():
        base[t * 2 + s], width[t * 2 + s] = f, count[t, s]
    template = base[key] + (rng.random(size) * width[key]).astype(np.int64)
    month = np.array(MONTHS, dtype=object)[(np.datetime64("2025-01-01") + tp["day"]).astype("datetime64[M]")
                                           .astype(np.int64) % 12]
    cheque = rng.integers(1_000_000, 10_000_000, size)
    extra = tp["extra"]
    party_name = names[tp["party"]]
    return np.array([" ".join(table[t].format(N=n, R=r, C=c, Q=q, M=m, J=f"{e // 10}/{e % 10}", K=e).split())
                     for t, n, r, c, q, m, e in zip(template.tolist(), party_name, full, cited,
                                                   cheque.tolist(), month, extra.tolist())],
                    dtype=object)


def _other_entries(rng, remainder: int) -> dict[str, np.ndarray]:
    """Bank fees (2 lines) and payroll (3 lines) making exactly ``remainder`` lines."""
    payroll = remainder % 2
    while payroll + 2 <= 12 and 3 * (payroll + 2) <= remainder:
        payroll += 2
    fees = (remainder - 3 * payroll) // 2
    month_end = np.array([30, 58, 89, 119, 150, 180, 211, 242, 272, 303, 333, 364])
    pay_day = month_end[np.arange(payroll) % 12]
    fee_day = rng.integers(0, N_DAYS, fees)
    gross = np.rint(np.exp(rng.normal(np.log(900_000), 0.3, payroll))).astype(np.int64)
    net = gross * 78 // 100
    fee = rng.integers(300, 6_000, fees)
    account = np.concatenate([np.repeat([[7, 6]], fees, 0).ravel(),
                              np.repeat([[8, 9, 10]], payroll, 0).ravel()])
    amount = np.concatenate([np.stack([fee, -fee], 1).ravel(),
                             np.stack([gross, -net, net - gross], 1).ravel()])
    entry = np.concatenate([np.repeat(np.arange(fees), 2), fees + np.repeat(np.arange(payroll), 3)])
    pos = np.concatenate([np.tile([0, 1], fees), np.tile([0, 1, 2], payroll)])
    day = np.concatenate([fee_day, pay_day])
    journal = np.concatenate([np.full(fees, BQ), np.full(payroll, OD)])
    month = (np.datetime64("2025-01-01") + day).astype("datetime64[M]").astype(np.int64) % 12
    label = np.array([f"FRAIS TENUE DE COMPTE {MONTHS[m]}" for m in month[:fees]]
                     + [f"SALAIRES {MONTHS[m]} 2025" for m in month[fees:]], dtype=object)
    ref = np.array([f"REL2025-{m + 1:02d}" for m in month[:fees]]
                   + [f"PAIE2025-{m + 1:02d}" for m in month[fees:]], dtype=object)
    return {"account": account, "amount": amount, "entry": entry, "pos": pos, "day": day,
            "journal": journal, "label": label, "ref": ref}


def generate(lines: int, seed: int, mix: Mapping[int, float] | None = None
             ) -> tuple[str, pd.DataFrame]:
    """A FEC ledger of exactly ``lines`` data lines and its true lettering.

    Parameters
    ----------
    lines : data lines of the FEC (header excluded); 0 or at least 2.
    seed : the same seed gives the same text, byte for byte.
    mix : relative frequency of each situation of ``shared/CASES.md`` (1–22), counted in
        cases; situations not named get none. Default :data:`DEFAULT_MIX`.

    Returns
    -------
    (text, truth) : the FEC as text (UTF-8 when encoded, tab separated, LF) and one truth
        row per 40x/41x line, columns :data:`TRUTH_COLUMNS`, ordered by ``line``.
    """
    drawn = _draw(lines, seed, mix)
    return "".join(_fec_chunks(drawn)), _truth(drawn.out, drawn.tp, drawn.aux)


class _Drawn(NamedTuple):
    """Everything random of a ledger, drawn; rendering it to text draws nothing more."""

    out: dict[str, np.ndarray]
    tp: dict[str, np.ndarray]
    aux: np.ndarray
    names: np.ndarray
    refs: np.ndarray
    labels: np.ndarray
    letters: tuple[np.ndarray, np.ndarray]


def _draw(lines: int, seed: int, mix: Mapping[int, float] | None) -> _Drawn:
    if lines < 0 or lines == 1:
        raise ValueError("lines: 0, or at least 2 (every entry has two lines or more)")
    weights = _weights(mix)
    rng = np.random.default_rng(seed)
    plan, tp = _plan_and_build(lines, weights, rng)
    tp, used = _trim(tp, len(plan.situation), lines)
    tp = _place(tp, plan, rng)
    names = _names(rng, sum(plan.n_parties))
    aux = np.array([f"C{k + 1:06d}" for k in range(plan.n_parties[0])]
                   + [f"F{k + 1:06d}" for k in range(plan.n_parties[1])], dtype=object)
    refs = _references(tp, rng, plan.n_parties[0])
    labels = _labels(tp, rng, names, refs)
    out = _entries(tp, _other_entries(rng, lines - used))
    letters = _existing_letters(tp)
    return _Drawn(out, tp, aux, names, refs[0], labels, letters)


def _place(tp: dict[str, np.ndarray], plan: _Plan, rng) -> dict[str, np.ndarray]:
    """Lines in case order, with their third party and their dates: each case somewhere in
    2025 (unpaid invoices rather late, old letters rather early), weekends moved to Monday."""
    tp = {k: v[np.lexsort((tp["row"], tp["case"]))] for k, v in tp.items()}
    case = tp["case"]
    tp["start"], tp["end"] = np.searchsorted(case, case, "left"), np.searchsorted(case, case, "right")
    tp["cite"] = np.where(tp["cite"] >= 0, tp["start"] + tp["cite"], -1)
    tp["party"] = plan.slots[case, tp["slot"]]
    tp["side"] = plan.side[case]
    tp["situation"] = plan.situation[case]
    span = np.zeros(len(plan.situation), np.int64)
    np.maximum.at(span, case, tp["day"])
    u = rng.random(len(plan.situation))
    u = np.where(plan.situation == 14, np.sqrt(u), np.where(plan.situation == 19, 1 - np.sqrt(u), u))
    anchor = (u * (N_DAYS - span)).astype(np.int64)
    tp["day"] = _shift_weekend(anchor[case] + tp["day"])
    tp["group_key"] = np.where(tp["group"] >= 0, case * 32 + tp["group"], -1)
    return tp


def _entries(tp: Mapping[str, np.ndarray], other: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every line of the file, in file order: one entry per third-party line (its roles from
    :data:`ENTRY_ROLES`), then the other entries; entries by date, journal, creation."""
    size = len(tp["case"])
    foreign = (tp["fx"] >= 0).astype(np.int64)
    signed = tp["amount"] * np.where(tp["kind"] == INV, 1, -1) * np.where(tp["side"] == CUSTOMER, 1, -1)
    ht = np.where(foreign == 1, tp["amount"], (tp["amount"] * 5 + 3) // 6)  # VAT 20 % inside
    role_amount = np.stack([signed, -np.sign(signed) * ht, -np.sign(signed) * (tp["amount"] - ht),
                            -signed], axis=1)
    src, pos, role = [np.empty(0, np.int64)], [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    for (side, kind, fgn), roles in ENTRY_ROLES.items():
        rows = np.flatnonzero((tp["side"] == side) & (tp["kind"] == kind) & (foreign == fgn))
        for p, r in enumerate(roles):
            src.append(rows), pos.append(np.full(len(rows), p)), role.append(np.full(len(rows), r))
    src, pos, role = (np.concatenate(x).astype(np.int64) for x in (src, pos, role))
    side_of = tp["side"][src]
    entry_day = np.concatenate([tp["day"], _shift_weekend(other["day"])])
    entry_journal = np.concatenate([
        np.where(tp["kind"] == PAY, BQ, np.where(tp["side"] == CUSTOMER, VT, HA)), other["journal"]])
    entries = len(entry_day)
    entry_order = np.lexsort((np.arange(entries), entry_journal, entry_day))
    entry_rank = np.empty(entries, np.int64)
    entry_rank[entry_order] = np.arange(entries)
    number = np.zeros(entries, np.int64)
    for j in range(len(JOURNALS)):  # EcritureNum: 1, 2, … per journal
        in_journal = entry_order[entry_journal[entry_order] == j]
        number[in_journal] = np.arange(1, len(in_journal) + 1)
    lines = {
        "entry": np.concatenate([src, size + other["entry"]]),
        "pos": np.concatenate([pos, other["pos"]]),
        "account": np.concatenate([np.where(role == BANK, 6, side_of * 3 + role), other["account"]]),
        "amount": np.concatenate([role_amount[src, role], other["amount"]]),
        "tp": np.concatenate([src, np.full(len(other["pos"]), -1)]),
        "is_tp": np.concatenate([role == TP, np.zeros(len(other["pos"]), bool)]),
        "label": np.concatenate([np.full(len(src), "", dtype=object), other["label"][other["entry"]]]),
        "ref": np.concatenate([np.full(len(src), "", dtype=object), other["ref"][other["entry"]]]),
    }
    order = np.lexsort((lines["pos"], entry_rank[lines["entry"]]))
    lines = {k: v[order] for k, v in lines.items()}
    lines["day"] = entry_day[lines["entry"]]
    lines["journal"] = entry_journal[lines["entry"]]
    lines["number"] = number[lines["entry"]]
    return lines


def _existing_letters(tp: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """EcritureLet and DateLet (day, -1 for none) of the lines lettered in the input
    (situations 19, 22): per third party A, B, … by date; DateLet the group's latest date."""
    kept = tp["kept"] == 1
    letter = np.full(len(kept), "", dtype=object)
    date_let = np.full(len(kept), -1, np.int64)
    if kept.any():
        frame = pd.DataFrame({"party": tp["party"][kept], "g": tp["group_key"][kept],
                              "day": tp["day"][kept]})
        groups = frame.groupby(["party", "g"]).agg(first=("day", "min"), last=("day", "max"))
        groups = groups.reset_index().sort_values(["party", "first", "g"], kind="stable")
        groups["code"] = [_letter_code(k + 1) for k in groups.groupby("party").cumcount()]
        looked = frame.merge(groups, on=["party", "g"], how="left")
        letter[kept], date_let[kept] = looked["code"].to_numpy(), looked["last"].to_numpy()
    return letter, date_let


def _take(values: np.ndarray, rows: np.ndarray, fill: object = "") -> np.ndarray:
    """``values[rows]`` where ``rows >= 0``, ``fill`` elsewhere (an object array)."""
    out = np.full(len(rows), fill, dtype=object)
    has = rows >= 0
    out[has] = values[rows[has]]
    return out


#: Lines rendered to text at a time: the text of a 10⁷-line ledger is never whole in memory.
CHUNK_LINES = 250_000


def _fec_chunks(drawn: _Drawn, chunk_lines: int | None = None) -> Iterator[str]:
    """The file as text pieces: the header, then the lines ``chunk_lines`` at a time (18
    columns, tab separated, LF). Joined, the pieces are the same whatever ``chunk_lines``
    (default :data:`CHUNK_LINES`)."""
    chunk_lines = chunk_lines or CHUNK_LINES
    out, tp = drawn.out, drawn.tp
    dates = _date_texts()
    month = (np.datetime64("2025-01-01") + tp["day"]).astype("datetime64[M]").astype(np.int64) % 12
    statement = np.array([f"REL2025-{m + 1:02d}" for m in range(12)], dtype=object)
    piece = np.where(tp["kind"] == PAY, statement[month], drawn.refs)
    letter, date_let = drawn.letters
    journals = np.array(JOURNALS, dtype=object)
    accounts = np.array(ACCOUNTS, dtype=object)
    numbers = np.array([str(k) for k in range(int(out["number"].max(initial=0)) + 1)], dtype=object)
    yield "\t".join(HEADER) + "\n"
    size = len(out["day"])
    for start in range(0, size, chunk_lines):
        o = {k: v[start:start + chunk_lines] for k, v in out.items()}
        day = dates[o["day"]]
        tp_line = np.where(o["is_tp"], o["tp"], -1)  # the 40x/41x line of a third-party entry
        own = o["tp"]  # every line of a third-party entry
        party = _take(tp["party"], tp_line, -1).astype(np.int64)
        fx = _take(tp["fx"], tp_line, -1).astype(np.int64)
        let_day = _take(date_let, tp_line, -1).astype(np.int64)
        columns = [
            journals[o["journal"], 0], journals[o["journal"], 1], numbers[o["number"]], day,
            accounts[o["account"], 0], accounts[o["account"], 1],
            _take(drawn.aux, party), _take(drawn.names, party),
            np.where(own >= 0, _take(piece, own), o["ref"]), day,
            np.where(own >= 0, _take(drawn.labels, own), o["label"]),
            _cents_text(np.maximum(o["amount"], 0)), _cents_text(np.maximum(-o["amount"], 0)),
            _take(letter, tp_line), _take(dates, let_day), day,
            np.where(fx >= 0, _cents_text(np.maximum(fx, 0)), ""), np.where(fx >= 0, "USD", ""),
        ]
        yield "".join(row + "\n" for row in map("\t".join, zip(*columns)))


def _truth(out, tp, aux) -> pd.DataFrame:
    """One row per 40x/41x line; group and case ids numbered in order of first line."""
    rows = np.flatnonzero(out["is_tp"])
    t = out["tp"][rows]
    key = tp["group_key"][t]
    group = np.full(len(t), "", dtype=object)
    codes, _ = pd.factorize(key[key >= 0])
    group[key >= 0] = [f"G{k + 1:06d}" for k in codes]
    case_codes, _ = pd.factorize(tp["case"][t])
    return pd.DataFrame({
        "line": rows + 1,
        "account": np.array(ACCOUNTS, dtype=object)[out["account"][rows], 0],
        "aux": aux[tp["party"][t]],
        "group": group,
        "situation": tp["situation"][t],
        "expect": EXPECT_NAMES[tp["expect"][t]],
        "gap": tp["gap"][t],
        "case": np.array([f"K{k + 1:06d}" for k in case_codes], dtype=object),
        "amount": out["amount"][rows],
    })


def write(lines: int, seed: int, path: str | Path, truth_path: str | Path,
          mix: Mapping[int, float] | None = None) -> pd.DataFrame:
    """Generate and write the FEC (UTF-8, LF) and its truth (CSV); returns the truth.

    The same bytes as ``generate(lines, seed, mix)``, written a chunk of lines at a time
    (:data:`CHUNK_LINES`), so that 10⁷ lines fit in a few GB.
    """
    drawn = _draw(lines, seed, mix)
    with open(path, "wb") as handle:
        for piece in _fec_chunks(drawn):
            handle.write(piece.encode("utf-8"))
    truth = _truth(drawn.out, drawn.tp, drawn.aux)
    del drawn
    truth.to_csv(truth_path, index=False, lineterminator="\n")
    return truth


# --------------------------------------------------------------------------------------------
# Scoring a lettering against the truth.

def target_groups(truth: pd.DataFrame, tolerance: int = 0) -> pd.DataFrame:
    """The true groups an engine should letter at ``tolerance`` (cents): ``expect=letter``,
    plus the gap groups of situations 9, 10 and 21 whose gap the tolerance covers."""
    grouped = truth[truth["group"].fillna("") != ""]
    per = grouped.groupby("group").agg(
        situation=("situation", "first"), gap=("gap", "max"), case=("case", "first"),
        letter=("expect", lambda e: (e == "letter").all()),
        review=("expect", lambda e: (e == "review").all()),
        lines=("line", lambda ls: frozenset(ls.tolist())))
    allowed = per["review"] & per["situation"].isin(TOLERANCE_SITUATIONS) & (per["gap"] <= tolerance)
    return per[per["letter"] | allowed].reset_index()


def score(truth: pd.DataFrame, lines: pd.DataFrame, tolerance: int = 0) -> pd.DataFrame:
    """Precision and recall of a lettering, by situation (and a total row).

    ``lines`` has ``line`` and ``group`` (new group id, NA when not lettered), as
    ``MatchResult.lines``. A new group is right when it equals a target group (see
    :func:`target_groups`), or, in situations 3 and 15, balances inside one case.
    """
    targets = target_groups(truth, tolerance)
    made = lines.loc[lines["group"].notna(), ["line", "group"]]
    made = made.merge(truth[["line", "situation", "case", "amount", "expect"]], on="line", how="inner")
    engine = made.groupby("group").agg(
        situation=("situation", "min"), cases=("case", "nunique"), case=("case", "first"),
        total=("amount", "sum"), lines=("line", lambda ls: frozenset(ls.tolist())))
    exact = engine["lines"].isin(set(targets["lines"]))
    pairing = engine["situation"].isin(ANY_PAIRING_SITUATIONS) & (engine["cases"] == 1) & (engine["total"] == 0)
    engine["right"] = exact | pairing
    targets["found"] = targets["lines"].isin(set(engine["lines"])).astype(np.int64)
    # Situations 3 and 15: each balanced group inside the case finds one of its targets.
    loose = targets["situation"].isin(ANY_PAIRING_SITUATIONS)
    per_case = targets[loose].groupby("case").agg(situation=("situation", "first"),
                                                  n=("situation", "size"))
    alternatives = engine[pairing].groupby("case").size().reindex(per_case.index, fill_value=0)
    per_case["found"] = np.minimum(per_case["n"], alternatives)
    found = pd.concat([targets.loc[~loose, ["situation", "found"]], per_case[["situation", "found"]]])
    table = pd.DataFrame({
        "true_groups": targets.groupby("situation").size(),
        "found": found.groupby("situation")["found"].sum(),
        "new_groups": engine.groupby("situation").size(),
        "right": engine.groupby("situation")["right"].sum(),
    }).fillna(0).astype(np.int64)
    table.loc["all"] = table.sum()
    table["recall"] = (table["found"] / table["true_groups"].where(table["true_groups"] > 0)).round(3)
    table["precision"] = (table["right"] / table["new_groups"].where(table["new_groups"] > 0)).round(3)
    return table.rename_axis("situation").reset_index()


def _parse_mix(text: str) -> dict[int, float]:
    try:
        return {int(k): float(v) for k, v in (item.split("=") for item in text.split(",") if item)}
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"--mix: expected '1=20,2=18,…' ({error})") from None


def main(argv: list[str] | None = None) -> int:
    """``python datasets/generator.py --lines N --seed S -o FEC --truth CSV [--mix …]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, required=True, help="data lines of the FEC")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", default=DEFAULT_NAME, help=f"FEC path (default {DEFAULT_NAME})")
    parser.add_argument("--truth", default="truth.csv", help="truth CSV path")
    parser.add_argument("--mix", type=_parse_mix, default=None,
                        help="situation weights, e.g. '1=20,2=18,4=6' (unnamed situations: none)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        truth = write(args.lines, args.seed, args.output, args.truth, args.mix)
    except ValueError as error:
        parser.error(str(error))
    print(f"wrote {args.lines} lines to {args.output}, {len(truth)} truth rows to {args.truth} "
          f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
