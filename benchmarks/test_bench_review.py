"""Speed of the review pass: proposals per second on 10⁴ and 10⁵ open lines.

    pytest benchmarks/test_bench_review.py --benchmark-enable

A generated ledger is read and every third-party line of it is treated as open, so the review
pass has about 10⁴ (or 10⁵) open lines to propose for — the worst case, where nothing was
lettered first. ``extra_info`` records the open lines, the proposals and the proposals per
second. The result is checked: every exact 1:1 pair of the truth with a reference (situation
1) must be the first proposal of its settlement, and proposals stay inside one third party
(the misallocated ones aside). CI runs the 10⁴ case once with ``--benchmark-disable``.
"""
from __future__ import annotations

import pandas as pd
import pytest
from generated_quality import load_generator

import lettrage
from lettrage.engine import _prepare
from lettrage.party_passes import review_settings
from lettrage.passes.review import review_pass
from lettrage.references import citations, document_keys
from lettrage.settings import Settings

generator = load_generator()
NO_TIES = pd.DataFrame({"kind": [], "lines": [], "party_id": [], "gap": [], "reason": []})


@pytest.fixture(scope="module", params=[pytest.param(26_000, id="1e4"),
                                        pytest.param(260_000, id="1e5")])
def all_open(request, tmp_path_factory):
    lines = request.param
    config = request.config
    if lines > 30_000 and config.getoption("benchmark_disable") and not config.getoption("benchmark_enable"):
        pytest.skip("10⁵ open lines: run with --benchmark-enable")
    folder = tmp_path_factory.mktemp(f"review{lines}")
    path, truth_path = folder / "123456789FEC20251231.txt", folder / "truth.csv"
    generator.write(lines, 5, path, truth_path)
    ledger = lettrage.read_fec(path)
    selected = _prepare(ledger, Settings())
    documents = document_keys(selected)
    cites = citations(selected, documents)
    opened = selected.assign(kept=False, left=selected["amount"] != 0, letter="")
    truth = pd.read_csv(truth_path, dtype={"group": str, "aux": str, "account": str})
    return opened, documents, cites, truth


def test_review_pass_proposals_per_second(benchmark, all_open):
    lines, documents, cites, truth = all_open
    settings = review_settings(Settings())

    def review():
        return review_pass(lines, documents, cites, NO_TIES, settings)

    proposals = benchmark(review)
    parties = lines.set_index("line")["party_id"]
    for kind, group, party in zip(proposals["kind"], proposals["lines"], proposals["party_id"]):
        if kind != "misallocated":
            assert set(parties.reindex(list(group))) == {party}
    first = proposals[proposals["rank"] == 1]
    top = dict(zip(first["anchor"], first["lines"]))
    pairs = truth[truth["situation"] == 1].groupby("group")["line"].agg(lambda ls: tuple(sorted(ls)))
    settled = sum(top.get(max(pair)) == pair or top.get(min(pair)) == pair for pair in pairs)
    assert settled >= 0.95 * len(pairs), f"{settled} of {len(pairs)} true pairs ranked first"
    benchmark.extra_info["open_lines"] = int(lines["left"].sum())
    benchmark.extra_info["proposals"] = len(proposals)
    if benchmark.stats is not None:
        per_second = len(proposals) / benchmark.stats.stats.median
        benchmark.extra_info["proposals_per_second"] = round(per_second)
