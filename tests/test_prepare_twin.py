"""``_prepare`` keeps the ledger's ``str`` arrays; the frame it gives is the one it gave when
it went through Python strings (``_slow_prepare`` below, the previous code)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lettrage
from lettrage.engine import SUPPLIER_PREFIX, _aux, _prepare
from lettrage.errors import FecError
from lettrage.ledger import is_third_party, raise_fatal_faults
from lettrage.opening import aggregated_openings
from lettrage.settings import Settings

REAL = sorted((Path(__file__).parent.parent / "datasets" / "fec-neolegal").glob("*FEC*.[tT][xX][tT]"))


def _slow_text(ledger, column, rows):
    if column not in ledger.columns:
        return np.full(len(rows), "", dtype=object)
    return ledger[column].iloc[rows].fillna("").astype(str).to_numpy(dtype=object)


def _slow_prepare(ledger, settings):
    account = ledger["account"].astype(str)
    selected = is_third_party(account, settings.accounts)
    raise_fatal_faults(ledger, selected)
    dates = ledger["date"]
    undated = selected & dates.isna().to_numpy()
    if undated.any():
        raise FecError("empty date on a third-party line", field="date")
    rows = np.flatnonzero(selected)
    account = account.iloc[rows]
    aux = _aux(ledger, rows, account)
    party_id = pd.DataFrame({"account": account, "aux": aux}).groupby(
        ["account", "aux"], sort=True).ngroup().to_numpy(dtype=np.int64)
    amount = ledger["amount"].to_numpy(dtype=np.int64)[rows]
    supplier = account.str.startswith(SUPPLIER_PREFIX).to_numpy()
    letters = _slow_text(ledger, "letter", rows)
    letters = pd.Series(letters, dtype=object).str.strip().to_numpy(dtype=object)
    currency_amount = (ledger["currency_amount"].astype("Int64").array[rows]
                       if "currency_amount" in ledger.columns
                       else pd.array([pd.NA] * len(rows), dtype="Int64"))
    frame = pd.DataFrame({
        "line": ledger["line"].to_numpy(dtype=np.int64)[rows],
        "account": account.to_numpy(), "aux": aux.to_numpy(), "party_id": party_id,
        "date": dates.to_numpy()[rows], "amount": amount,
        "invoice_side": np.where(supplier, amount < 0, amount > 0),
        "piece_ref": _slow_text(ledger, "piece_ref", rows),
        "invoice_number": _slow_text(ledger, "invoice_number", rows),
        "label": _slow_text(ledger, "label", rows),
        "journal": _slow_text(ledger, "journal", rows),
        "currency": _slow_text(ledger, "currency", rows),
        "currency_amount": currency_amount, "letter": letters,
    })
    frame["open"] = (letters == "") & (amount != 0)
    frame["held"] = (aggregated_openings(frame) if settings.opening_balances == "review"
                     else np.zeros(len(frame), dtype=bool))
    return frame


def _frame(**columns) -> pd.DataFrame:
    frame = pd.DataFrame({
        "line": [1, 2, 3, 4, 5],
        "account": ["411000", "411000", "401000", "401000", "512000"],
        "party": ["C1", "C1", "F1", "401000", None],
        "date": pd.to_datetime(["2025-01-01", "2025-01-20", "2025-02-01", "2025-02-03", "2025-02-03"]),
        "amount": np.array([12000, -12000, -500, 500, 7], dtype=np.int64),
        "letter": [" ab ", None, "", "\xa0", "X"],
    })
    for name, values in columns.items():
        frame[name] = values
    return frame


LEDGERS = {
    "plain": _frame(),
    "object texts": _frame(letter=pd.Series([" ab ", None, "", "\t", "X"], dtype=object),
                           label=pd.Series(["Facture 1", None, 3, "Report à nouveau", ""], dtype=object),
                           piece_ref=pd.Series([np.nan, "FA1", "FA2", None, "x"], dtype=object)),
    "numbers as texts": _frame(invoice_number=[1, 2, 3, 4, 5], currency=["EUR", None, "USD", "", "EUR"],
                               currency_amount=pd.array([1, None, 3, 4, 5], dtype="Int64")),
    "with aux": _frame(aux=["C1", "C1", None, "", ""]),
    "no third party": _frame(account=["512000"] * 5),
}


@pytest.mark.parametrize("name", sorted(LEDGERS))
def test_the_frame_is_the_one_built_through_python_strings(name):
    ledger = LEDGERS[name]
    pd.testing.assert_frame_equal(_prepare(ledger, Settings()), _slow_prepare(ledger, Settings()))


@pytest.mark.parametrize("path", REAL[:2], ids=[path.name for path in REAL[:2]])
def test_the_frame_of_a_real_file(path):
    ledger = lettrage.read_fec(path)
    pd.testing.assert_frame_equal(_prepare(ledger, Settings()), _slow_prepare(ledger, Settings()))
