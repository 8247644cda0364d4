"""Speed of the subset pass on one third party of 10 to 160 open lines.

Each party holds invoices spread over a year and payments that each settle 2 to 4 of them
(so the exact pass has nothing to do). The benchmark times ``search_party`` on the whole
party; ``extra_info`` records the time per payment searched and the share of the payments
lettered. Every lettered group must be a true one: speed never excuses a wrong letter.
The goal (issue 3): a median of at most 1 ms per payment searched, from 10 to 160 lines.
In crowded parties few payments are lettered: many groups are equally good, and a tie
letters nothing.

Run: ``pytest benchmarks/test_bench_subset.py --benchmark-enable``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lettrage.passes.subset import Evidence, SubsetSettings, search_party

NO_EVIDENCE = Evidence(pd.DataFrame({"line": [], "key": []}), pd.DataFrame({"line": [], "key": []}))


def planted_party(open_lines: int, seed: int = 7):
    """Invoices and the payments that settle them, with the true groups."""
    rng = np.random.default_rng(seed)
    amounts, days, truth = [], [], []
    line = 0
    day = 0
    while line < open_lines:
        size = int(rng.integers(2, 5))
        members = []
        total = 0
        for _ in range(size):
            cents = int(rng.lognormal(11, 1))  # about 600.00 on average
            day += int(rng.integers(1, 9))  # an invoice every 4.5 days on average
            amounts.append(cents)
            days.append(day)
            members.append(line)
            total += cents
            line += 1
        amounts.append(-total)
        days.append(day + int(rng.integers(5, 45)))
        members.append(line)
        line += 1
        truth.append(frozenset(members))
    order = np.lexsort((np.arange(len(days)), days))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    truth = {frozenset(int(rank[m]) + 1 for m in group) for group in truth}
    values = np.array(amounts, dtype=np.int64)[order]
    return values, np.array(days, dtype=np.int64)[order], truth


@pytest.mark.parametrize("open_lines", [10, 20, 40, 80, 160])
def test_subset_pass_on_one_party(benchmark, open_lines):
    values, days, truth = planted_party(open_lines)
    lines = np.arange(1, len(values) + 1)
    settings = SubsetSettings()

    def search():
        return search_party(lines, values, values, days, 120, NO_EVIDENCE, settings)

    outcome = benchmark(search)
    lettered = {frozenset(group.lines) for group in outcome.groups}
    assert lettered <= truth, "a lettered group is not a true group"
    payments = int((values < 0).sum())
    if benchmark.stats is not None:
        per_payment_ms = benchmark.stats.stats.median * 1000 / payments
        benchmark.extra_info["ms_per_payment"] = round(per_payment_ms, 3)
    benchmark.extra_info["payments_lettered"] = f"{len(lettered)}/{payments}"
