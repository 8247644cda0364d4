"""The fast searches of the subset pass against slow, obviously correct twins (hypothesis).

- :func:`window_subsets` (every anchor of a party at once) against itertools.combinations
  over the same window rule, on both its paths (subsets listed one by one; heads and tails
  by sum), with its budgets shrunk so that chunks and crowded anchors occur;
- ``_enumerate`` (window search, then the solution limit and the one-by-one fallback)
  against a brute force that keeps, for an anchor with more answers than the limit, the
  first ones in the one-by-one search's order, and marks its window unsure;
- :func:`subsets_in_range` and :func:`first_solutions` against brute force, on both
  methods (direct, meet-in-the-middle);
- ``_judge_all`` against ``_judge`` applied one subset at a time, references included;
- :func:`unique_subset` and :func:`one_for_many` against brute force.
"""
from __future__ import annotations

from decimal import Decimal
from itertools import combinations
from unittest import mock

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lettrage.passes import large_groups, subset_search, window_search
from lettrage.passes.large_groups import one_for_many, unique_subset
from lettrage.passes.subset import (
    Evidence,
    SubsetSettings,
    _enumerate,
    _enumeration_tolerance,
    _judge,
    _judge_all,
)
from lettrage.passes.subset_search import (
    combination_count,
    first_solutions,
    subsets_in_range,
)

# Few distinct amounts: many sums coincide, so ties and crowded anchors are common.
AMOUNTS = [100, 200, 300, 250, 500, 1000, 1001, 999]


@st.composite
def signed_amounts(draw, size, zero=False):
    magnitudes = draw(st.lists(st.sampled_from(AMOUNTS + ([0] if zero else [])),
                               min_size=size, max_size=size))
    signs = draw(st.lists(st.sampled_from([1, -1]), min_size=size, max_size=size))
    return np.array(magnitudes, dtype=np.int64) * np.array(signs, dtype=np.int64)


@st.composite
def parties(draw, max_lines=14):
    """Amounts and sorted day numbers of one third party, and a window in days."""
    size = draw(st.integers(min_value=1, max_value=max_lines))
    values = draw(signed_amounts(size))
    days = np.array(sorted(draw(st.lists(st.integers(0, 40), min_size=size, max_size=size))),
                    dtype=np.int64)
    window = draw(st.integers(0, 30))
    return values, days, window


def _ends(days: np.ndarray, window: int) -> np.ndarray:
    """One past the last line dated within ``window`` days after each line (as the pass)."""
    return np.searchsorted(days, days + window, side="right")


# Budgets of window_search: the defaults, or shrunk so that the heads-and-tails path, small
# chunks and crowded anchors (left to the caller) all occur on a few lines.
budgets = st.fixed_dictionaries({
    "LISTED_SUBSETS": st.sampled_from([window_search.LISTED_SUBSETS, -1]),
    "CHUNK_BUDGET": st.sampled_from([window_search.CHUNK_BUDGET, 1, 5, 30, 200]),
    "PAIRS_PER_ANCHOR": st.sampled_from([window_search.PAIRS_PER_ANCHOR, 0, 0, 2, 10]),
})


def _patched(module, values: dict):
    patches = [mock.patch.object(module, name, value) for name, value in values.items()]

    class _All:
        def __enter__(self):
            for p in patches:
                p.start()

        def __exit__(self, *exc):
            for p in reversed(patches):
                p.stop()
    return _All()


# --- window_subsets -----------------------------------------------------------------------

def _window_groups_brute(values, ends, anchor, spread, max_size):
    """Every group anchored at ``anchor``: it and 1 to max_size - 1 lines after it, before
    ``ends[anchor]``, summing into [-spread, spread]."""
    after = range(anchor + 1, int(ends[anchor]))
    return {(anchor, *rest)
            for k in range(1, max_size)
            for rest in combinations(after, k)
            if abs(int(values[anchor]) + sum(int(values[j]) for j in rest)) <= spread}


