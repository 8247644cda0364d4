"""Run the subset pass over third parties in worker processes.

Third parties are independent, so the work is split into chunks of whole third parties, each
run by the same pure function; results are concatenated in chunk order. The engine orders
groups by their lines before giving letters, so the letters do not depend on the number of
processes (the order of run messages may).

Each worker receives the inputs once, when it starts (inherited, not pickled, where processes
are forked), and only the columns the pass reads; a task is then just a chunk's third
parties, whose lines the worker selects itself.
"""
from __future__ import annotations

import heapq
import logging
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from lettrage.passes.base import PassOutput
from lettrage.passes.subset import SubsetSettings, subset_pass

log = logging.getLogger(__name__)

#: Below this many open lines, worker processes cost more than they save.
MIN_LINES_FOR_WORKERS = 3000
CHUNKS_PER_WORKER = 4
#: The columns :func:`lettrage.passes.subset.subset_pass` reads.
LINE_COLUMNS = ["line", "account", "aux", "party_id", "date", "amount", "currency",
                "currency_amount", "held"]

#: The inputs shared by the tasks of a worker process (set in the worker only).
_inputs: tuple | None = None


def run_subset_pass(
    remaining: pd.DataFrame,
    windows: pd.Series,
    documents: pd.DataFrame,
    cites: pd.DataFrame,
    settings: SubsetSettings,
    company_currency: str,
    jobs: int,
) -> tuple[PassOutput, pd.DataFrame, list[str]]:
    """:func:`lettrage.passes.subset.subset_pass`, in ``jobs`` processes when worth it."""
    if jobs <= 1 or len(remaining) < MIN_LINES_FOR_WORKERS:
        return subset_pass(remaining, windows, documents, cites, settings, company_currency)
    chunks = _chunks(remaining, jobs * CHUNKS_PER_WORKER)
    columns = [c for c in LINE_COLUMNS if c in remaining.columns]
    searched = remaining["line"]
    shared = (remaining[columns], windows, documents.loc[documents["line"].isin(searched), ["line", "key"]],
              cites.loc[cites["line"].isin(searched),
                        [c for c in ("line", "key", "near") if c in cites.columns]],
              settings, company_currency)
    log.info("subset pass: %d chunks of third parties in %d processes", len(chunks), jobs)
    with ProcessPoolExecutor(max_workers=jobs, initializer=_receive, initargs=shared) as pool:
        outcomes = list(pool.map(_run, chunks))
    return _merge(outcomes)


def _receive(*inputs: object) -> None:
    """Keep the inputs of the pass in this worker process."""
    global _inputs
    _inputs = inputs


def _run(parties: np.ndarray) -> tuple[PassOutput, pd.DataFrame, list[str]]:
    """The subset pass on the lines of ``parties`` (a chunk) of the worker's inputs."""
    remaining, windows, documents, cites, settings, company_currency = _inputs
    part = remaining[remaining["party_id"].isin(parties)]
    lines = part["line"]
    return subset_pass(part, windows[windows.index.isin(parties)],
                       documents[documents["line"].isin(lines)], cites[cites["line"].isin(lines)],
                       settings, company_currency)


def _chunks(remaining: pd.DataFrame, count: int) -> list[np.ndarray]:
    """Third parties split into ``count`` chunks of similar line counts (deterministic): the
    largest first, each to the least loaded chunk (the first of equally loaded ones)."""
    sizes = remaining.groupby("party_id").size().sort_index()
    order = np.argsort(-sizes.to_numpy(), kind="stable")
    loads = [(0, target) for target in range(count)]  # a heap: least load, then first chunk
    members: list[list[int]] = [[] for _ in range(count)]
    for size, party in zip(sizes.to_numpy()[order].tolist(), sizes.index.to_numpy()[order].tolist()):
        load, target = loads[0]
        heapq.heapreplace(loads, (load + size, target))
        members[target].append(int(party))
    return [np.array(sorted(m), dtype=np.int64) for m in members if m]


def _merge(outcomes: list[tuple[PassOutput, pd.DataFrame, list[str]]]) -> tuple[PassOutput, pd.DataFrame, list[str]]:
    groups, members, proposals, messages = [], [], [], []
    offset = 0
    for output, proposal, message in outcomes:
        groups.append(output.groups.assign(group=output.groups["group"] + offset))
        members.append(output.members.assign(group=output.members["group"] + offset))
        offset += len(output.groups)
        proposals.append(proposal)
        messages.extend(message)
    return (PassOutput(groups=pd.concat(groups, ignore_index=True),
                       members=pd.concat(members, ignore_index=True)),
            pd.concat(proposals, ignore_index=True), messages)
