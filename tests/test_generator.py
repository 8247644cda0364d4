"""The ledger generator of datasets/generator.py: determinism, balanced entries, a truth row per
third-party line, true groups that balance and are the only answer, and a file lettrage reads."""
from __future__ import annotations

import csv
import importlib.util
import io
import itertools
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lettrage

_PATH = Path(__file__).resolve().parents[1] / "datasets" / "generator.py"
_SPEC = importlib.util.spec_from_file_location("lettrage_generator", _PATH)
gen = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = gen
_SPEC.loader.exec_module(gen)

NAME = "123456789FEC20251231.txt"


def parse(text: str) -> pd.DataFrame:
    """The FEC text as strings, plus ``line`` and signed ``cents`` (debit positive)."""
    frame = pd.read_csv(io.StringIO(text), sep="\t", dtype=str, keep_default_na=False,
                        quoting=csv.QUOTE_NONE)
    frame.insert(0, "line", np.arange(1, len(frame) + 1))

    def cents(column: str) -> np.ndarray:
        return np.array([int(v.replace(",", "")) if v else 0 for v in frame[column]], dtype=np.int64)

    frame["cents"] = cents("Debit") - cents("Credit")
    frame["fx"] = cents("Montantdevise")
    return frame


@pytest.fixture(scope="module")
def ledger() -> tuple[str, pd.DataFrame, pd.DataFrame]:
    text, truth = gen.generate(6000, 11)
    return text, truth, parse(text)


def test_same_seed_same_bytes(tmp_path):
    first = gen.write(3000, 4, tmp_path / "a.txt", tmp_path / "a.csv")
    second = gen.write(3000, 4, tmp_path / "b.txt", tmp_path / "b.csv")
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    pd.testing.assert_frame_equal(first, second)


def test_text_is_the_same_whatever_the_chunk_size(tmp_path, monkeypatch):
    """write() renders the lines a chunk at a time: the bytes do not depend on the chunk."""
    text, _ = gen.generate(2500, 6)
    drawn = gen._draw(2500, 6, None)
    for chunk in (1, 7, 1000, 10_000):
        assert "".join(gen._fec_chunks(drawn, chunk)) == text
    monkeypatch.setattr(gen, "CHUNK_LINES", 333)
    gen.write(2500, 6, tmp_path / "a.txt", tmp_path / "a.csv")
    assert (tmp_path / "a.txt").read_bytes() == text.encode("utf-8")


def test_different_seeds_differ():
    assert gen.generate(2000, 1)[0] != gen.generate(2000, 2)[0]


@pytest.mark.parametrize("lines", [0, 2, 3, 21, 57, 1234])
def test_exact_line_count_and_layout(lines):
    text, truth = gen.generate(lines, 3)
    assert text.endswith("\n") and "\r" not in text
    rows = text.split("\n")[:-1]
    assert rows[0].split("\t") == list(gen.HEADER)
    assert len(rows) == lines + 1
    assert all(row.count("\t") == 17 for row in rows)
    assert list(truth.columns) == list(gen.TRUTH_COLUMNS)


def test_amounts_and_dates_are_fec_values(ledger):
    _, _, fec = ledger
    for column in ("Debit", "Credit"):
        assert fec[column].str.fullmatch(r"\d+,\d\d").all()
    assert fec["Montantdevise"].str.fullmatch(r"(\d+,\d\d)?").all()
    for column in ("EcritureDate", "PieceDate", "ValidDate"):
        assert fec[column].between("20250101", "20251231").all()
    assert ((fec["Debit"] == "0,00") != (fec["Credit"] == "0,00")).all()  # one side per line


def test_every_entry_balances(ledger):
    _, _, fec = ledger
    sums = fec.groupby(["JournalCode", "EcritureNum"])["cents"].sum()
    assert (sums == 0).all()
    assert fec.groupby(["JournalCode", "EcritureNum"])["EcritureDate"].nunique().max() == 1


def test_one_truth_row_per_third_party_line(ledger):
    _, truth, fec = ledger
    third = fec[fec["CompteNum"].str[:2].isin(["40", "41"])]
    assert truth["line"].is_unique
    assert truth["line"].tolist() == third["line"].tolist()
    assert truth["account"].tolist() == third["CompteNum"].tolist()
    assert truth["aux"].tolist() == third["CompAuxNum"].tolist()
    assert truth["amount"].tolist() == third["cents"].tolist()
    assert set(truth["expect"]) <= {"letter", "review", "open", "kept"}
    assert set(truth["situation"]) <= set(range(1, 23))


def test_every_situation_is_generated(ledger):
    _, truth, _ = ledger
    assert set(truth["situation"]) == set(range(1, 23))


