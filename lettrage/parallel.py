"""Run the lettering passes over third parties in worker processes.

Third parties are independent, so the work is split into chunks of whole third parties, each
run by the same pure function (:func:`lettrage.party_passes.letter_parties`); each pass's
groups are then numbered in the order of their first lines, so the groups, letters and
proposals do not depend on the number of processes (the order of run messages may).

Each worker receives the inputs once, when it starts (inherited, not pickled, where processes
are forked); a task is then just a chunk's third parties, whose lines the worker selects
itself. This process letters the first chunk itself: one process fewer, whose copies of this
process's pages (copy-on-write) would add to the peak memory.
"""
from __future__ import annotations

import ctypes
import gc
import heapq
import logging
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

import numpy as np
import pandas as pd

from lettrage.arrays import counted, numbers_in
from lettrage.party_passes import PASS_ORDER, PartyLettering, letter_parties
from lettrage.passes.base import PassOutput, in_line_order
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
    cited_elsewhere: np.ndarray | None = None,
) -> PartyLettering:
    """:func:`lettrage.party_passes.letter_parties`, in ``jobs`` processes when worth it;
    each pass's groups numbered in the order of their first lines."""
    if jobs <= 1 or len(open_lines) < MIN_LINES_FOR_WORKERS:
        found = letter_parties(open_lines, kept, documents, cites, links, settings,
                               cited_elsewhere=cited_elsewhere)
        return _merge([found])
    chunks = _chunks(open_lines, jobs * CHUNKS_PER_WORKER)
    shared = (open_lines, kept, documents, cites, links, settings, cited_elsewhere)
    log.info("%d chunks of third parties in %d processes", len(chunks), jobs)
    with forking(), ProcessPoolExecutor(max_workers=jobs - 1, mp_context=_fork_context(),
                                        initializer=_receive, initargs=shared) as pool:
        theirs = [pool.submit(_run, chunk) for chunk in chunks[1:]]
        mine = _letter_chunk(shared, chunks[0])
        return _merge([mine, *(future.result() for future in theirs)])


def _fork_context() -> multiprocessing.context.BaseContext:
    """Forked processes where the system has them (they inherit the inputs), else the
    default way."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


@contextmanager
def forking() -> Iterator[None]:
    """Around the forking of worker processes: the objects made so far kept out of the
    garbage collector's passes, and the heap's free pages handed back to the system, so that
    the workers copy fewer of this process's pages (copy-on-write)."""
    gc.freeze()
    _malloc_trim()
    try:
        yield
    finally:
        gc.unfreeze()


def _malloc_trim() -> None:
    """glibc's ``malloc_trim(0)``, where there is one."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError):  # not glibc
        pass


def _receive(*inputs: object) -> None:
    """Keep the inputs of the passes in this worker process."""
    global _inputs
    _inputs = inputs


def _run(parties: np.ndarray) -> PartyLettering:
    """The passes on the lines of ``parties`` (a chunk) of the worker's inputs."""
    return _letter_chunk(_inputs, parties)


def _letter_chunk(inputs: tuple, parties: np.ndarray) -> PartyLettering:
    """The passes on the lines of ``parties`` (a chunk) of ``inputs``."""
    open_lines, kept, documents, cites, links, settings, cited_elsewhere = inputs
    with collector_paused():
        return letter_parties(open_lines[numbers_in(open_lines["party_id"], parties)],
                              kept[numbers_in(kept["party_id"], parties)], documents, cites,
                              links, settings, cited_elsewhere=cited_elsewhere)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused, then as it was. The passes make many short-lived
    Python objects (tuples, candidates) and hardly a reference cycle: reference counting
    frees them all the same, and the collector's passes over them cost 0.1-0.15 s a chunk at
    10^6 lines (about 10-25 MB more at the peak without them)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _chunks(open_lines: pd.DataFrame, count: int) -> list[np.ndarray]:
    """Third parties split into ``count`` chunks of similar line counts (see
    :func:`balanced_parts`), each chunk's third parties in order."""
    parties, sizes, _ = counted(open_lines["party_id"].to_numpy(dtype=np.int64))
    part = balanced_parts(sizes, count)
    return [parties[part == target] for target in range(count) if (part == target).any()]


def balanced_parts(sizes: np.ndarray, count: int) -> np.ndarray:
    """The part (0 to ``count - 1``) of each of some third parties of ``sizes`` lines, for
    parts of similar line counts (deterministic): the largest first, each to the least
    loaded part (the first of equally loaded ones). Customers and suppliers, large and small
    third parties, so end up mixed in every part."""
    order = np.argsort(-np.asarray(sizes), kind="stable")
    loads = [(0, target) for target in range(count)]  # a heap: least load, then first part
    part = np.empty(len(order), dtype=np.int64)
    for size, index in zip(np.asarray(sizes)[order].tolist(), order.tolist()):
        load, target = loads[0]
        heapq.heapreplace(loads, (load + size, target))
        part[index] = target
    return part


def _merge(found: list[PartyLettering]) -> PartyLettering:
    """The chunks' findings as one, pass by pass, groups in the order of their first lines;
    proposals in the order of their first lines too."""
    outputs = [_merged([part.outputs[index] for part in found]) for index in range(len(PASS_ORDER))]
    proposals = pd.concat([part.proposals for part in found], ignore_index=True)
    if len(proposals):
        first = np.array([min(lines) for lines in proposals["lines"]], dtype=np.int64)
        proposals = proposals.take(np.argsort(first, kind="stable")).reset_index(drop=True)
    pairs = pd.concat([part.pairs for part in found], ignore_index=True)
    if len(pairs):  # each part's are in anchor order: so are all of them
        pairs = pairs.take(np.argsort(pairs["anchor"].to_numpy(), kind="stable")).reset_index(drop=True)
    return PartyLettering(outputs, proposals, pairs, [m for part in found for m in part.messages])


def _merged(outputs: list[PassOutput]) -> PassOutput:
    """One pass's outputs of the chunks as one, its groups in the order of their first lines
    (each output's group ids shifted past the previous ones')."""
    groups = pd.concat([output.groups for output in outputs], ignore_index=True)
    members = pd.concat([output.members for output in outputs], ignore_index=True)
    if groups.empty:
        return PassOutput(groups=groups, members=members)
    offsets = np.cumsum([0] + [len(output.groups) for output in outputs[:-1]]).tolist()
    return in_line_order(
        groups, np.concatenate([output.groups["group"].to_numpy(dtype=np.int64) + offset
                                for output, offset in zip(outputs, offsets)]),
        members, np.concatenate([output.members["group"].to_numpy(dtype=np.int64) + offset
                                 for output, offset in zip(outputs, offsets)]))
