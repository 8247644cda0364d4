"""The command line as a batch job uses it: exit status, messages, files."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lettrage.cli import main
from scenario import fec_text

ROWS = """
    20250105|411000|ACME|FA2025-000123|Facture|1200,00|
    20250220|411000|ACME|BQ12|VIR SEPA ACME FA2025-000123||1200,00
    20250301|411000|ACME|FA2025-000124|Facture|80,00|
"""


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "123456789FEC20251231.txt"
    path.write_text(fec_text(ROWS), encoding="utf-8")
    return path


def test_match_writes_the_lettered_file_and_a_summary(ledger, tmp_path, capsys):
    out = tmp_path / "out.txt"
    assert main(["match", str(ledger), "-o", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[1].split("\t")[13:15] == ["A", "20250220"]
    assert lines[2].split("\t")[13:15] == ["A", "20250220"]
    assert lines[3].split("\t")[13:15] == ["", ""]
    err = capsys.readouterr().err
    assert "lettered by exact pass" in err and "open" in err


def test_a_run_stopped_after_a_file_was_written_names_it(ledger, tmp_path, capsys, monkeypatch):
    from lettrage import cli

    out = tmp_path / "out.txt"
    assert main(["match", str(ledger), "-o", str(out), "--review", str(tmp_path / "no" / "r.csv")]) == 2
    err = capsys.readouterr().err
    assert "cannot write the output" in err and err.strip().endswith(f"written before, whole: {out}")
    assert out.read_text(encoding="utf-8").splitlines()[1].split("\t")[13] == "A"

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "write_review", interrupted)
    assert main(["match", str(ledger), "-o", str(out), "--review", str(tmp_path / "r.csv")]) == 130
    assert capsys.readouterr().err.strip().endswith(f"interrupted; written before, whole: {out}")
    monkeypatch.setattr(cli, "write_fec", interrupted)
    assert main(["match", str(ledger), "-o", str(tmp_path / "other.txt")]) == 130
    assert capsys.readouterr().err.strip().endswith("interrupted; no output written")


def test_bad_amount_exits_2_with_file_line_and_field(tmp_path, capsys):
    path = tmp_path / "bad.txt"
    path.write_text(fec_text(ROWS).replace("1200,00", "12O0,00", 1), encoding="utf-8")
    out = tmp_path / "out.txt"
    assert main(["match", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bad.txt:2" in err and "Debit" in err and "12O0,00" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["match", str(tmp_path / "none.txt"), "-o", str(tmp_path / "o.txt")]) == 2
    assert "none.txt" in capsys.readouterr().err


def test_output_may_not_overwrite_input(ledger, capsys):
    before = ledger.read_bytes()
    assert main(["match", str(ledger), "-o", str(ledger)]) == 2
    assert ledger.read_bytes() == before


def test_bad_setting_exits_2(ledger, tmp_path, capsys):
    assert main(["match", str(ledger), "-o", str(tmp_path / "o"), "--tolerance", "abc"]) == 2
    assert "tolerance" in capsys.readouterr().err


def test_config_file_and_flags(ledger, tmp_path):
    config = tmp_path / "lettrage.toml"
    config.write_text('accounts = ["401"]\ndate_let = "latest"\n', encoding="utf-8")
    out = tmp_path / "out.txt"
    assert main(["match", str(ledger), "-o", str(out), "--config", str(config)]) == 0
    assert out.read_bytes() == ledger.read_bytes()  # nothing in 401: nothing lettered
    assert main(["match", str(ledger), "-o", str(out), "--config", str(config),
                 "--accounts", "411"]) == 0
    assert out.read_bytes() != ledger.read_bytes()


def test_unknown_config_key_exits_2(ledger, tmp_path, capsys):
    config = tmp_path / "lettrage.toml"
    config.write_text("tolerence = 1\n", encoding="utf-8")
    assert main(["match", str(ledger), "-o", str(tmp_path / "o"), "--config", str(config)]) == 2
    assert "tolerence" in capsys.readouterr().err


def test_console_script_runs(ledger, tmp_path):
    out = tmp_path / "out.txt"
    done = subprocess.run([sys.executable, "-m", "lettrage", "match", str(ledger), "-o", str(out), "-q"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert out.exists()


def test_console_script_exit_status_and_messages(tmp_path):
    """The program ends at once after main(): its exit status and messages still come out."""
    done = subprocess.run([sys.executable, "-m", "lettrage", "match", str(tmp_path / "missing.txt"),
                           "-o", str(tmp_path / "out.txt")], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "missing.txt" in done.stderr and "error" in done.stderr
    assert not (tmp_path / "out.txt").exists()


GAP_ROWS = """
    20250105|411000|EPS|F1|Facture|1050,00|
    20250201|411000|EPS|V1|=HYPERLINK("x")|  |1049,40
    20250105|411000|ETA|F2|Facture|300,00|
    20250106|411000|ETA|F3|Facture|700,00|
    20250107|411000|ETA|F4|Facture|400,00|
    20250108|411000|ETA|F5|Facture|600,00|
    20250201|411000|ETA|V2|Virement|  |1000,00
    20250105|411000|OVR|F6|Facture|500,00|
    20250201|411000|OVR|V3|Virement|  |502,00
