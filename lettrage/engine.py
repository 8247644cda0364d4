"""``match``: select the third parties, run the passes, give letters to the groups."""
from __future__ import annotations

import datetime as dt
import itertools
import logging
import time
from dataclasses import dataclass
from typing import Self

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lettrage.arrays import counted, distinct
from lettrage.errors import FecError
from lettrage.foreign_citations import near_citations_elsewhere
from lettrage.forked import ForkedCall
from lettrage.ledger import (
    ATTR_FAULTS,
    FAULT_COLUMNS,
    SUPPLIER_PREFIX,
    is_third_party,
    line_positions,
    raise_fatal_faults,
    validate_frame,
)
from lettrage.letters import first_number, highest_codes, number_to_code, usual_width
from lettrage.opening import aggregated_openings
from lettrage.parallel import run_party_passes
from lettrage.parallel_references import references_in_processes
from lettrage.party_passes import (
    KEPT_COLUMNS,
    PASS_ORDER,
    PartyLettering,
    review_settings,
)
from lettrage.passes.base import PassOutput
from lettrage.passes.review import REPORT_KINDS, review_pass
from lettrage.references import citation_links, cited_by_other_parties
from lettrage.result import (
    KEPT,
    LETTERED,
    OPEN,
    OTHER,
    PROPOSED,
    STATUSES,
    MatchResult,
    large_strings,
    review_frame,
    sparse_texts,
    written_texts,
)
from lettrage.settings import Settings
from lettrage.writeoffs import writeoff_entries

log = logging.getLogger(__name__)

#: Below this many third-party lines, the review pass is not worth a child process.
MIN_LINES_TO_REVIEW_APART = 20_000


def match(ledger: pd.DataFrame, *, settings: Settings | None = None, **options: object) -> MatchResult:
    """Letter the third-party accounts of a ledger.

    Parameters
    ----------
    ledger : the canonical frame (from :func:`lettrage.read_fec`, or built by the caller
        with at least ``line``, ``date``, ``account``, ``party``, ``amount`` and ``letter``).
        It is not modified.
    settings : a :class:`lettrage.Settings`; or give its fields as keyword arguments
        (``tolerance="1.00"``, ``accounts=("401", "411")``…).

    Returns
    -------
    MatchResult
    """
    with start_match(ledger, settings=settings, **options) as run:
        return run.result()


def start_match(ledger: pd.DataFrame, *, settings: Settings | None = None, **options: object) -> LetteredRun:
    """:func:`match` as far as the letters: the review pass goes on meanwhile (in a child
    process, with ``jobs`` > 1 on a large ledger), so the caller can write the lettered file
    first (:func:`lettrage.write_fec` takes the :class:`LetteredRun`). Use it in a ``with``
    block; :meth:`LetteredRun.result` gives the :class:`MatchResult`."""
    if settings is None:
        settings = Settings.from_mapping(options)
    elif options:
        raise TypeError("give either settings= or keyword options, not both")
    validate_frame(ledger)
    started = time.perf_counter()
    selected = _prepare(ledger, settings)
    documents, cites, piece_keys = references_in_processes(selected, settings.jobs or 1)
    elsewhere = near_citations_elsewhere(selected, documents, cites)
    if len(elsewhere):  # mistyped citations of another third party's documents
        cites = pd.concat([cites, elsewhere.assign(near=True)], ignore_index=True)
    log.info("references: %d documents, %d citations (%.2f s)", len(documents), len(cites),
             time.perf_counter() - started)
    is_open = selected["open"].to_numpy(dtype=bool)
    # The passes' columns only, not copied with every filter.
    open_lines = selected.loc[is_open, [c for c in selected.columns if c not in _NOT_SEARCHED]].assign(
        ref_key=piece_keys[is_open] if is_open.any() else np.array([], dtype=object))
    log.info("%d third-party lines in %d third parties, %d open",
             len(selected), selected["party_id"].nunique(), len(open_lines))
    links = citation_links(documents, cites) if len(cites) else None  # for both exact passes
    kept = selected.loc[(selected["letter"] != "").to_numpy(), KEPT_COLUMNS]
    found = run_party_passes(open_lines, kept, documents, cites, links, settings, settings.jobs or 1,
                             cited_by_other_parties(selected, links))
    log.info("lettering passes: %s (%.2f s)", ", ".join(
        f"{name} {len(output.groups)}" for name, output in zip(PASS_ORDER, found.outputs)),
        time.perf_counter() - started)
    members, groups = _number_groups(found.outputs)
    groups = _give_letters(groups, members, selected, settings)
    log.info("letters given (%.2f s)", time.perf_counter() - started)
    apart = (settings.jobs or 1) > 1 and len(selected) >= MIN_LINES_TO_REVIEW_APART
    reviewing = ForkedCall(_reviewed, selected, members, groups, documents, cites, found, settings,
                           fork=apart)
    try:
        lines = _result_lines(ledger, selected, members, groups)
        return LetteredRun(ledger=ledger, settings=settings, lines=lines, groups=groups,
                           writeoffs=writeoff_entries(groups, selected, settings),
                           issues=_issues(ledger, found.messages), reviewing=reviewing)
    except BaseException:
        reviewing.close()
        raise


