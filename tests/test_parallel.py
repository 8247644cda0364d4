"""The lettering passes split between processes: the same groups, ids, letters, proposals and
write-offs whatever the number of processes, because each third party's lettering depends
on that third party alone."""
from __future__ import annotations

import importlib.util
import multiprocessing
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lettrage
from lettrage import engine, parallel
from lettrage.foreign_citations import near_citations_elsewhere
from lettrage.party_passes import KEPT_COLUMNS, PASS_ORDER, letter_parties
from lettrage.passes.base import PassOutput
from lettrage.references import cited_by_other_parties, citation_links, references_and_piece_keys
from lettrage.settings import Settings

_PATH = Path(__file__).resolve().parents[1] / "datasets" / "generator.py"
_SPEC = importlib.util.spec_from_file_location("lettrage_generator_parallel", _PATH)
gen = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(gen)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> pd.DataFrame:
    text, _ = gen.generate(6000, 7)
    path = tmp_path_factory.mktemp("parallel") / "123456789FEC20251231.txt"
    path.write_bytes(text.encode("utf-8"))
    return lettrage.read_fec(path)


def _inputs(ledger: pd.DataFrame, settings: Settings):
    """What the engine gives the lettering passes."""
    selected = engine._prepare(ledger, settings)
    documents, cites, piece_keys = references_and_piece_keys(selected)
    cites = pd.concat([cites, near_citations_elsewhere(selected, documents, cites).assign(near=True)],
                      ignore_index=True)
    is_open = selected["open"].to_numpy(dtype=bool)
    open_lines = selected.loc[is_open].assign(ref_key=piece_keys[is_open])
    kept = selected.loc[(selected["letter"] != "").to_numpy(), KEPT_COLUMNS]
    links = citation_links(documents, cites)
    assert len(cited_by_other_parties(selected, links))  # the generator's misposted payments
    return open_lines, kept, documents, cites, links


@pytest.mark.parametrize("tolerance", ["0", "1.00"])
def test_same_result_whatever_the_number_of_processes(ledger, monkeypatch, tolerance):
    monkeypatch.setattr(parallel, "MIN_LINES_FOR_WORKERS", 0)
    monkeypatch.setattr(engine, "MIN_LINES_TO_REVIEW_APART", 0)  # the review in a child
    one = lettrage.match(ledger, jobs=1, tolerance=tolerance)
    assert len(one.groups) > 500 and (one.groups["gap"] != 0).any()
    for jobs in (2, 3):
        again = lettrage.match(ledger, jobs=jobs, tolerance=tolerance)
        pd.testing.assert_frame_equal(again.groups, one.groups)  # group ids included
        pd.testing.assert_frame_equal(again.lines, one.lines)
        pd.testing.assert_frame_equal(again.review, one.review)
        pd.testing.assert_frame_equal(again.writeoffs, one.writeoffs)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_the_review_pass_runs_in_a_child_beside_the_result(ledger, monkeypatch, tmp_path):
    reviewers = tmp_path / "reviewers.txt"

    def noted(*args, **kwargs):
        with reviewers.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return engine_review_pass(*args, **kwargs)

    engine_review_pass = engine.review_pass
    monkeypatch.setattr(engine, "review_pass", noted)
    monkeypatch.setattr(engine, "MIN_LINES_TO_REVIEW_APART", 0)
    lettrage.match(ledger, jobs=2)
    monkeypatch.setattr(engine, "MIN_LINES_TO_REVIEW_APART", len(ledger) + 1)
    lettrage.match(ledger, jobs=2)
    first, second = reviewers.read_text().split()
    assert int(first) != os.getpid() and int(second) == os.getpid()


