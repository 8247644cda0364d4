"""Checks every result must pass, whatever the ledger: used by the tests on every run,
and available to callers who want to verify a result before posting it."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lettrage.ledger import is_third_party
from lettrage.passes.subset import SubsetSettings, allowed_gap, group_base
from lettrage.result import KEPT, LETTERED, MatchResult


def violations(result: MatchResult) -> list[str]:
    """Every broken rule of ``result``, in words (an empty list when all hold).

    Rules: each new group nets to its recorded gap, within the tolerance; a line is in at
    most one group; lines that carried a letter are untouched; nothing outside the selected
    third-party accounts is lettered; a group stays inside one third party; no code is
    reused within a third party.
    """
    ledger, lines, groups, settings = result.ledger, result.lines, result.groups, result.settings
    problems: list[str] = []
    original = ledger["letter"].fillna("").astype(str).str.strip().to_numpy()
    letters = lines["letter"].fillna("").astype(str).str.strip().to_numpy()
    selected = is_third_party(ledger["account"].astype(str), settings.accounts)

    changed = letters != original
    if (changed & ~selected).any():
        problems.append(f"lettered outside third-party accounts: lines {_some(ledger, changed & ~selected)}")
    kept = original != ""
    if (changed & kept).any():
        problems.append(f"existing letters changed: lines {_some(ledger, changed & kept)}")
    if "letter_date" in ledger.columns:
        old_dates = ledger["letter_date"].to_numpy(dtype="datetime64[s]")
        new_dates = lines["letter_date"].to_numpy(dtype="datetime64[s]")
        moved = kept & ~((old_dates == new_dates) | (np.isnat(old_dates) & np.isnat(new_dates)))
        if moved.any():
            problems.append(f"existing DateLet changed: lines {_some(ledger, moved)}")
    status = lines["status"].astype(str).to_numpy()
    if ((status == KEPT) != (kept & selected)).any():
        problems.append("status 'kept' does not match the lines that carried a letter")
    in_group = lines["group"].notna().to_numpy()
    if (in_group != (status == LETTERED)).any() or (in_group != changed).any():
        problems.append("lettered lines, new letters and group ids disagree")

    members = pd.DataFrame({
        "group": lines["group"].to_numpy()[in_group],
        "amount": ledger["amount"].to_numpy()[in_group],
        "account": ledger["account"].astype(str).to_numpy()[in_group],
        "aux": _aux(ledger)[in_group],
        "letter": letters[in_group],
        "line": ledger["line"].to_numpy()[in_group],
        "currency_amount": (ledger["currency_amount"].astype("Int64").array[in_group]
                            if "currency_amount" in ledger.columns
                            else pd.array([pd.NA] * int(in_group.sum()), dtype="Int64")),
    })
    per_group = members.groupby("group").agg(
        total=("amount", "sum"), accounts=("account", "nunique"), auxes=("aux", "nunique"),
        codes=("letter", "nunique"), size=("line", "size"),
        lines=("line", lambda l: " ".join(map(str, sorted(l)))),
    )
    recorded = groups.set_index("group")
    if set(per_group.index) != set(recorded.index):
        problems.append("the groups table and the lines disagree on which groups exist")
        return problems
    recorded = recorded.reindex(per_group.index)
    if ((per_group["accounts"] > 1) | (per_group["auxes"] > 1)).any():
        problems.append("a group spans two third parties")
    if (per_group["codes"] > 1).any():
        problems.append("a group carries two codes")
    if (per_group["size"] < 2).any():
        problems.append("a group of a single line")
    if (per_group["lines"] != recorded["lines"]).any():
        problems.append("groups table lists other lines than the lines frame")
    gaps = recorded["gap"].to_numpy(dtype=np.int64)
    if (per_group["total"].to_numpy() != gaps).any():
        problems.append(f"groups that do not net to their gap: {list(per_group.index[per_group['total'].to_numpy() != gaps])[:5]}")
    tolerances = SubsetSettings(tolerance=settings.tolerance, tolerance_pct=settings.tolerance_pct)
    foreign = recorded["currency"].fillna("").astype(str).to_numpy() != "" \
        if "currency" in recorded.columns else np.zeros(len(recorded), dtype=bool)
    for group_id, gap, is_foreign in zip(recorded.index, gaps, foreign):
        amounts = members.loc[members["group"] == group_id, "amount"].to_numpy()
        if is_foreign:
            currency = members.loc[members["group"] == group_id, "currency_amount"]
            if currency.isna().any() or int(currency.sum()) != 0:
                problems.append(f"group {group_id}: currency amounts do not net to zero")
        elif abs(gap) > allowed_gap(group_base(amounts), tolerances):
            problems.append(f"group {group_id}: gap {gap} beyond the tolerance")

    party = pd.Series(ledger["account"].astype(str).to_numpy() + "\x1f" + _aux(ledger))
    new_codes = pd.DataFrame({"party": party.to_numpy()[in_group], "code": np.char.upper(letters[in_group].astype(str)),
                              "group": members["group"].to_numpy()}).drop_duplicates()
    if new_codes.duplicated(["party", "code"]).any():
        problems.append("one code given to two new groups of a third party")
    old_codes = pd.DataFrame({"party": party.to_numpy()[kept], "code": np.char.upper(original[kept].astype(str))})
    if not new_codes.merge(old_codes.drop_duplicates(), on=["party", "code"]).empty:
        problems.append("a new code reuses a code already in the third party")
    return problems


def _aux(ledger: pd.DataFrame) -> np.ndarray:
    if "aux" in ledger.columns:
        return ledger["aux"].fillna("").astype(str).to_numpy()
    return ledger["party"].fillna("").astype(str).to_numpy()


def _some(ledger: pd.DataFrame, mask: np.ndarray) -> list[int]:
    return ledger["line"].to_numpy()[mask][:5].tolist()
