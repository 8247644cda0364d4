"""How a run compares with lettering done by someone else (an accountant, or a generator's
truth): groups found again, groups that contradict it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lettrage.ledger import is_third_party


@dataclass(frozen=True)
class Agreement:
    """Agreement between a run's new groups and reference lettering.

    Attributes
    ----------
    reference_groups : reference groups on the selected accounts.
    balanced_groups : those whose amounts net to zero (the ones a run can find).
    found : balanced reference groups the run rebuilt exactly, or split exactly into
        several groups of its own — up to twins (below).
    run_groups : the run's new groups.
    contradicting : run groups that join lines the reference keeps apart (two reference
        groups, or a reference-lettered line with one the reference left open). Lines that
        cannot be told apart — same third party, amount, date, PieceRef and label — are
        interchangeable: a group that took one twin where the reference took the other
        does not contradict it, and finds the reference group if it is otherwise the same.
    unconfirmed : run groups made only of lines the reference left open.
    contradicting_balanced : contradicting run groups that break a reference group
        balanced in this ledger (the others touch reference groups that close with lines
        outside the file, e.g. in the previous year).
    """

    reference_groups: int
    balanced_groups: int
    found: int
    run_groups: int
    contradicting: int
    unconfirmed: int
    contradicting_balanced: int

    @property
    def recall(self) -> float:
        return self.found / self.balanced_groups if self.balanced_groups else 1.0

    @property
    def contradiction_rate(self) -> float:
        return self.contradicting / self.run_groups if self.run_groups else 0.0


def reference_keys(ledger: pd.DataFrame, accounts: tuple[str, ...]) -> pd.Series:
    """Per line, the reference group key (account, aux, letter) or NA when unlettered."""
    letters = ledger["letter"].fillna("").astype(str).str.strip()
    selected = is_third_party(ledger["account"].astype(str), accounts)
    keys = ledger["account"].astype(str) + "\x1f" + ledger["aux"].astype(str) + "\x1f" + letters
    return keys.where(selected & (letters != "").to_numpy())


def agreement(reference: pd.DataFrame, groups_of_lines: pd.Series,
              accounts: tuple[str, ...] = ("40", "41")) -> Agreement:
    """Compare run groups with reference lettering.

    Parameters
    ----------
    reference : the ledger as lettered by the reference (one row per line).
    groups_of_lines : per line (same index), the run's group id for lines it lettered, NA
        for the others.
    """
    keys = reference_keys(reference, accounts)
    frame = pd.DataFrame({"ref": keys.to_numpy(), "run": groups_of_lines.to_numpy(),
                          "amount": reference["amount"].to_numpy(),
                          "twin": _twins(reference)})
    frame["run"] = _runs_swapped_between_twins(frame)
    ref_lines = frame.dropna(subset=["ref"])
    ref_sums = ref_lines.groupby("ref")["amount"].sum()
    balanced = ref_sums[ref_sums == 0].index

    run_lines = frame.dropna(subset=["run"])
    per_run = run_lines.groupby("run").agg(
        refs=("ref", "nunique"), open_lines=("ref", lambda r: int(r.isna().sum())), size=("ref", "size")
    )
    literal = (per_run["refs"] > 1) | ((per_run["refs"] == 1) & (per_run["open_lines"] > 0))
    contradicts = literal & ~_covered_up_to_twins(frame, run_lines, literal[literal].index)
    contradicting = int(contradicts.sum())
    unconfirmed = int((per_run["refs"] == 0).sum())
    touches_balanced = run_lines.assign(b=run_lines["ref"].isin(balanced)).groupby("run")["b"].any()
    contradicting_balanced = int((contradicts & touches_balanced.reindex(per_run.index)).sum())

    # A reference group is found when every one of its lines is in a run group lying
    # wholly inside it.
    clean_runs = per_run[(per_run["refs"] == 1) & (per_run["open_lines"] == 0)].index
    covered = ref_lines.assign(clean=ref_lines["run"].isin(clean_runs).to_numpy())
    found_mask = covered.groupby("ref")["clean"].all()
    found = int(found_mask[found_mask.index.isin(balanced)].sum())
    return Agreement(
        reference_groups=int(ref_sums.size), balanced_groups=len(balanced), found=found,
        run_groups=len(per_run), contradicting=contradicting, unconfirmed=unconfirmed,
        contradicting_balanced=contradicting_balanced,
    )


def _twins(ledger: pd.DataFrame) -> np.ndarray:
    """Class of lines that cannot be told apart (same party, amount, date, ref, label)."""
    columns = [c for c in ("account", "aux", "amount", "date", "piece_ref", "label")
               if c in ledger.columns]
    return ledger.groupby(columns, sort=False, dropna=False).ngroup().to_numpy()


def _runs_swapped_between_twins(frame: pd.DataFrame) -> pd.Series:
    """The run groups of ``frame`` (``ref``, ``run``, ``twin``) with the runs of twin lines
    swapped so that each twin takes, where there is one, a run whose other lines are in the
    twin's own reference group (or, for a twin the reference left open, lines it left open):
    a run that took one twin where the reference took the other is then the reference's."""
    runs = frame["run"].to_numpy(dtype=object, na_value=None).copy()
    refs = frame["ref"].to_numpy(dtype=object, na_value=None)
    twins = frame["twin"].to_numpy()
    classes = pd.Series(runs).groupby(twins).agg(lambda r: len(set(r)))
    rows_of_run = pd.Series(np.arange(len(runs))).groupby(runs, dropna=True).agg(list)
    for twin in classes[classes > 1].index:
        rows = np.flatnonzero(twins == twin).tolist()
        pool = [runs[row] for row in rows]
        home = {run: _home(rows_of_run[run], set(rows), refs) for run in set(pool) - {None}}
        placed: list[object] = [_UNPLACED] * len(rows)
        for place, row in enumerate(rows):
            fits = [slot for slot, run in enumerate(pool)
                    if run is not _UNPLACED and run is not None and home[run] == refs[row]]
            if fits:
                placed[place], pool[fits[0]] = pool[fits[0]], _UNPLACED
        rest = iter(run for run in pool if run is not _UNPLACED)
        for place, row in enumerate(rows):
            runs[row] = next(rest) if placed[place] is _UNPLACED else placed[place]
    return pd.Series(runs, index=frame.index, dtype=object)