"""


def test_writeoffs_file_is_a_fec_in_the_input_layout(tmp_path):
    import lettrage

    source = tmp_path / "123456789FEC20251231.txt"
    source.write_text(fec_text(GAP_ROWS), encoding="utf-8")
    out, writeoffs = tmp_path / "out.txt", tmp_path / "wo.txt"
    assert main(["match", str(source), "-o", str(out), "--tolerance", "1.00",
                 "--writeoffs", str(writeoffs), "-q"]) == 0
    entries = lettrage.read_fec(writeoffs)
    assert entries["amount"].sum() == 0 and len(entries) == 2
    third = entries[entries["account"] == "411000"].iloc[0]
    assert third["aux"] == "EPS" and third["amount"] == -60 and third["letter"] == "A"
    assert set(entries["account"]) == {"411000", "658000"}
    lettered = lettrage.read_fec(out)
    assert lettered.loc[lettered["aux"] == "EPS", "letter"].tolist() == ["A", "A"]


def test_review_csv_lists_tied_groups_safely(tmp_path):
    import csv
    import re

    source = tmp_path / "123456789FEC20251231.txt"
    source.write_text(fec_text(GAP_ROWS), encoding="utf-8")
    review = tmp_path / "review.csv"
    assert main(["match", str(source), "-o", str(tmp_path / "out.txt"), "--review", str(review),
                 "-q"]) == 0
    with open(review, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["lines"] for r in rows if r["kind"] == "ambiguous"} == {"3 4 7", "5 6 7"}
    assert set(rows[0]) >= {"proposal", "rank", "lines", "party", "kind", "gap", "score", "reason"}
    assert not any(value.startswith(("=", "+", "-", "@"))
                   for r in rows for name, value in r.items() if name != "gap")
    assert all(re.fullmatch(r"-?\d+\.\d\d", r["gap"]) for r in rows)
    assert any(r["gap"].startswith("-") for r in rows) and any(not r["gap"].startswith("-") for r in rows)
    json_review = tmp_path / "review.json"
    assert main(["match", str(source), "-o", str(tmp_path / "out2.txt"), "--review",
                 str(json_review), "-q"]) == 0
    import json
    records = [json.loads(line) for line in json_review.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(rows)


def test_config_mirrors_subset_settings_and_writeoff_accounts(tmp_path):
    import lettrage

    source = tmp_path / "123456789FEC20251231.txt"
    source.write_text(fec_text(GAP_ROWS), encoding="utf-8")
    config = tmp_path / "lettrage.toml"
    config.write_text(
        '[lettrage]\ntolerance = "1.00"\nmax_group_size = 4\nwindow_days = 90\n'
        'writeoff_journal = "ECA"\n[lettrage.writeoff_accounts]\nrounding_loss = "658100"\n',
        encoding="utf-8")
    writeoffs = tmp_path / "wo.txt"
    assert main(["match", str(source), "-o", str(tmp_path / "out.txt"), "--config", str(config),
                 "--writeoffs", str(writeoffs), "-q"]) == 0
    entries = lettrage.read_fec(writeoffs)
    assert set(entries["account"]) == {"411000", "658100"}
    assert set(entries["journal"]) == {"ECA"}


def test_config_with_an_unknown_writeoff_nature_exits_2(tmp_path, capsys):
    source = tmp_path / "123456789FEC20251231.txt"
    source.write_text(fec_text(GAP_ROWS), encoding="utf-8")
    config = tmp_path / "lettrage.toml"
    config.write_text('[writeoff_accounts]\nfees = "627"\n', encoding="utf-8")
    assert main(["match", str(source), "-o", str(tmp_path / "o"), "--config", str(config)]) == 2
    assert "fees" in capsys.readouterr().err
