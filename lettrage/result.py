"""What a run gives back: lines with their letters, the groups made, and reports."""
from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lettrage.money import format_cents
from lettrage.settings import Settings

#: Status of a line after a run.
KEPT = "kept"  # carried a letter in the input; untouched
LETTERED = "lettered"  # lettered by this run
PROPOSED = "proposed"  # in the review list
OPEN = "open"  # third-party line left on the to-do list
OTHER = "other"  # not a third-party line of the selected accounts: never lettered
STATUSES = [KEPT, LETTERED, PROPOSED, OPEN, OTHER]

REVIEW_COLUMNS = ["proposal", "for_line", "rank", "lines", "party", "kind", "gap", "score", "reason"]


def review_frame(proposals: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """The review list from the review pass's proposals (see :mod:`lettrage.passes.review`).

    One row per proposal, columns :data:`REVIEW_COLUMNS`: ``for_line`` is the open line the
    proposal is for, ``rank`` orders that line's proposals (1 = best), ``lines`` holds the
    proposal's data line numbers separated by spaces, ``party`` is ``account/aux``, ``gap``
    the proposal's debit − credit in cents, ``score`` from 0 to 1.
    """
    if proposals.empty:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in REVIEW_COLUMNS})
    parties = lines[["party_id", "account", "aux"]].drop_duplicates("party_id").set_index("party_id")
    party = (parties["account"] + "/" + parties["aux"]).str.rstrip("/")
    frame = pd.DataFrame({
        "for_line": proposals["anchor"].to_numpy(dtype=np.int64),
        "rank": proposals["rank"].to_numpy(dtype=np.int64),
        "lines": lines_texts(proposals["lines"]),
        "party": party.reindex(proposals["party_id"]).to_numpy(),
        "kind": _texts_of(proposals["kind"]),
        "gap": proposals["gap"].to_numpy(dtype=np.int64),
        "score": proposals["score"].to_numpy(dtype=float),
        "reason": _texts_of(proposals["reason"]),
    }).sort_values(["party", "for_line", "rank"], ignore_index=True, kind="stable")
    frame.insert(0, "proposal", np.arange(1, len(frame) + 1))
    return frame[REVIEW_COLUMNS]


def _texts_of(texts: pd.Series) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """Texts for a new frame: a ``str`` column's own array (no Python string made), else its
    values (which pandas infers)."""
    return texts.array if isinstance(texts.dtype, pd.StringDtype) else texts.to_numpy()


def lines_texts(groups: Iterable[Collection[int]], *, in_order: bool = True) -> pd.api.extensions.ExtensionArray:
    """Each group's line numbers separated by spaces, as a ``str`` array: in increasing order,
    or as given when not ``in_order`` (``" ".join(map(str, sorted(group)))``, vectorised)."""
    groups = list(groups)
    sizes = np.fromiter(map(len, groups), np.int64, len(groups))
    lines = np.fromiter(itertools.chain.from_iterable(groups), np.int64, int(sizes.sum()))
    group = np.repeat(np.arange(len(groups)), sizes)
    if in_order and ((lines[1:] < lines[:-1]) & (group[1:] == group[:-1])).any():  # not yet in order
        lines = lines[np.lexsort((lines, group))]
    offsets = pa.array(np.r_[0, np.cumsum(sizes)].astype(np.int64), type=pa.int64())
    texts = pa.array(lines, type=pa.int64()).cast(pa.large_string())
    joined = pc.binary_join(pa.LargeListArray.from_arrays(offsets, texts), pa.scalar(" ", pa.large_string()))
    return pd.array(joined, dtype="str")


#: Texts given to :func:`written_texts`.
Texts = np.ndarray | pd.api.extensions.ExtensionArray | pa.Array


def written_texts(texts: pd.Series, rows: np.ndarray,
                  values: Texts) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """A text column (a missing text as ``""``, others through ``str``) with ``values``
    (strings) written at the positions ``rows`` (the last one wins), as a ``str`` array (an
    empty object array when there is no text, as pandas infers it)."""
    if not len(texts):
        return np.array([], dtype=object)
    at = np.full(len(texts), -1, dtype=np.int64)
    at[rows] = np.arange(len(rows))
    values = large_strings(values)
    array = _arrow_strings(texts)
    if array is None:  # not all strings: through Python
        out = texts.fillna("").astype(str).to_numpy(dtype=object).copy()
        out[rows] = values.to_numpy(zero_copy_only=False)
        return pd.array(out, dtype="str")
    written = at >= 0
    if written.any():
        array = pc.replace_with_mask(array, pa.array(written), values.take(pa.array(at[written])))
    return pd.array(array, dtype="str")