_UNPLACED = object()


def _home(run_rows: list[int], twin_rows: set[int], refs: np.ndarray) -> object:
    """The one reference group (None: the reference's open lines) of a run's lines outside a
    twin class; a fresh object, equal to no group, when they have none or several."""
    outside = {refs[row] for row in run_rows if row not in twin_rows}
    return outside.pop() if len(outside) == 1 else object()


def _covered_up_to_twins(frame: pd.DataFrame, run_lines: pd.DataFrame, runs: pd.Index) -> pd.Series:
    """For run groups, whether one reference group (or the reference's open lines) holds
    lines of the same twin classes in at least the same numbers."""
    covered = pd.Series(False, index=runs)
    if not len(runs):
        return covered
    owners = frame.assign(ref=frame["ref"].fillna("\x00open"))
    stock = owners.groupby(["twin", "ref"]).size()
    for run in runs:
        needed = run_lines.loc[run_lines["run"] == run, "twin"].value_counts()
        candidates = set(owners.loc[owners["twin"].isin(needed.index), "ref"])
        for ref in candidates:
            have = stock.xs(ref, level="ref").reindex(needed.index, fill_value=0)
            if (have >= needed).all():
                covered[run] = True
                break
    return covered


def blank_letters(ledger: pd.DataFrame, accounts: tuple[str, ...] = ("40", "41")) -> pd.DataFrame:
    """A copy of the ledger with the letters of the selected accounts removed."""
    selected = is_third_party(ledger["account"].astype(str), accounts)
    blank = ledger.copy()
    blank.loc[selected, "letter"] = ""
    blank.loc[selected, "letter_date"] = np.datetime64("NaT")
    return blank
