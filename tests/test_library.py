"""lettrage as ledger software calls it: on DataFrames it built itself."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import lettrage
from lettrage.invariants import violations
from scenario import fec_text


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "line": [1, 2, 3, 4],
        "account": ["411000", "411000", "401000", "401000"],
        "party": ["C1", "C1", "F1", "F1"],
        "date": pd.to_datetime(["2025-01-01", "2025-01-20", "2025-02-01", "2025-02-03"]),
        "amount": np.array([12000, -12000, -500, 500], dtype=np.int64),
        "letter": ["", "", "", ""],
    })


def test_match_on_a_frame_without_fec_columns():
    ledger = _frame()
    result = lettrage.match(ledger)
    assert violations(result) == []
    assert result.lines["letter"].tolist() == ["A", "A", "A", "A"]
    assert result.groups["lines"].tolist() == ["1 2", "3 4"]
    assert result.review.empty and result.writeoffs.empty


def test_float_amounts_are_refused():
    ledger = _frame().astype({"amount": float})
    with pytest.raises(lettrage.FecError, match="integer cents"):
        lettrage.match(ledger)


def test_missing_column_is_refused():
    with pytest.raises(ValueError, match="account"):
        lettrage.match(_frame().drop(columns=["account"]))


def test_unknown_setting_is_refused():
    with pytest.raises(lettrage.SettingsError, match="tolerence"):
        lettrage.match(_frame(), tolerence="1.00")


def test_bad_date_outside_third_parties_is_only_a_warning(tmp_path):
    path = tmp_path / "l.txt"
    text = fec_text("""
        20250101|411000|A|F1|Facture|10,00|
        20250102|411000|A|P1|Reglement|  |10,00
        20250102|607000||P1|Achat|5,00|
    """).replace("20250102\t607000", "2025-13-45\t607000")
    path.write_text(text, encoding="utf-8")
    ledger = lettrage.read_fec(path)
    faults = ledger.attrs["lettrage.faults"]
    dates = faults[faults["field"] == "EcritureDate"]
    assert dates[["line", "value"]].values.tolist() == [[4, "2025-13-45"]]
    result = lettrage.match(ledger)
    assert result.lines["letter"].tolist() == ["A", "A", ""]
    assert (result.issues["field"] == "EcritureDate").sum() == 1


def test_bad_date_on_a_third_party_is_fatal(tmp_path):
    path = tmp_path / "l.txt"
    text = fec_text("""
        20250101|411000|A|F1|Facture|10,00|
    """).replace("20250101\t411000", "2025-13-45\t411000")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(lettrage.FecError) as caught:
        lettrage.read_fec(path)
    assert caught.value.line == 2 and caught.value.field == "EcritureDate"
    ledger = lettrage.read_fec(path, accounts=("607",))  # not fatal when 411 is not lettered
    with pytest.raises(lettrage.FecError):
        lettrage.match(ledger)  # but fatal again once 411 is selected


def test_summary_counts_lines_and_amounts():
    result = lettrage.match(_frame())
    table = result.summary()
    lettered = table[table["status"] == "lettered"]
    assert int(lettered["lines"].sum()) == 4
    assert int(lettered["debit"].sum()) == 12500