@settings(max_examples=300, deadline=None)
@given(parties(), st.data(), budgets)
def test_window_subsets_against_brute_force(party, data, budget):
    values, days, window = party
    size = len(values)
    ends = _ends(days, window)
    anchors = np.array(sorted(data.draw(st.sets(st.integers(0, size - 1)))), dtype=np.int64)
    spread = data.draw(st.sampled_from([0, 0, 1, 50, 100, 1000]))
    max_size = data.draw(st.integers(2, 5))
    with _patched(window_search, budget):
        handled, counts, groups = window_search.window_subsets(values, ends, anchors, spread,
                                                               max_size)
    assert len(groups) == len(set(groups)), "a group reported twice"
    is_anchor = np.zeros(size, dtype=bool)
    is_anchor[anchors] = True
    assert not (handled & ~is_anchor).any(), "a line that is no anchor marked handled"
    by_anchor: dict[int, set[tuple[int, ...]]] = {}
    for group in groups:
        assert list(group) == sorted(group)
        by_anchor.setdefault(group[0], set()).add(group)
    for anchor in range(size):
        found = by_anchor.get(anchor, set())
        if not handled[anchor]:
            assert not found and counts[anchor] == 0, f"anchor {anchor} not handled has groups"
            continue
        expected = _window_groups_brute(values, ends, anchor, spread, max_size)
        assert found == expected, f"anchor {anchor}: missing {expected - found}, extra {found - expected}"
        assert counts[anchor] == len(expected)
    # An anchor with any sum match is crowded when none is allowed (heads and tails path).
    if budget["LISTED_SUBSETS"] < 0 and budget["PAIRS_PER_ANCHOR"] == 0:
        assert not counts.any()
    # With its real budgets, a few lines are always searched here (nothing left over).
    if budget["CHUNK_BUDGET"] == window_search.CHUNK_BUDGET and \
            budget["PAIRS_PER_ANCHOR"] == window_search.PAIRS_PER_ANCHOR:
        assert handled[anchors].all()


# --- _enumerate: window search, solution limit, one-by-one fallback ------------------------

@settings(max_examples=250, deadline=None)
@given(parties(max_lines=12), st.data(), budgets)
def test_enumerate_against_brute_force(party, data, budget):
    values, days, window = party
    size = len(values)
    foreign = data.draw(st.booleans())
    config = SubsetSettings(
        tolerance=data.draw(st.sampled_from([0, 0, 1, 100])),
        tolerance_pct=data.draw(st.sampled_from([Decimal(0), Decimal(0), Decimal("0.5")])),
        max_group_size=data.draw(st.integers(2, 5)),
        max_solutions=data.draw(st.integers(1, 6)),
    )
    with _patched(window_search, budget):
        found, unsure, timeouts = _enumerate(values, days, window, config, foreign)
    spread = 0 if foreign else _enumeration_tolerance(values, config)
    pick, limit = config.max_group_size - 1, config.max_solutions
    ends = _ends(days, window)
    expected: set[tuple[int, ...]] = set()
    expected_unsure = np.zeros(size, dtype=bool)
    for anchor in range(size):
        end = int(ends[anchor])
        if end - anchor - 1 <= 0:
            continue
        # Small searches use the direct method: solutions by size, then in order.
        assert combination_count(end - anchor - 1, pick) <= subset_search.DIRECT_LIMIT
        solutions = sorted(_window_groups_brute(values, ends, anchor, spread, config.max_group_size),
                           key=lambda g: (len(g), g))
        if len(solutions) > limit:
            solutions = solutions[:limit]
            expected_unsure[anchor:end] = True
        expected |= set(solutions)
    assert timeouts == 0
    assert found == expected, f"missing {expected - found}, extra {found - expected}"
    assert (unsure == expected_unsure).all()


# --- subsets_in_range and first_solutions -------------------------------------------------

def _in_range_brute(amounts, low, high, max_pick):
    return [c for k in range(1, max_pick + 1) for c in combinations(range(len(amounts)), k)
            if low <= sum(int(amounts[i]) for i in c) <= high]


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 12).flatmap(signed_amounts), st.integers(-1500, 1500),
       st.sampled_from([0, 0, 1, 100, 600]), st.integers(1, 5), st.integers(1, 8),
       st.sampled_from([subset_search.DIRECT_LIMIT, 0, 10, 100]), st.randoms(use_true_random=False))
