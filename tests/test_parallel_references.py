"""References read by parts of third parties (lettrage/parallel_references.py): the same
documents, citations and PieceRef keys, row for row, as read all at once."""
from __future__ import annotations

import importlib.util
import multiprocessing
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lettrage
from lettrage import engine, parallel_references
from lettrage.parallel_references import _parts, references_in_processes
from lettrage.references import (
    ReferencesOfParties,
    citations_of_parts,
    documents_of_parts,
    piece_keys_of_parts,
    references_and_piece_keys,
)
from lettrage.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
_SPEC = importlib.util.spec_from_file_location("lettrage_generator_refs", ROOT / "datasets" / "generator.py")
gen = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(gen)
REAL = sorted((ROOT / "datasets" / "fec-neolegal").glob("*FEC*"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> pd.DataFrame:
    text, _ = gen.generate(6000, 11)
    path = tmp_path_factory.mktemp("refs") / "123456789FEC20251231.txt"
    path.write_bytes(text.encode("utf-8"))
    return engine._prepare(lettrage.read_fec(path), Settings())


def _by_parts(lines: pd.DataFrame, count: int):
    """What :func:`references_in_processes` joins, each part read in this process."""
    rows = _parts(lines["party_id"].to_numpy(), count)
    parts = [ReferencesOfParties(lines.iloc[r]) for r in rows]
    documents = documents_of_parts(lines, [part.own_keys() for part in parts])
    found = [part.citations(documents) for part in parts]
    return (documents, citations_of_parts(lines, [(cites, near) for cites, near, _ in found]),
            piece_keys_of_parts(lines, rows, [keys for _, _, keys in found]))


def _assert_same(found, expected) -> None:
    pd.testing.assert_frame_equal(found[0], expected[0])
    pd.testing.assert_frame_equal(found[1], expected[1])
    assert type(found[2]) is type(expected[2])
    assert list(found[2]) == list(expected[2])


def test_parts_split_whole_third_parties_in_line_order():
    parties = np.array([0, 0, 1, 2, 2, 2, 3, 4, 4, 5])
    rows = _parts(parties, 3)
    assert sorted(np.concatenate(rows).tolist()) == list(range(10))
    assert all((np.diff(part) > 0).all() for part in rows)  # line order within a part
    for part in rows:  # no third party in two parts
        assert not set(parties[part]) & set(np.concatenate([parties[r] for r in rows if r is not part]))
    assert len(_parts(parties, 20)) == 6  # never an empty part


@pytest.mark.parametrize("count", [2, 3, 7])
def test_parts_read_apart_give_the_references_read_together(generated, count):
    expected = references_and_piece_keys(generated)
    assert len(expected[0]) > 1000 and expected[1]["near"].any() and (~expected[1]["near"]).any()
    _assert_same(_by_parts(generated, count), expected)


@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_real_files_read_by_parts(path):
    lines = engine._prepare(lettrage.read_fec(path), Settings())
    _assert_same(_by_parts(lines, 2), references_and_piece_keys(lines))


def test_missing_piece_refs_keep_their_keys(generated):
    lines = generated.assign(piece_ref=generated["piece_ref"].astype(object).where(
        np.arange(len(generated)) % 7 != 0, None))
    expected = references_and_piece_keys(lines)
    assert isinstance(expected[2], np.ndarray)  # the keys of missing texts: "NAN"
    _assert_same(_by_parts(lines, 3), expected)


@pytest.mark.parametrize("jobs", [2, 3])
def test_worker_processes_give_the_same_references(generated, monkeypatch, jobs):
    monkeypatch.setattr(parallel_references, "MIN_LINES_FOR_WORKERS", 0)
    _assert_same(references_in_processes(generated, jobs), references_and_piece_keys(generated))
    assert not multiprocessing.active_children()


def test_a_failing_worker_is_an_error_here(generated, monkeypatch):
    monkeypatch.setattr(parallel_references, "MIN_LINES_FOR_WORKERS", 0)
    parent = os.getpid()
    citations = ReferencesOfParties.citations

    def failing(self, documents):
        if os.getpid() != parent:
            raise ValueError("boom in a worker")
        return citations(self, documents)

    monkeypatch.setattr(ReferencesOfParties, "citations", failing)
    with pytest.raises(RuntimeError, match="ValueError: boom in a worker"):
        references_in_processes(generated, 2)
    assert not multiprocessing.active_children()
