"""The lettering passes, in order, on the open lines of whole third parties.

Every pass after the references looks at one third party at a time, so this chain is a pure
function of a set of third parties: :mod:`lettrage.parallel` runs it on chunks of them in
worker processes, and the engine on all of them at once, with the same groups.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd

from lettrage.arrays import numbers_in
from lettrage.ledger import line_positions
from lettrage.passes.base import PassOutput
from lettrage.passes.chronological import chronological_pass
from lettrage.passes.day_batches import day_batch_pass
from lettrage.passes.exact import MAX_DAYS_EARLY, exact_pass, ref_codes
from lettrage.passes.fifo_doubts import claimed_earlier
from lettrage.passes.period_batches import period_batch_pass
from lettrage.passes.piece_batches import piece_batch_pass
from lettrage.passes.review import ReviewSettings, pair_proposals
from lettrage.passes.settled_parties import settled_party_pass
from lettrage.passes.subset import (
    SubsetSettings,
    foreign_mask,
    party_windows,
    subset_pass,
)
from lettrage.settings import Settings

#: The passes of :func:`letter_parties`, in the order they run and their outputs are listed.
PASS_ORDER = ("exact", "piece", "day", "period", "subset", "fifo", "settled", "chronological")
#: The columns of the lines lettered in the input that the passes read.
KEPT_COLUMNS = ["party_id", "letter", "date", "piece_ref"]
#: The columns of the open lines the day batches and FIFO doubts read (``held`` when given).
_NUMBER_COLUMNS = ("line", "party_id", "amount", "date", "invoice_side", "held")
#: ... the period batches (the journals of the documents) ...
_PERIOD_COLUMNS = (*_NUMBER_COLUMNS, "journal")
#: ... the settled stretches and the walk (twins of the FIFO pairs' lines) ...
_TWIN_COLUMNS = (*_NUMBER_COLUMNS, "piece_ref", "label")
#: ... and the exact pass and the piece batches (the subset and review passes read all).
_EXACT_COLUMNS = (*_TWIN_COLUMNS, "ref_key")


@dataclass(frozen=True)
class PartyLettering:
    """What the passes found in some third parties.

    ``outputs``: one :class:`PassOutput` per pass of :data:`PASS_ORDER`. ``proposals``: the
    subset pass's tied groups and undecided lines, less those a later pass lettered, as rows
    ``(kind, lines, party_id, gap, reason)``. ``pairs``: the review pass's
    :func:`lettrage.passes.review.pair_proposals` of the lines left open. ``messages``: for
    the run's issues (timeouts).
    """

    outputs: list[PassOutput]
    proposals: pd.DataFrame
    pairs: pd.DataFrame
    messages: list[str]


def letter_parties(
    open_lines: pd.DataFrame,
    kept: pd.DataFrame,
    documents: pd.DataFrame,
    cites: pd.DataFrame,
    links: tuple[np.ndarray, ...] | None,
    settings: Settings,
    *,
    cited_elsewhere: np.ndarray | None = None,
) -> PartyLettering:
    """Run every lettering pass on ``open_lines`` (the open lines of whole third parties,
    in line order, with their ``ref_key``).

    ``kept``: the lines of those third parties lettered in the input (:data:`KEPT_COLUMNS`).
    ``documents``, ``cites``: the reference evidence of the whole ledger (a citation may name
    another third party's document), and ``links`` their
    :func:`lettrage.references.citation_links` (None when nothing is cited).
    ``cited_elsewhere``: the lines whose document a line of another third party cites
    (:func:`lettrage.references.cited_by_other_parties`).
    """
    documents, cites, links = _evidence_of(open_lines["line"].to_numpy(), documents, cites, links)
    foreign = foreign_mask(open_lines, settings.company_currency)
    # Which open lines no pass has lettered yet: the frames each pass reads are filtered
    # from ``open_lines`` once, not one filter of the last one after each pass, and only the
    # columns that pass reads (a filter copies every column it keeps).
    left = _OpenLines(open_lines["line"].to_numpy())
    exacts = _columns(open_lines, _EXACT_COLUMNS)
    # Exact pairs that are sure — references agree, or no other line of that amount competes.
    company = exacts[~foreign]
    refs = ref_codes(company)  # (for the exact pass, the piece batches and the FIFO pairs)
    exact = exact_pass(company, documents, cites, sure_only=True, links=links, refs=refs)
    left.letter(exact)
    history = (_history(kept, open_lines, exact) if settings.learn_window
               else pd.DataFrame(columns=["party_id", "group", "date"]))
    windows = party_windows(history, open_lines["party_id"].to_numpy()[left.mask],
                            settings.window_days, settings.max_window_days)
    # Lines an accountant filed under one PieceRef, settled together.
    piece = piece_batch_pass(company, left.lines, kept[["party_id", "piece_ref"]], windows,
                             documents, cites, max_days_early=MAX_DAYS_EARLY, refs=refs)
    left.letter(piece)
    # Every open invoice of one day settled by one payment: the answer a person picks among
    # the equally good subsets the subset pass would leave.
    day = day_batch_pass(_columns(open_lines, _NUMBER_COLUMNS)[left.mask & ~foreign], windows,
                         documents, cites, max_days_early=MAX_DAYS_EARLY)
    left.letter(day)
    # Every open invoice of a period (a statement) settled by one payment, when no other run
    # of invoices competes.
    period = period_batch_pass(_columns(open_lines, _PERIOD_COLUMNS)[left.mask & ~foreign],
                               windows, documents, cites, max_days_early=MAX_DAYS_EARLY)
    left.letter(period)
    remaining = open_lines[left.mask]
    subset, proposals, messages = subset_pass(remaining, windows, documents, cites,
                                              subset_settings(settings), settings.company_currency,
                                              cited_elsewhere=cited_elsewhere)
    # Equal amounts that compete (situations 2-3) are paired last, oldest first, so that a
    # FIFO guess never takes a line a unique group needed.
    left.letter(subset)
    fifo = exact_pass(exacts[left.mask & ~foreign], documents, cites, name="fifo", links=links,
                      refs=(refs[0][left.mask[~foreign]], refs[1]))
    # ... unless an open line dated between a pair's two could have taken its older one.
    twins = _columns(open_lines, _TWIN_COLUMNS)
    guessed = twins[left.taken_by(fifo)].merge(fifo.members, on="line")
    fifo = fifo.without(claimed_earlier(guessed, twins[left.mask & ~foreign & ~left.taken_by(fifo)]))
    guessed = guessed[numbers_in(guessed["line"], fifo.lines)]  # (group ids as made: pairs stay apart)
    # A third party whose open remainder nets to zero, with no smaller group inside it.
    left.letter(fifo)
    settled = settled_party_pass(twins[left.mask], foreign[left.mask], guessed,
                                 documents, cites, max_days=settings.max_window_days)
    left.letter(settled)
    # Settlements oldest first, each with the one set of earlier open invoices it pays.
    walked = chronological_pass(twins[left.mask], foreign[left.mask], guessed, documents, cites,
                                max_days=settings.max_window_days, max_pick=settings.max_group_size)
    proposals = _without_lines(proposals, np.concatenate([fifo.lines, settled.lines, walked.lines]))
    left.letter(walked)
    # The review pass's pairs for what is left, here too: they are of one third party each.
    pairs = pair_proposals(open_lines.assign(left=left.mask), documents, cites, review_settings(settings))
    return PartyLettering([exact, piece, day, period, subset, fifo, settled, walked], proposals, pairs,
                          messages)


class _OpenLines:
    """Which of some open lines (their numbers, in order) no pass has lettered yet."""

    def __init__(self, line_ids: np.ndarray) -> None:
        self.line_ids = line_ids
        self.mask = np.ones(len(line_ids), dtype=bool)

    @property
    def lines(self) -> np.ndarray:
        """The numbers of the lines still open."""
        return self.line_ids[self.mask]

    def taken_by(self, output: PassOutput) -> np.ndarray:
        """Per line, whether ``output`` letters it (marked in a table of line numbers: a
        binary search of each of an output's lines, in group order, costs several times
        more)."""
        return numbers_in(self.line_ids, output.lines)

    def letter(self, output: PassOutput) -> None:
        """Mark the lines ``output`` letters as lettered."""
        self.mask &= ~self.taken_by(output)


def _columns(lines: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    """``lines`` with only those of the columns ``names`` it has (under pandas 3's
    copy-on-write, nothing is copied until a filter takes rows)."""
    return lines[[name for name in names if name in lines.columns]]


def subset_settings(settings: Settings) -> SubsetSettings:
    """What the subset pass reads of ``settings``."""
    return SubsetSettings(
        tolerance=settings.tolerance, tolerance_pct=settings.tolerance_pct,
        max_group_size=settings.max_group_size, max_solutions=settings.max_solutions,
        solve_time_limit=settings.solve_time_limit,
    )


def review_settings(settings: Settings) -> ReviewSettings:
    """What the review pass reads of ``settings``."""
    return ReviewSettings(review_gap=settings.review_gap, review_gap_pct=settings.review_gap_pct,
                          top=settings.review_top)


def _evidence_of(
    lines: np.ndarray, documents: pd.DataFrame, cites: pd.DataFrame, links: tuple[np.ndarray, ...] | None,
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[np.ndarray, ...] | None]:
    """The references the passes read for ``lines``: the documents they carry, their
    citations, and the links from or to one of them (a line another third party cites is not
    a sure pair). Every group the passes make is of ``lines``."""
    documents = documents[numbers_in(documents["line"], lines)]
    cites = cites[numbers_in(cites["line"], lines)]
    if links is not None:
        citer, cited, near = links
        touching = numbers_in(citer, lines) | numbers_in(cited, lines)
        links = (citer[touching], cited[touching], near[touching])
    return documents, cites, links


def _history(kept: pd.DataFrame, open_lines: pd.DataFrame, exact: PassOutput) -> pd.DataFrame:
    """``(party_id, group, date)`` of the groups already made: input letters (one group per
    letter, whatever its case), exact pairs; ``group`` a number (only which rows share one
    counts)."""
    letter, letters = pd.factorize(kept["letter"].str.upper())
    known = np.flatnonzero(letter >= 0)
    rows = _positions(open_lines["line"].to_numpy(dtype=np.int64),
                      exact.members["line"].to_numpy(dtype=np.int64))
    columns = [(kept["party_id"].to_numpy()[known], letter[known], kept["date"].to_numpy()[known])] if len(known) else []
    columns.append((open_lines["party_id"].to_numpy()[rows],
                    exact.members["group"].to_numpy(dtype=np.int64) + len(letters),
                    open_lines["date"].to_numpy()[rows]))
    party, group, date = (np.concatenate(parts) for parts in zip(*columns))
    return pd.DataFrame({"party_id": party, "group": group, "date": date})


def _positions(all_lines: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """:func:`lettrage.ledger.line_positions`, the ``wanted`` lines looked up in increasing
    order (the search then reads memory in order: twice as fast on a chunk's lines)."""
    order = np.argsort(wanted)
    rows = np.empty(len(wanted), dtype=np.intp)
    rows[order] = line_positions(all_lines, wanted[order])
    return rows


def _without_lines(proposals: pd.DataFrame, lettered: np.ndarray) -> pd.DataFrame:
    """Proposals that touch none of ``lettered`` (line numbers)."""
    if proposals.empty or not len(lettered):
        return proposals
    lines = proposals["lines"].tolist()
    sizes = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    flat = np.fromiter(chain.from_iterable(lines), dtype=np.int64, count=int(sizes.sum()))
    touched = np.r_[0, np.cumsum(numbers_in(flat, lettered))]  # lines lettered up to each
    ends = np.cumsum(sizes)
    return proposals[touched[ends] == touched[ends - sizes]].reset_index(drop=True)