def test_subsets_in_range_and_first_solutions(amounts, low, width, max_pick, limit, direct_limit,
                                              random):
    high = low + width
    every = _in_range_brute(amounts, low, high, max_pick)
    with mock.patch.object(subset_search, "DIRECT_LIMIT", direct_limit):
        solutions, complete = subsets_in_range(amounts, low, high, max_pick, limit)
        shuffled = list(every)
        random.shuffle(shuffled)
        first = first_solutions(amounts, shuffled, max_pick, limit)
    assert len(solutions) == len(set(solutions))
    assert complete == (len(every) <= limit)
    if complete:
        assert set(solutions) == set(every)
        return
    assert len(solutions) == limit and set(solutions) <= set(every)
    assert first == solutions  # the same first ones, in the same order
    if combination_count(len(amounts), max_pick) <= direct_limit:
        assert solutions == sorted(every, key=lambda s: (len(s), s))[:limit]


# --- _judge_all against _judge ------------------------------------------------------------

KEYS = ["F1", "F2", "F3", "F4"]


@st.composite
def judge_cases(draw):
    size = draw(st.integers(2, 7))
    # Few amounts, a cent apart: many groups net to zero or to a small gap.
    magnitudes = draw(st.lists(st.sampled_from([0, 99, 100, 101, 200, 300]), min_size=size,
                               max_size=size))
    signs = draw(st.lists(st.sampled_from([1, -1]), min_size=size, max_size=size))
    values = np.array(magnitudes, dtype=np.int64) * np.array(signs, dtype=np.int64)
    # Company-currency amounts: the amounts matched (in the company currency), or others
    # (a foreign currency; the twins must agree on any input, so on any flag too).
    foreign = draw(st.booleans())
    if draw(st.booleans()):
        eur = np.array([int(v) * draw(st.sampled_from([1, 2, 3])) + draw(st.integers(-3, 3))
                        for v in values], dtype=np.int64)
    else:
        eur = values.copy()
    lines = np.array(sorted(draw(st.sets(st.integers(1, 40), min_size=size, max_size=size))),
                     dtype=np.int64)
    lines = np.array(draw(st.permutations(lines.tolist())), dtype=np.int64)
    # Found subsets: any of 2 to 5 rows, each kept or not (the caller passes them sorted).
    random = draw(st.randoms(use_true_random=False))
    keep = draw(st.sampled_from([0.2, 0.6, 1.0]))
    found = [c for k in range(2, min(size, 5) + 1) for c in combinations(range(size), k)
             if random.random() < keep]
    # References: some lines carry documents, some cite them (maybe mistyped: near), some
    # cite lines of other parties (40+).
    every_line = lines.tolist() + [41, 42]
    documents = pd.DataFrame(
        draw(st.lists(st.tuples(st.sampled_from(every_line), st.sampled_from(KEYS)), max_size=8)),
        columns=["line", "key"]).astype({"line": np.int64, "key": object})
    cited = draw(st.lists(st.tuples(st.sampled_from(every_line), st.sampled_from(KEYS),
                                    st.booleans()), max_size=10))
    cites = pd.DataFrame(cited, columns=["line", "key", "near"]).astype(
        {"line": np.int64, "key": object, "near": bool})
    if not draw(st.booleans()):
        cites = cites[~cites["near"]].drop(columns="near")
    config = SubsetSettings(
        tolerance=draw(st.sampled_from([0, 0, 1, 2, 100])),
        tolerance_pct=draw(st.sampled_from([Decimal(0), Decimal(0), Decimal("0.1"), Decimal(1),
                                            Decimal("2.5"), Decimal(10), Decimal(30)])),
    )
    return found, lines, values, eur, Evidence(documents, cites), config, foreign