def test_true_groups_balance(ledger):
    _, truth, fec = ledger
    rows = truth.merge(fec[["line", "fx", "Idevise"]], on="line")
    grouped = rows[rows["group"] != ""]
    for group, lines in grouped.groupby("group"):
        situation = lines["situation"].iloc[0]
        assert lines["situation"].nunique() == 1 and lines["case"].nunique() == 1
        if situation == 11:  # balanced in the currency, with the sign of the amount
            assert (lines["Idevise"] == "USD").all()
            assert (np.sign(lines["amount"]) * lines["fx"]).sum() == 0, group
            assert lines["amount"].sum() != 0
        elif (lines["expect"] == "letter").all() or situation == 19:
            assert lines["amount"].sum() == 0, group
        else:  # 9, 10, 21: the gap the tolerance must cover; 12, 22: the sum still due
            assert situation in (9, 10, 12, 21, 22), group
            assert abs(lines["amount"].sum()) == lines["gap"].iloc[0] > 0, group
    assert set(grouped.loc[grouped["gap"] > 0, "situation"]) <= {9, 10, 12, 21, 22}
    assert (grouped.loc[grouped["situation"] == 9, "gap"] <= 100).all()
    assert (grouped.loc[grouped["situation"] == 21, "gap"] > 100).all()


def test_expectations_per_situation(ledger):
    _, truth, _ = ledger
    expect = truth.groupby("situation")["expect"].agg(lambda e: set(e))
    for situation in (1, 2, 3, 4, 5, 6, 7, 8, 11):
        assert expect[situation] == {"letter"}
    for situation in (9, 10, 12, 16, 17, 18, 21):
        assert expect[situation] == {"review"}
    assert expect[13] == expect[14] == {"open"}
    assert expect[15] == {"letter", "review"} and expect[20] == {"letter", "open"}
    assert expect[19] == {"kept"} and expect[22] == {"kept", "review"}
    assert (truth.loc[truth["expect"] == "open", "group"] == "").all()


def test_kept_lines_carry_the_existing_letters(ledger):
    _, truth, fec = ledger
    rows = truth.merge(fec[["line", "EcritureLet", "DateLet", "EcritureDate"]], on="line")
    kept = rows["expect"] == "kept"
    assert (rows.loc[kept, "EcritureLet"] != "").all() and (rows.loc[kept, "DateLet"] != "").all()
    assert (rows.loc[~kept, "EcritureLet"] == "").all() and (rows.loc[~kept, "DateLet"] == "").all()
    assert (fec.loc[~fec["line"].isin(truth["line"]), "EcritureLet"] == "").all()
    lettered = rows[kept]
    assert (lettered.groupby("group")["EcritureLet"].nunique() == 1).all()
    codes = lettered.groupby(["account", "aux", "EcritureLet"])["group"].nunique()
    assert (codes == 1).all()  # a code names one group of its third party
    latest = lettered.groupby("group").agg(date=("EcritureDate", "max"), let=("DateLet", "first"))
    assert (latest["date"] == latest["let"]).all()


def test_recurring_pairs_are_fifo(ledger):
    _, truth, fec = ledger
    rows = truth[truth["situation"] == 3].merge(fec[["line", "EcritureDate"]], on="line")
    for _, series in rows.groupby("case"):
        pairs = series.groupby("group").agg(first=("line", "min"), date=("EcritureDate", "min"),
                                            size=("line", "size"))
        assert (pairs["size"] == 2).all()
        ordered = pairs.sort_values("first")
        assert ordered["date"].is_monotonic_increasing
        assert series["amount"].abs().nunique() == 1


def _accidental_subsets(truth: pd.DataFrame, largest: int) -> list[tuple]:
    """Brute force: subsets of open lines of one third party that balance across cases without
    each case's share balancing on its own (an answer other than the truth)."""
    found = []
    rows = truth[truth["expect"] != "kept"]
    for _, party in rows.groupby(["account", "aux"]):
        items = list(zip(party["line"], party["case"], party["amount"]))
        for size in range(2, largest + 1):
            for subset in itertools.combinations(items, size):
                if sum(item[2] for item in subset) != 0:
                    continue
                share = Counter()
                for _, case, amount in subset:
                    share[case] += amount
                if len(share) > 1 and any(share.values()):
                    found.append(subset)
    return found


@pytest.mark.parametrize("mix", [None, {3: 2, 13: 1, 14: 2, 2: 1}])
def test_no_other_answer_inside_a_third_party(mix):
    _, truth = gen.generate(1500, 5, mix)
    assert _accidental_subsets(truth, 3) == []