def test_the_file_written_while_the_review_runs_is_the_result_file(ledger, monkeypatch, tmp_path):
    monkeypatch.setattr(engine, "MIN_LINES_TO_REVIEW_APART", 0)
    with engine.start_match(ledger, jobs=2) as run:
        early = lettrage.write_fec(run, tmp_path / "early.txt")
        assert "proposed" not in set(run.lines["status"])  # statuses come with the review
        result = run.result()
    late = lettrage.write_fec(result, tmp_path / "late.txt")
    assert early == late > 1000
    assert (tmp_path / "early.txt").read_bytes() == (tmp_path / "late.txt").read_bytes()
    pd.testing.assert_frame_equal(result.lines, lettrage.match(ledger, jobs=1).lines)
    assert (result.lines["status"] == "proposed").sum() > 100


def test_parties_lettered_apart_find_what_they_find_together(ledger):
    """The chain on two halves of the third parties, merged, is the chain on all of them:
    no pass reads another third party's lines."""
    settings = Settings.from_mapping({"tolerance": "1.00"})
    open_lines, kept, documents, cites, links = _inputs(ledger, settings)
    elsewhere = cited_by_other_parties(engine._prepare(ledger, settings), links)
    together = parallel._merge([letter_parties(open_lines, kept, documents, cites, links, settings,
                                               cited_elsewhere=elsewhere)])
    parties = np.unique(open_lines["party_id"].to_numpy())
    odd = np.isin(open_lines["party_id"], parties[1::2])
    odd_kept = np.isin(kept["party_id"], parties[1::2])
    halves = [letter_parties(open_lines[mask], kept[kept_mask], documents, cites, links, settings,
                             cited_elsewhere=elsewhere)
              for mask, kept_mask in ((odd, odd_kept), (~odd, ~odd_kept))]
    apart = parallel._merge(halves)
    assert len(together.outputs) == len(PASS_ORDER)
    # (an empty half's text columns are of another dtype: the values are compared)
    for name, whole, split in zip(PASS_ORDER, together.outputs, apart.outputs):
        pd.testing.assert_frame_equal(split.groups, whole.groups, obj=name, check_dtype=False)
        pd.testing.assert_frame_equal(split.members, whole.members, obj=name)
    pd.testing.assert_frame_equal(apart.proposals, together.proposals, check_dtype=False)
    pd.testing.assert_frame_equal(apart.pairs, together.pairs, check_dtype=False)
    assert len(together.pairs) > 50
    assert sum(len(output.groups) for output in together.outputs) > 500


def test_chunks_hold_every_third_party_once_and_are_balanced():
    lines = pd.DataFrame({"party_id": np.repeat(np.arange(10), [50, 1, 1, 30, 2, 2, 20, 3, 3, 10])})
    chunks = parallel._chunks(lines, 3)
    assert sorted(np.concatenate(chunks).tolist()) == list(range(10))
    loads = [int(lines["party_id"].isin(chunk).sum()) for chunk in chunks]
    assert max(loads) == 50 and sorted(loads) == [36, 36, 50]
    assert [chunk.tolist() for chunk in parallel._chunks(lines, 3)] == [chunk.tolist() for chunk in chunks]


def test_groups_numbered_in_the_order_of_their_first_lines():
    output = PassOutput(
        groups=pd.DataFrame({"group": [0, 1, 2], "pass": "subset", "gap": [0, 5, 0],
                             "currency": "", "reason": ["a", "b", "c"]}),
        members=pd.DataFrame({"group": [0, 0, 1, 1, 2, 2], "line": [30, 9, 4, 12, 20, 21]}))
    ordered = output.in_line_order()
    assert ordered.groups["reason"].tolist() == ["b", "a", "c"]
    assert ordered.groups["group"].tolist() == [0, 1, 2]
    assert ordered.members.values.tolist() == [[0, 4], [0, 12], [1, 9], [1, 30], [2, 20], [2, 21]]
    assert PassOutput().in_line_order().groups.empty


def test_pairs_made_per_third_party_are_the_review_pass_own(ledger, monkeypatch):
    """The review's pairs, made in the lettering chain third party by third party, are those
    the review pass makes of all the lines at once."""
    from lettrage.passes import review

    compared = []

    def both(lines, documents, cites, tied, settings, *, pairs=None):
        given = review.review_pass(lines, documents, cites, tied, settings, pairs=pairs)
        own = review.review_pass(lines, documents, cites, tied, settings)
        pd.testing.assert_frame_equal(given, own)
        compared.append(len(pairs))
        return given

    monkeypatch.setattr(engine, "review_pass", both)
    monkeypatch.setattr(parallel, "MIN_LINES_FOR_WORKERS", 0)
    for jobs in (1, 2):
        lettrage.match(ledger, jobs=jobs, tolerance="1.00")
    assert len(compared) == 2 and min(compared) > 50