def _judge_example(values, eur, cites, tolerance_pct):
    """A case for the property below: rows 0.. of lines 10.., every subset of 2 to 3 rows."""
    values, eur = np.array(values, dtype=np.int64), np.array(eur, dtype=np.int64)
    lines = np.arange(10, 10 + len(values), dtype=np.int64)
    found = [c for k in (2, 3) for c in combinations(range(len(values)), k)]
    evidence = Evidence(pd.DataFrame({"line": [10], "key": ["F1"]}),
                        pd.DataFrame(cites, columns=["line", "key", "near"]))
    return (found, lines, values, eur, evidence,
            SubsetSettings(tolerance_pct=Decimal(tolerance_pct)), False)


@settings(max_examples=250, deadline=None)
@given(judge_cases())
# The percentage applies to the company-currency amounts (0.5 % of 2000, not of 1000).
@example(_judge_example([1000, -990, 5], [2000, -1980, 5], [], "0.5"))
# A line that only nearly names a document outside the group: against it.
@example(_judge_example([300, -100, -200], [300, -100, -200], [(11, "F2", True)], "0"))
def test_judge_all_against_judge(case):
    found, lines, values, eur, evidence, config, foreign = case
    expected = []
    for rows in found:
        candidate = _judge(rows, lines, values, eur, evidence, config, foreign)
        if candidate is not None:
            expected.append(candidate)
    assert _judge_all(found, lines, values, eur, evidence, config, foreign) == expected


def test_judge_all_keeps_and_rejects_on_references():
    """A case the twins must agree on by hand: a citation met, one not met, one mistyped."""
    values = np.array([300, -100, -200, 200], dtype=np.int64)
    lines = np.array([10, 11, 12, 13], dtype=np.int64)
    documents = pd.DataFrame({"line": [10, 13], "key": ["F1", "F2"]})
    cites = pd.DataFrame({"line": [11, 12], "key": ["F1", "F2"], "near": [False, True]})
    evidence = Evidence(documents, cites)
    found = [(0, 1, 2), (1, 2, 3)]
    got = _judge_all(found, lines, values, values, evidence, SubsetSettings(), False)
    # (0, 1, 2): line 11 cites F1 (line 10, inside: agrees), line 12 nearly names F2 (line
    # 13, outside): against. (1, 2, 3) does not net to zero.
    assert got == []
    cites = pd.DataFrame({"line": [11], "key": ["F1"], "near": [False]})
    got = _judge_all(found, lines, values, values, Evidence(documents, cites), SubsetSettings(), False)
    # exact, references agree, one line (12) linked to no other, one settlement for two
    assert [c.rows for c in got] == [(0, 1, 2)] and got[0].rank == (0, 0, 1, 0)


# --- unique_subset and one_for_many ---------------------------------------------------------

def _answers(items, target):
    """Every subset of ``items`` (positions, the empty one included) summing to ``target``."""
    return [c for k in range(len(items) + 1) for c in combinations(range(len(items)), k)
            if sum(items[i] for i in c) == target]


def _unique_brute(items, target, large):
    answers = _answers(items, target)
    if len(answers) >= 2:
        if large and all(len(a) < large for a in answers):
            return None, False
        return None, True
    if not answers:
        return None, False
    return list(answers[0]), False


@settings(max_examples=500, deadline=None)
@given(st.lists(st.integers(1, 12), max_size=12) | st.lists(st.sampled_from(AMOUNTS), max_size=12)
       # more items than unique_subset lists one by one: its bitsets
       | st.lists(st.integers(1, 30), min_size=large_groups.SMALL_ITEMS + 1, max_size=12)
       | st.lists(st.sampled_from(AMOUNTS), min_size=large_groups.SMALL_ITEMS + 1, max_size=12),
       st.data(), st.sampled_from([None, 0, 1, 2, 3, 4, 6]),
       # the halves up to their default size, or the bitsets from SMALL_ITEMS up
       st.sampled_from([large_groups.HALVES_ITEMS, large_groups.SMALL_ITEMS]))
def test_unique_subset_against_brute_force(items, data, large, halves):
    total = sum(items)
    target = data.draw(st.integers(0, total + 2) | st.sampled_from([total, max(total - 1, 0)]))
    with _patched(large_groups, {"HALVES_ITEMS": halves}):
        assert unique_subset(items, target, large) == _unique_brute(items, target, large)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 30), max_size=10), st.data(), st.integers(1, 7))