def sparse_texts(size: int, rows: np.ndarray,
                 values: np.ndarray) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """A ``str`` array of ``size`` missing texts but ``values`` (strings) at ``rows``; an
    object array of ``None`` when there is no value (as pandas infers it)."""
    if not len(rows):
        return np.full(size, None, dtype=object)
    codes, names = pd.factorize(np.asarray(values, dtype=object))
    at = np.full(size, -1, dtype=np.int64)
    at[rows] = codes
    names = pa.array(np.asarray(names, dtype=object), type=pa.large_string())
    return pd.array(names.take(pa.array(at, mask=at < 0)), dtype="str")


def large_strings(values: Texts) -> pa.Array:
    """Strings as a pyarrow large string array (not copied when pyarrow holds them)."""
    if isinstance(values, np.ndarray):
        return pa.array(values, type=pa.large_string())
    array = values if isinstance(values, pa.Array) else pa.array(values)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def _arrow_strings(texts: pd.Series) -> pa.Array | None:
    """The texts as a pyarrow large string array, missing ones ``""``; ``None`` when some
    value is not a string."""
    try:
        array = pa.array(texts, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_null(array.type):  # nothing but missing values
        array = pa.nulls(len(array), type=pa.large_string())
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    return pc.fill_null(array.cast(pa.large_string()), "")


@dataclass(frozen=True)
class MatchResult:
    """The outcome of :func:`lettrage.match`.

    Attributes
    ----------
    ledger : the input frame (never modified).
    settings : the settings of the run.
    lines : one row per input line, same order: ``line``, ``letter`` (as read, or new),
        ``letter_date``, ``group`` (id of the new group, NA otherwise), ``status`` (kept,
        lettered, proposed, open, other) and ``pass``.
    groups : one row per new group: ``group``, ``account``, ``aux``, ``letter``,
        ``letter_date``, ``pass``, ``lines`` (data line numbers, space-separated),
        ``size``, ``debit`` (cents), ``gap`` (cents), ``reason``.
    review : ranked proposals for a person, one row per proposal (see :func:`review_frame`).
    writeoffs : balanced entries proposed for gaps (filled by the subset pass).
    issues : the data problems met (warnings), one row each.
    """

    ledger: pd.DataFrame
    settings: Settings
    lines: pd.DataFrame
    groups: pd.DataFrame
    review: pd.DataFrame
    writeoffs: pd.DataFrame
    issues: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Lines and amounts per outcome and pass, over the selected third-party lines."""
        status = self.lines["status"]
        selected = (status != OTHER).to_numpy()
        amount = self.ledger["amount"].to_numpy(dtype=np.int64)[selected]
        # the keys as small integer codes: a groupby of strings over every line costs more
        status_code = status.cat.codes.to_numpy()[selected]
        pass_code, pass_names = pd.factorize(self.lines["pass"].iloc[selected], use_na_sentinel=True)
        frame = pd.DataFrame({"status": status_code, "pass": pass_code,
                              "debit": np.where(amount > 0, amount, 0),
                              "credit": np.where(amount < 0, -amount, 0)})
        table = frame.groupby(["status", "pass"], sort=False).agg(
            lines=("debit", "size"), debit=("debit", "sum"), credit=("credit", "sum")
        ).reset_index()
        names = np.asarray(pass_names, dtype=object)
        table["status"] = np.asarray(status.cat.categories, dtype=object)[table["status"].to_numpy()]
        table["pass"] = [names[code] if code >= 0 else "" for code in table["pass"].tolist()]
        return table

    def summary_text(self) -> str:
        """The summary in words, for the end of a command-line run."""
        table = self.summary()
        total_lines = int(table["lines"].sum())
        total_debit = int(table["debit"].sum())
        out = [f"third-party lines: {total_lines}, debit {format_cents(total_debit)}"]
        for row in table.sort_values(["status", "pass"]).itertuples(index=False):
            share = 100.0 * row.lines / total_lines if total_lines else 0.0
            debit_share = 100.0 * row.debit / total_debit if total_debit else 0.0
            label = f"{row.status}{' by ' + row._1 + ' pass' if row._1 else ''}"
            out.append(
                f"  {label:<26} {row.lines:>9} lines ({share:5.1f} %)  "
                f"debit {format_cents(int(row.debit)):>16} ({debit_share:5.1f} %)"
            )
        out.append(f"new groups: {len(self.groups)}; proposals: {len(self.review)}; "
                   f"warnings: {len(self.issues)}")
        return "\n".join(out)
