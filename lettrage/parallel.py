"""Run the lettering passes over third parties in worker processes.

Third parties are independent, so the work is split into chunks of whole third parties, each
run by the same pure function (:func:`lettrage.party_passes.letter_parties`); each pass's
groups are then numbered in the order of their first lines, so the groups, letters and
proposals do not depend on the number of processes (the order of run messages may).

Each worker receives the inputs once, when it starts (inherited, not pickled, where processes
are forked); a task is then just a chunk's third parties, whose lines the worker selects
itself.
"""
from __future__ import annotations

import heapq
import logging
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from lettrage.party_passes import PASS_ORDER, PartyLettering, letter_parties
from lettrage.passes.base import PassOutput
from lettrage.settings import Settings

log = logging.getLogger(__name__)

#: Below this many open lines, worker processes cost more than they save.
MIN_LINES_FOR_WORKERS = 3000
#: One chunk a process: each chunk costs a fixed part (pandas calls on small frames), and
#: chunks of as many lines take about as long (at 10^6 lines, 2 chunks took 5.8 s and 4
#: chunks 6.2-6.3 s, twice each; 8 chunks cost 2 s more than one, in one process).
CHUNKS_PER_WORKER = 1

#: The inputs shared by the tasks of a worker process (set in the worker only).
_inputs: tuple | None = None


def run_party_passes(
    open_lines: pd.DataFrame,
    kept: pd.DataFrame,
    documents: pd.DataFrame,
    cites: pd.DataFrame,
    links: tuple[np.ndarray, ...] | None,
    settings: Settings,
    jobs: int,
) -> PartyLettering:
    """:func:`lettrage.party_passes.letter_parties`, in ``jobs`` processes when worth it;
    each pass's groups numbered in the order of their first lines."""
    if jobs <= 1 or len(open_lines) < MIN_LINES_FOR_WORKERS:
        found = letter_parties(open_lines, kept, documents, cites, links, settings)
        return _merge([found])
    chunks = _chunks(open_lines, jobs * CHUNKS_PER_WORKER)
    shared = (open_lines, kept, documents, cites, links, settings)
    log.info("%d chunks of third parties in %d processes", len(chunks), jobs)
    with ProcessPoolExecutor(max_workers=jobs, initializer=_receive, initargs=shared) as pool:
        return _merge(list(pool.map(_run, chunks)))


def _receive(*inputs: object) -> None:
    """Keep the inputs of the passes in this worker process."""
    global _inputs
    _inputs = inputs


def _run(parties: np.ndarray) -> PartyLettering:
    """The passes on the lines of ``parties`` (a chunk) of the worker's inputs."""
    open_lines, kept, documents, cites, links, settings = _inputs
    return letter_parties(open_lines[open_lines["party_id"].isin(parties)],
                          kept[kept["party_id"].isin(parties)], documents, cites, links, settings)


def _chunks(open_lines: pd.DataFrame, count: int) -> list[np.ndarray]:
    """Third parties split into ``count`` chunks of similar line counts (deterministic): the
    largest first, each to the least loaded chunk (the first of equally loaded ones)."""
    sizes = open_lines.groupby("party_id").size().sort_index()
    order = np.argsort(-sizes.to_numpy(), kind="stable")
    loads = [(0, target) for target in range(count)]  # a heap: least load, then first chunk
    members: list[list[int]] = [[] for _ in range(count)]
    for size, party in zip(sizes.to_numpy()[order].tolist(), sizes.index.to_numpy()[order].tolist()):
        load, target = loads[0]
        heapq.heapreplace(loads, (load + size, target))
        members[target].append(int(party))
    return [np.array(sorted(m), dtype=np.int64) for m in members if m]


def _merge(found: list[PartyLettering]) -> PartyLettering:
    """The chunks' findings as one, pass by pass, groups in the order of their first lines;
    proposals in the order of their first lines too."""
    outputs = []
    for index in range(len(PASS_ORDER)):
        groups, members, offset = [], [], 0
        for part in found:
            output = part.outputs[index]
            groups.append(output.groups.assign(group=output.groups["group"] + offset))
            members.append(output.members.assign(group=output.members["group"] + offset))
            offset += len(output.groups)
        outputs.append(PassOutput(groups=pd.concat(groups, ignore_index=True),
                                  members=pd.concat(members, ignore_index=True)).in_line_order())
    proposals = pd.concat([part.proposals for part in found], ignore_index=True)
    if len(proposals):
        first = np.array([min(lines) for lines in proposals["lines"]], dtype=np.int64)
        proposals = proposals.iloc[np.argsort(first, kind="stable")].reset_index(drop=True)
    pairs = pd.concat([part.pairs for part in found], ignore_index=True)
    if len(pairs):  # each part's are in anchor order: so are all of them
        pairs = pairs.sort_values("anchor", kind="stable", ignore_index=True)
    return PartyLettering(outputs, proposals, pairs, [m for part in found for m in part.messages])