def test_subset_search_by_blocks_finds_what_one_search_finds(ledger, monkeypatch):
    """The subset pass searches third parties in blocks of a bounded number of lines (for
    memory): blocks of any size give the same groups and proposals."""
    from lettrage.passes import subset

    settings = Settings.from_mapping({"tolerance": "1.00"})
    open_lines, kept, documents, cites, links = _inputs(ledger, settings)
    found = {}
    for rows in (1_000_000, 300, 1):
        monkeypatch.setattr(subset, "MAX_ROWS_PER_SEARCH", rows)
        found[rows] = letter_parties(open_lines, kept, documents, cites, links, settings)
    whole = found[1_000_000]
    assert len(whole.outputs[PASS_ORDER.index("subset")].groups) > 100
    for rows in (300, 1):
        for name, a, b in zip(PASS_ORDER, found[rows].outputs, whole.outputs):
            pd.testing.assert_frame_equal(a.groups, b.groups, obj=name)
            pd.testing.assert_frame_equal(a.members, b.members, obj=name)
        pd.testing.assert_frame_equal(found[rows].proposals, whole.proposals)


def test_the_parent_letters_a_chunk_and_forks_one_worker_fewer(ledger, monkeypatch):
    """With two processes, one worker is forked: this process letters the first chunk."""
    monkeypatch.setattr(parallel, "MIN_LINES_FOR_WORKERS", 0)
    started = []
    real = parallel.ProcessPoolExecutor

    def counting(*args, max_workers, **kwargs):
        started.append(max_workers)
        return real(*args, max_workers=max_workers, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", counting)
    lettrage.match(ledger, jobs=2)
    assert started == [1]


def test_a_document_another_third_party_cites_never_closes_a_group():
    """Whether a payment of another third party citing the document is searched with it
    depends on how the third parties are split between processes (seen at 10^7 lines: a
    cheque numbered like another supplier's invoice): so it always counts, searched or not."""
    from lettrage.passes.subset import Evidence

    documents = pd.DataFrame({"line": [1], "key": ["F1462227"]})
    cites = pd.DataFrame({"line": [2, 3], "key": ["F1462227", "F1462227"], "near": [False, False]})
    assert Evidence(documents, cites).closes([1, 2, 3])
    assert Evidence(documents, cites, cited_elsewhere=np.array([7])).closes([1, 2, 3])
    assert not Evidence(documents, cites, cited_elsewhere=np.array([1])).closes([1, 2, 3])


def test_lines_cited_by_another_third_party():
    lines = pd.DataFrame({"line": [1, 2, 3, 4], "party_id": [0, 0, 1, 1]})
    links = (np.array([2, 3, 4]), np.array([1, 1, 3]), np.array([False, True, False]))
    assert cited_by_other_parties(lines, links).tolist() == [1]  # 3 cites 1; 4 cites its own
    assert cited_by_other_parties(lines, None).tolist() == []


def test_the_collector_is_paused_for_a_chunk_and_restored(monkeypatch):
    import gc

    seen = []
    monkeypatch.setattr(parallel, "letter_parties", lambda *args, **kwargs: seen.append(gc.isenabled()))
    lines = pd.DataFrame({"party_id": np.array([1, 2], dtype=np.int64)})
    inputs = (lines, lines, None, None, None, None, None)
    was = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            parallel._letter_chunk(inputs, np.array([1]))
            assert gc.isenabled() is enabled
        with pytest.raises(ZeroDivisionError), parallel.collector_paused():
            1 / 0
        assert not gc.isenabled()  # as it was before the block
    finally:
        (gc.enable if was else gc.disable)()
    assert seen == [False, False]