@dataclass
class LetteredRun:
    """A run whose letters are given, its review pass still under way.

    ``lines`` holds each line's letter, letter date, group, pass and status; ``proposed``
    comes with the review, when :meth:`result` is called.
    """

    ledger: pd.DataFrame
    settings: Settings
    lines: pd.DataFrame
    groups: pd.DataFrame
    writeoffs: pd.DataFrame
    issues: pd.DataFrame
    reviewing: ForkedCall[tuple[pd.DataFrame, np.ndarray]]

    def result(self) -> MatchResult:
        """The run's result, once its review pass is done."""
        started = time.perf_counter()
        review, proposed_lines = self.reviewing.result()
        log.info("review pass: %d proposals (waited %.2f s)", len(review), time.perf_counter() - started)
        _mark_proposed(self.lines, proposed_lines)
        return MatchResult(ledger=self.ledger, settings=self.settings, lines=self.lines,
                           groups=self.groups, review=review, writeoffs=self.writeoffs,
                           issues=self.issues)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.reviewing.close()



#: Columns of the selected lines that no pass reads (the label is: the exact pass tells
#: twins by it, the settled stretches and the walk rest on FIFO pairs by it).
_NOT_SEARCHED = ("invoice_number", "letter", "open")


def _after_lettering(selected: pd.DataFrame, members: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """The selected lines with their letters after this run: ``letter`` (input or new),
    ``kept`` (lettered in the input) and ``left`` (still open)."""
    new_letter = _of_members(groups, members, "letter")
    rows = line_positions(selected["line"].to_numpy(dtype=np.int64), members["line"].to_numpy(dtype=np.int64))
    given = pc.not_equal(new_letter, "").to_numpy(zero_copy_only=False)
    rows, new_letter = rows[given], new_letter.filter(pa.array(given))
    lettered = np.zeros(len(selected), dtype=bool)
    lettered[rows] = True
    return selected.assign(
        kept=(selected["letter"] != "").to_numpy(),
        left=selected["open"].to_numpy() & ~lettered,
        letter=written_texts(selected["letter"], rows, new_letter),
    )


def _prepare(ledger: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The third-party lines (the selected accounts), with the columns the passes need and
    their third-party ids. Lines of other accounts are not copied."""
    account = ledger["account"].astype(str)
    selected = is_third_party(account, settings.accounts)
    raise_fatal_faults(ledger, selected)
    dates = ledger["date"]
    undated = selected & dates.isna().to_numpy()
    if undated.any():
        line = int(ledger["line"].to_numpy()[undated][0])
        raise FecError("empty date on a third-party line", line=line, field="date")
    rows = np.flatnonzero(selected)
    account = account.iloc[rows]
    aux = _aux(ledger, rows, account)
    party_id = _party_ids(account, aux)
    amount = ledger["amount"].to_numpy(dtype=np.int64)[rows]
    supplier = account.str.startswith(SUPPLIER_PREFIX).to_numpy()
    letters, unlettered = _stripped(_text(ledger, "letter", rows))
    currency_amount = (ledger["currency_amount"].astype("Int64").array[rows]
                       if "currency_amount" in ledger.columns
                       else pd.array([pd.NA] * len(rows), dtype="Int64"))
    frame = pd.DataFrame(
        {
            "line": ledger["line"].to_numpy(dtype=np.int64)[rows],
            "account": _texts_of(account),
            "aux": _texts_of(aux),
            "party_id": party_id,
            "date": dates.to_numpy()[rows],
            "amount": amount,
            "invoice_side": np.where(supplier, amount < 0, amount > 0),
            "piece_ref": _text(ledger, "piece_ref", rows),
            "invoice_number": _text(ledger, "invoice_number", rows),
            "label": _text(ledger, "label", rows),
            "journal": _text(ledger, "journal", rows),
            "currency": _text(ledger, "currency", rows),
            "currency_amount": currency_amount,
            "letter": letters,
        }
    )
    frame["open"] = unlettered & (amount != 0)
    # Held lines (aggregated opening balances) take part in every search, so they make
    # ties, but are never lettered.
    frame["held"] = (aggregated_openings(frame) if settings.opening_balances == "review"
                     else np.zeros(len(frame), dtype=bool))
    return frame


def _party_ids(account: pd.Series, aux: pd.Series) -> np.ndarray:
    """Each line's third party: the rank of its ``(account, aux)`` among the distinct pairs
    in order (``groupby(sort=True).ngroup()``)."""
    account_rank = pd.factorize(account, sort=True)[0]
    aux_rank, auxes = pd.factorize(aux, sort=True)
    pair = account_rank.astype(np.int64) * len(auxes) + aux_rank
    return counted(pair)[2]


def _aux(ledger: pd.DataFrame, rows: np.ndarray, account: pd.Series) -> pd.Series:
    """CompAuxNum at ``rows``; from ``party`` when the caller's frame has no ``aux`` column."""
    if "aux" in ledger.columns:
        return ledger["aux"].iloc[rows].fillna("").astype(str)
    party = ledger["party"].iloc[rows].fillna("").astype(str)
    return party.where(party != account, "")


_TextArray = pd.api.extensions.ExtensionArray | np.ndarray
_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # what pandas makes of Python strings


def _text(ledger: pd.DataFrame, column: str, rows: np.ndarray) -> _TextArray:
    """A text column at ``rows``, as strings ("" for a missing value or column)."""
    if column not in ledger.columns:
        return np.full(len(rows), "", dtype=object)
    return _texts_of(ledger[column].iloc[rows].fillna("").astype(str))


def _texts_of(texts: pd.Series) -> _TextArray:
    """Strings for a new frame: a ``str`` column's own array (no Python string made), else
    an object array (as pandas would infer it, ``str`` or, when empty, object)."""
    if len(texts) and texts.dtype == _STR:
        return texts.array
    return texts.to_numpy(dtype=object)


def _stripped(texts: _TextArray) -> tuple[_TextArray, np.ndarray]:
    """``str.strip`` of each text (each distinct text stripped once), and which are empty."""
    if not len(texts):
        return np.array([], dtype=object), np.zeros(0, dtype=bool)
    codes, uniques = pd.factorize(texts)
    stripped = [str(text).strip() for text in uniques]
    empty = np.array([not text for text in stripped], dtype=bool)[codes]
    return pd.array(pa.array(stripped, type=pa.large_string()).take(pa.array(codes)), dtype="str"), empty


def _reviewed(selected: pd.DataFrame, members: pd.DataFrame, groups: pd.DataFrame,
              documents: pd.DataFrame, cites: pd.DataFrame, found: PartyLettering,
              settings: Settings) -> tuple[pd.DataFrame, np.ndarray]:
    """The review list of the selected lines after lettering (see :func:`review_pass`), and
    the lines its proposals hold (not its reports), distinct."""
    lines = _after_lettering(selected, members, groups)
    proposals = review_pass(lines, documents, cites, found.proposals, review_settings(settings),
                            pairs=found.pairs)
    proposing = proposals[~proposals["kind"].isin(REPORT_KINDS)] if len(proposals) else proposals
    proposed_lines = distinct(np.fromiter(itertools.chain.from_iterable(proposing["lines"]), np.int64))
    return review_frame(proposals, lines), proposed_lines


def _result_lines(ledger: pd.DataFrame, lines: pd.DataFrame, members: pd.DataFrame,
                  groups: pd.DataFrame) -> pd.DataFrame:
    """:attr:`MatchResult.lines` before the review: every line of the ledger with its letter,
    letter date, group, status (``proposed`` comes with the review) and pass."""
    all_lines = ledger["line"].to_numpy(dtype=np.int64)
    # the rows of the new groups' lines and of the selected lines
    rows, selected_rows = _positions_of(
        all_lines, members["line"].to_numpy(dtype=np.int64), lines["line"].to_numpy(dtype=np.int64))

    letter_date = ledger["letter_date"].to_numpy(dtype="datetime64[s]").copy() \
        if "letter_date" in ledger.columns else np.full(len(ledger), np.datetime64("NaT"), "datetime64[s]")
    group_of = np.full(len(ledger), -1, dtype=np.int64)
    group_rows = _group_rows(groups, members)
    letter = written_texts(ledger["letter"], rows, _of_members(groups, members, "letter"))
    letter_date[rows] = groups["letter_date"].to_numpy(dtype="datetime64[s]")[group_rows]
    group_of[rows] = members["group"].to_numpy()
    pass_of = sparse_texts(len(ledger), rows, groups["pass"].to_numpy(dtype=object)[group_rows])

    status = np.full(len(ledger), _STATUS_CODE[OTHER], dtype=np.int8)
    status[selected_rows] = _STATUS_CODE[OPEN]
    status[selected_rows[(lines["letter"] != "").to_numpy()]] = _STATUS_CODE[KEPT]
    status[rows] = _STATUS_CODE[LETTERED]
    return pd.DataFrame(
        {
            "line": all_lines,
            "letter": letter,
            "letter_date": letter_date,
            "group": pd.arrays.IntegerArray(np.where(group_of >= 0, group_of, 0), group_of < 0),
            "status": pd.Categorical.from_codes(status, categories=STATUSES),
            "pass": pass_of,
        },
        index=ledger.index,
    )


_STATUS_CODE = {name: number for number, name in enumerate(STATUSES)}


def _mark_proposed(lines: pd.DataFrame, proposed_lines: np.ndarray) -> None:
    """Mark ``proposed`` the lines still open that a proposal holds (a kept or lettered line
    keeps its status)."""
    rows = line_positions(lines["line"].to_numpy(dtype=np.int64), proposed_lines)
    status = lines["status"].array.codes.copy()
    status[rows[status[rows] == _STATUS_CODE[OPEN]]] = _STATUS_CODE[PROPOSED]
    lines["status"] = pd.Categorical.from_codes(status, categories=STATUSES)


def _issues(ledger: pd.DataFrame, messages: list[str]) -> pd.DataFrame:
    """The ledger's faults read, and the run's messages as faults of no line."""
    issues = ledger.attrs.get(ATTR_FAULTS, pd.DataFrame(columns=FAULT_COLUMNS))
    if messages:
        run_faults = pd.DataFrame([{"file": "", "line": 0, "data_line": 0, "field": "",
                                    "value": "", "message": m, "fatal_on_third_party": False}
                                   for m in messages])
        issues = pd.concat([issues, run_faults], ignore_index=True)
    return issues


def _group_rows(groups: pd.DataFrame, members: pd.DataFrame) -> np.ndarray:
    """The row of ``groups`` of each member's group."""
    return line_positions(groups["group"].to_numpy(dtype=np.int64), members["group"].to_numpy(dtype=np.int64))


def _of_members(groups: pd.DataFrame, members: pd.DataFrame, column: str) -> pa.Array:
    """A text column of ``groups`` for each member (its group's), as pyarrow strings."""
    return large_strings(groups[column].array).take(pa.array(_group_rows(groups, members)))


def _positions_of(all_lines: np.ndarray, *wanted: np.ndarray) -> list[np.ndarray]:
    """:func:`line_positions` of each array of ``wanted`` line numbers (one lookup for all)."""
    found = line_positions(all_lines, np.concatenate(wanted))
    return np.split(found, np.cumsum([len(numbers) for numbers in wanted])[:-1])


def _number_groups(outputs: list[PassOutput]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concatenate the passes' groups under run-wide ids (each pass's in the order given)."""
    members, groups, offset = [], [], 0
    for output in outputs:
        members.append(output.members.assign(group=output.members["group"] + offset))
        groups.append(output.groups.assign(group=output.groups["group"] + offset))
        offset += len(output.groups)
    return pd.concat(members, ignore_index=True), pd.concat(groups, ignore_index=True)


def _joined_lines(lines: np.ndarray, sizes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Each group's line numbers, space-separated (``lines`` sorted by group, then line)."""
    offsets = pa.array(np.r_[0, np.cumsum(sizes)].astype(np.int64), type=pa.int64())
    texts = pa.array(lines, type=pa.int64()).cast(pa.large_string())
    space = pa.scalar(" ", pa.large_string())
    return pd.array(pc.binary_join(pa.LargeListArray.from_arrays(offsets, texts), space), dtype="str")


def _by_group_then_line(group: np.ndarray, line: np.ndarray) -> np.ndarray:
    """The order of ``np.lexsort((line, group))``; one key when both fit in one integer (fast
    on members already in that order, as the passes give them)."""
    low = line.min()
    span = int(line.max() - low) + 1
    if group.min() >= 0 and int(group.max()) < np.iinfo(np.int64).max // span:
        return np.argsort(group * span + (line - low), kind="stable")
    return np.lexsort((line, group))


def _per_group(members: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Per group id: its third party, account, aux, first line, latest date, size, debit
    total and space-separated lines (in line order)."""
    group = members["group"].to_numpy(dtype=np.int64)
    line = members["line"].to_numpy(dtype=np.int64)
    if not len(group):
        columns = ["party_id", "account", "aux", "first_line", "latest", "size", "debit", "lines"]
        return pd.DataFrame(columns=columns, index=pd.Index([], name="group", dtype=np.int64))
    order = _by_group_then_line(group, line)
    group, line = group[order], line[order]
    rows = line_positions(lines["line"].to_numpy(dtype=np.int64), line)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, len(group)])
    party = lines["party_id"].to_numpy()[rows]
    if (party != np.repeat(party[starts], sizes)).any():
        raise AssertionError("a group spans two third parties")
    dates = lines["date"].to_numpy()[rows]
    debit = np.clip(lines["amount"].to_numpy(dtype=np.int64)[rows], 0, None)
    first = rows[starts]
    return pd.DataFrame(
        {
            "party_id": party[starts],
            "account": _texts_of(lines["account"].take(first)),
            "aux": _texts_of(lines["aux"].take(first)),
            "first_line": line[starts],
            "latest": np.maximum.reduceat(dates, starts),
            "size": sizes,
            "debit": np.add.reduceat(debit, starts),
            "lines": _joined_lines(line, sizes),
        },
        index=pd.Index(group[starts], name="group"),
    )


def _give_letters(
    groups: pd.DataFrame, members: pd.DataFrame, lines: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    """Codes per third party after the highest already used; ``DateLet`` per group.

    Groups are ordered by their first line, so codes do not depend on pass internals.
    """
    groups = groups.join(_per_group(members, lines), on="group")
    lettered = (lines["letter"] != "").to_numpy()  # the codes already used
    highest = highest_codes(lines["party_id"][lettered], lines["letter"][lettered])
    width = settings.letter_width or usual_width(lines["letter"][lettered])
    parties = groups["party_id"].to_numpy()
    # each third party's groups numbered by first line
    by_party = np.lexsort((groups["first_line"].to_numpy(), parties))
    rank = np.empty(len(groups), dtype=np.int64)
    rank[by_party] = np.arange(len(groups)) - np.searchsorted(parties[by_party], parties[by_party])
    unique_parties, party_index = np.unique(parties, return_inverse=True)
    highest_used = highest.reindex(unique_parties).fillna(0).to_numpy(dtype=np.int64)
    start = np.maximum(highest_used + 1, first_number(0, width))  # first_number of each
    number_of, numbers = pd.factorize(start[party_index] + rank)
    codes = pa.array([number_to_code(int(number)) for number in numbers], type=pa.large_string())
    # (an empty list when there is no group: the column's type as it always was)
    groups["letter"] = pd.array(codes.take(pa.array(number_of)), dtype="str") if len(groups) else []
    if settings.date_let == "today":
        today = settings.today or dt.date.today()
        groups["letter_date"] = np.datetime64(today, "s")
    else:
        groups["letter_date"] = groups["latest"].to_numpy(dtype="datetime64[s]")
    columns = ["group", "account", "aux", "letter", "letter_date", "pass", "lines", "size",
               "debit", "gap", "currency", "reason"]
    groups = groups[columns]
    ids = groups["group"].to_numpy()
    if (ids[1:] <= ids[:-1]).any():
        groups = groups.sort_values("group")
    return groups.reset_index(drop=True)