def test_collision_check_against_brute_force():
    """The vectorised check flags, for every accidental subset of at most four lines, its
    highest case — the same set as the brute force."""
    rng = np.random.default_rng(0)
    for _ in range(40):
        n = 12
        party = rng.integers(0, 2, n)
        case = rng.integers(0, 5, n)
        value = rng.choice([-1, 1], n) * rng.integers(1, 60, n) * 100
        truth = pd.DataFrame({"account": "411000", "aux": party.astype(str), "line": np.arange(n),
                              "case": case, "amount": value, "expect": "letter"})
        expected = {max(case[line] for line, _, _ in subset)
                    for subset in _accidental_subsets(truth, 4)}
        assert set(gen._ambiguous(party, case, value).tolist()) == expected
        assert set(gen._ambiguous(party, case, value, block_pairs=5).tolist()) == expected


def test_lettrage_reads_it_without_warnings(tmp_path, ledger):
    text, truth, _ = ledger
    path = tmp_path / NAME
    path.write_bytes(text.encode("utf-8"))
    frame = lettrage.read_fec(path)
    faults = frame.attrs["lettrage.faults"]
    assert not faults["message"].str.contains("does not balance").any()
    assert faults.empty, faults["message"].tolist()[:5]
    assert len(frame) == text.count("\n") - 1
    selected = frame[frame["account"].str[:2].isin(["40", "41"])]
    assert selected["line"].tolist() == truth["line"].tolist()
    assert selected["amount"].tolist() == truth["amount"].tolist()


def test_mix_selects_situations():
    _, truth = gen.generate(3000, 1, {14: 1, 13: 1})
    assert set(truth["situation"]) == {13, 14}
    assert set(truth["expect"]) == {"open"}


@pytest.mark.parametrize("mix, message", [({23: 1}, "unknown"), ({1: 0}, "not all zero"),
                                          ({1: -1, 2: 3}, "non-negative")])
def test_bad_mix_is_refused(mix, message):
    with pytest.raises(ValueError, match=message):
        gen.generate(1000, 1, mix)


def test_one_line_is_refused():
    with pytest.raises(ValueError, match="lines"):
        gen.generate(1, 1)


def test_cli_writes_the_ledger_and_its_truth(tmp_path):
    out, truth_path = tmp_path / NAME, tmp_path / "truth.csv"
    status = gen.main(["--lines", "800", "--seed", "9", "-o", str(out), "--truth", str(truth_path),
                       "--mix", "1=3,4=1,19=1"])
    assert status == 0
    text, truth = gen.generate(800, 9, {1: 3, 4: 1, 19: 1})
    assert out.read_bytes() == text.encode("utf-8")
    read = pd.read_csv(truth_path, dtype={"group": str, "aux": str, "account": str, "case": str},
                       keep_default_na=False)
    pd.testing.assert_frame_equal(read, truth, check_dtype=False)


def test_cli_refuses_a_bad_mix(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        gen.main(["--lines", "100", "--mix", "1=x", "-o", str(tmp_path / NAME),
                  "--truth", str(tmp_path / "t.csv")])
    assert stop.value.code == 2
    assert "--mix" in capsys.readouterr().err


def test_score_of_the_truth_itself_is_perfect(ledger):
    _, truth, _ = ledger
    targets = gen.target_groups(truth)
    members = targets.explode("lines")
    lines = pd.DataFrame({"line": truth["line"]})
    lines["group"] = pd.array(lines["line"].map(dict(zip(members["lines"], members.index))),
                              dtype="Int64")
    table = gen.score(truth, lines).set_index("situation")
    assert table.loc["all", "recall"] == table.loc["all", "precision"] == 1.0
    nothing = gen.score(truth, lines.assign(group=pd.array([pd.NA] * len(lines), dtype="Int64")))
    assert nothing.set_index("situation").loc["all", "found"] == 0


def test_score_of_a_lettrage_run(tmp_path):
    text, truth = gen.generate(2000, 2)
    path = tmp_path / NAME
    path.write_bytes(text.encode("utf-8"))
    result = lettrage.match(lettrage.read_fec(path))
    table = gen.score(truth, result.lines).set_index("situation")
    assert 0 <= table.loc["all", "precision"] <= 1 and 0 <= table.loc["all", "recall"] <= 1


def test_hundred_thousand_lines(record_property):
    started = time.perf_counter()
    text, truth = gen.generate(100_000, 1)
    seconds = time.perf_counter() - started
    record_property("seconds_for_100k_lines", round(seconds, 2))
    assert text.count("\n") == 100_001
    assert truth["line"].is_unique and len(truth) > 30_000
