"""Read the references of the third-party lines in worker processes.

Most of the work — folding the texts, finding each line's own keys, its citations — is done
line by line, but two steps need the whole ledger: which keys are documents (a key carried
by one third party only), and which documents a line cites (anywhere in the ledger). So the
third parties are split into parts, one a process (this one takes the first), and each part
is read in two steps (:class:`lettrage.references.ReferencesOfParties`): its own keys, sent
here to make the ledger's documents, sent back for its citations. Each process keeps its
folded texts between the two steps. The joined frames are those of
:func:`lettrage.references.references_and_piece_keys`, row for row.

Worker processes are forked (they inherit the lines, nothing is pickled to them but the
documents and their codes, :class:`lettrage.references.DocumentCodes`, which spare each part
hashing the documents' keys and numbers again); where ``fork`` is not available, the
references are read in this process.
"""
from __future__ import annotations

import logging
import multiprocessing
from multiprocessing.connection import Connection

import numpy as np
import pandas as pd

from lettrage.arrays import counted
from lettrage.parallel import balanced_parts, forking
from lettrage.references import (
    ReferencesOfParties,
    citations_of_parts,
    coded_documents_of_parts,
    piece_keys_of_parts,
    references_and_piece_keys,
)

log = logging.getLogger(__name__)

#: Below this many third-party lines, a worker process costs more than it saves.
MIN_LINES_FOR_WORKERS = 20_000
#: The columns the references read (the others are not copied into the parts).
_READ = ("line", "party_id", "invoice_side", "piece_ref", "invoice_number", "label")


def references_in_processes(lines: pd.DataFrame, jobs: int) -> tuple[pd.DataFrame, pd.DataFrame, object]:
    """:func:`lettrage.references.references_and_piece_keys` of ``lines`` (in line order,
    with ``party_id``), in ``jobs`` processes when worth it."""
    if jobs <= 1 or len(lines) < MIN_LINES_FOR_WORKERS or "fork" not in multiprocessing.get_all_start_methods():
        return references_and_piece_keys(lines)
    rows = _parts(lines["party_id"].to_numpy(), jobs)
    context = multiprocessing.get_context("fork")
    workers: list[tuple[multiprocessing.Process, Connection]] = []
    try:
        with forking():
            for part in rows[1:]:
                ours, theirs = context.Pipe()
                process = context.Process(target=_serve, args=(lines, part, theirs), daemon=True)
                process.start()
                theirs.close()
                workers.append((process, ours))
        mine = ReferencesOfParties(_part(lines, rows[0]))
        owns = [mine.own_keys(), *(_answer(connection) for _, connection in workers)]
        documents, mine.codes = coded_documents_of_parts(lines, owns)
        for _, connection in workers:
            connection.send((documents, mine.codes))
        found = [mine.citations(documents), *(_answer(connection) for _, connection in workers)]
        # joined while the workers exit (a forked process takes a while to end)
        cites = citations_of_parts(lines, [(cites, near) for cites, near, _ in found])
        keys = piece_keys_of_parts(lines, rows, [keys for _, _, keys in found])
    finally:
        for process, connection in workers:
            connection.close()
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
    return documents, cites, keys


def _parts(parties: np.ndarray, count: int) -> list[np.ndarray]:
    """The row positions of ``count`` parts of whole third parties, of about as many rows
    each (in line order within a part), customers and suppliers mixed in each
    (:func:`lettrage.parallel.balanced_parts`): cut in two by account, the suppliers' half
    took a third more time than the customers'."""
    _, sizes, party_of = counted(parties)
    part_of = balanced_parts(sizes, count)[party_of]
    return [np.flatnonzero(part_of == k) for k in range(count) if (part_of == k).any()]


def _part(lines: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """The rows of ``lines`` at ``rows``, with the columns the references read."""
    return lines.iloc[rows, [lines.columns.get_loc(column) for column in _READ if column in lines.columns]]


def _serve(lines: pd.DataFrame, rows: np.ndarray, connection: Connection) -> None:
    """A worker: the own keys of its part, then, given the documents, its citations."""
    try:
        part = ReferencesOfParties(_part(lines, rows))
        connection.send(("ok", part.own_keys()))
        documents, part.codes = connection.recv()
        connection.send(("ok", part.citations(documents)))
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
        try:
            connection.send(("error", f"{type(exc).__name__}: {exc}"))
        except OSError:  # the parent has stopped listening: it has its own error to tell
            pass
    finally:
        connection.close()


def _answer(connection: Connection) -> object:
    """What a worker sent, or the error it met."""
    try:
        status, value = connection.recv()
    except EOFError:
        raise RuntimeError("a worker process reading references stopped without an answer") from None
    if status != "ok":
        raise RuntimeError(f"a worker process reading references failed: {value}")
    return value