def test_large_reaches_against_brute_force(items, data, large):
    """The helper behind ``large``: some answer of at least ``large`` items exists."""
    target = data.draw(st.integers(0, sum(items) + 2))
    expected = any(len(a) >= large for a in _answers(items, target))
    assert large_groups._large_reaches(items, target, large) == expected


def _one_for_many_brute(values, days, window, large, max_items, max_target):
    found, contested = [], np.zeros(len(values), dtype=bool)
    for anchor, value in enumerate(values.tolist()):
        near = [j for j, v in enumerate(values.tolist())
                if abs(int(days[j]) - int(days[anchor])) <= window
                and np.sign(v) == -np.sign(value) and abs(v) <= abs(value)]
        if not near:
            continue
        if len(near) > max_items or abs(value) > max_target:
            contested[[anchor, *near]] = True
            continue
        chosen, several = _unique_brute([abs(int(values[j])) for j in near], abs(value), large)
        if several:
            contested[[anchor, *near]] = True
        elif chosen is not None:
            found.append(tuple(sorted([anchor, *(near[j] for j in chosen)])))
    return found, contested


@st.composite
def wide_parties(draw):
    """Many large lines of one sign, a few small of the other: windows of more than 64 lines
    (the array path of one_for_many), each anchor with few opposite-sign lines to search."""
    # At most 3 big lines of 1000 and small ones up to 1000: equal magnitudes meet, and no
    # anchor has more than 10 lines to search.
    big = draw(st.lists(st.sampled_from([1500, 2000, 3000]), min_size=50, max_size=72))
    big += [1000] * draw(st.integers(0, 3))
    small = draw(st.lists(st.sampled_from([100, 200, 300, 500, 700, 1000]), min_size=1,
                          max_size=7))
    sign = draw(st.sampled_from([1, -1]))
    values = np.array([sign * v for v in big] + [-sign * v for v in small], dtype=np.int64)
    values = np.array(draw(st.permutations(values.tolist())), dtype=np.int64)
    days = np.array(sorted(draw(st.lists(st.integers(0, 10), min_size=len(values),
                                         max_size=len(values)))), dtype=np.int64)
    return values, days, draw(st.integers(0, 10))


@settings(max_examples=250, deadline=None)
@given(parties(max_lines=13) | wide_parties(), st.integers(1, 6),
       st.sampled_from([(large_groups.MAX_ITEMS, large_groups.MAX_TARGET), (3, 10**9), (40, 999)]),
       st.sampled_from([large_groups.PAIRS_PER_BLOCK, 1, 7]),
       # every anchor searched alone, or few items together, or in small arrays
       st.sampled_from([(large_groups.ARRAY_ITEMS, large_groups.ARRAY_SUMS), (0, 1), (3, 1),
                        (large_groups.ARRAY_ITEMS, 64)]))
def test_one_for_many_against_brute_force(party, large, limits, block, arrays):
    values, days, window = party
    max_items, max_target = limits
    with _patched(large_groups, {"MAX_ITEMS": max_items, "MAX_TARGET": max_target,
                                 "PAIRS_PER_BLOCK": block, "ARRAY_ITEMS": arrays[0],
                                 "ARRAY_SUMS": arrays[1]}):
        found, contested = one_for_many(values, days, window, large)
    expected, expected_contested = _one_for_many_brute(values, days, window, large, max_items,
                                                       max_target)
    assert sorted(found) == sorted(expected)
    assert (contested == expected_contested).all()


# --- several third parties at once against each alone -------------------------------------

@st.composite
def several_parties(draw):
    """2 to 4 parties: amounts, sorted days, window, foreign flag each."""
    return [(*draw(parties(max_lines=10)), draw(st.booleans()))
            for _ in range(draw(st.integers(2, 4)))]


def _joined(several):
    values = np.concatenate([v for v, _, _, _ in several])
    days = np.concatenate([d for _, d, _, _ in several])
    part = np.repeat(np.arange(len(several)), [len(v) for v, _, _, _ in several])
    starts = np.concatenate(([0], np.cumsum([len(v) for v, _, _, _ in several])[:-1]))
    windows = np.array([w for _, _, w, _ in several], dtype=np.int64)
    foreign = np.array([f for _, _, _, f in several], dtype=bool)
    return values, days, part, starts, windows, foreign


@settings(max_examples=200, deadline=None)
@given(several_parties(), st.data(), budgets)
def test_window_subsets_of_several_parts_as_each_alone(several, data, budget):
    values, _, part, starts, _, foreign = _joined(several)
    ends = np.concatenate([_ends(d, w) + s for (_, d, w, _), s in zip(several, starts)])
    spread = data.draw(st.sampled_from([0, 1, 100]))
    spreads = np.where(foreign[part], 0, spread)
    max_size = data.draw(st.integers(2, 5))
    anchors = np.arange(len(values))
    with _patched(window_search, budget):
        handled, counts, groups = window_search.window_subsets(values, ends, anchors, spreads,
                                                               max_size, parts=part)
    for index, (v, d, w, f) in enumerate(several):
        offset = int(starts[index])
        for anchor in range(len(v)):
            if not handled[offset + anchor]:
                continue
            expected = {tuple(offset + r for r in g)
                        for g in _window_groups_brute(v, _ends(d, w), anchor, 0 if f else spread,
                                                      max_size)}
            found = {g for g in groups if g[0] == offset + anchor}
            assert found == expected
            assert counts[offset + anchor] == len(expected)


@settings(max_examples=150, deadline=None)
@given(several_parties(), st.integers(2, 5), st.integers(1, 6), budgets)
def test_enumerate_parts_as_each_alone(several, max_size, limit, budget):
    from lettrage.passes.subset import _enumerate_parts
    values, days, part, starts, windows, foreign = _joined(several)
    config = SubsetSettings(tolerance=100, max_group_size=max_size, max_solutions=limit)
    with _patched(window_search, budget):
        blocks, unsure, timeouts = _enumerate_parts(values, days, part, windows, foreign, config)
        found = [group for block in blocks for group in map(tuple, block.tolist())]
        assert len(found) == len(set(found)), "a group found twice"
        for index, (v, d, w, f) in enumerate(several):
            offset = int(starts[index])
            alone, alone_unsure, _ = _enumerate(v, d, w, config, f)
            assert {g for g in found if part[g[0]] == index} == \
                {tuple(offset + r for r in g) for g in alone}
            assert (unsure[offset:offset + len(v)] == alone_unsure).all()
    assert not timeouts.any()


@settings(max_examples=150, deadline=None)
@given(parties(max_lines=12), st.integers(2, 5), st.integers(1, 6), budgets)
def test_enumerate_by_halves_against_brute_force(party, max_size, limit, budget):
    """With every search by halves (no direct one), an anchor with more answers than the
    limit keeps the first in the order of the search by halves (see first_solutions)."""
    values, days, window = party
    config = SubsetSettings(max_group_size=max_size, max_solutions=limit)
    with _patched(window_search, budget), _patched(subset_search, {"DIRECT_LIMIT": 0}):
        found, unsure, _ = _enumerate(values, days, window, config, False)
        ends = _ends(days, window)
        expected: set[tuple[int, ...]] = set()
        expected_unsure = np.zeros(len(values), dtype=bool)
        for anchor in range(len(values)):
            end = int(ends[anchor])
            solutions = _window_groups_brute(values, ends, anchor, 0, max_size)
            if len(solutions) > limit:
                relative = [tuple(r - anchor - 1 for r in g[1:]) for g in solutions]
                solutions = {(anchor, *(anchor + 1 + i for i in s))
                             for s in first_solutions(values[anchor + 1:end], relative,
                                                      max_size - 1, limit)}
                expected_unsure[anchor:end] = True
            expected |= set(solutions)
    assert found == expected, f"missing {expected - found}, extra {found - expected}"
    assert (unsure == expected_unsure).all()
