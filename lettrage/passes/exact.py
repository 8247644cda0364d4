"""Exact pass: an invoice and a settlement of the same amount in the same third party.

Vectorised over all the third parties it is given. Candidate pairs are a debit and a credit
of one third party with the same absolute amount. Pairs whose references contradict each
other (a payment citing another document, situations 17–18) are never made. Among the rest,
pairs whose references agree come first; then, oldest first, a settlement dated on or after
its invoice (FIFO, situations 2–3). Pairs are fixed in rounds of mutual best choices, so the
result does not depend on the order of the lines. Two pairs that only the lines' order told
apart — two invoices (or settlements) of one day whose partners could be swapped for an
equally good answer — are both left open for review.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lettrage.arrays import distinct, numbers_in, packed_keys, stable_order
from lettrage.passes.base import PassOutput
from lettrage.references import pair_evidence

#: Above this many invoice × settlement combinations in one (third party, amount) bucket,
#: each invoice is only paired with the settlements nearest to it in date order.
FULL_BUCKET_PAIRS = 400
NEAREST_IN_BIG_BUCKETS = 12

MAX_DAYS_EARLY = 60


def exact_pass(
    open_lines: pd.DataFrame,
    documents: pd.DataFrame,
    cites: pd.DataFrame,
    *,
    max_days_early: int = MAX_DAYS_EARLY,
    sure_only: bool = False,
    name: str = "exact",
    links: tuple[np.ndarray, ...] | None = None,
    refs: tuple[np.ndarray, pa.Array] | None = None,
) -> PassOutput:
    """Letter pairs of open lines that cancel exactly.

    Parameters
    ----------
    open_lines : unlettered lines with ``line``, ``party_id``, ``amount`` (cents, ≠ 0),
        ``date`` and ``invoice_side`` (True for the side that carries invoices); optionally
        ``held`` — lines that compete for their partners but are never lettered (an
        aggregated opening balance): a pair through one is dropped, its partner stays open.
    documents, cites : reference evidence (see :mod:`lettrage.references`).
    max_days_early : a settlement dated more than this many days before its invoice is
        paired with it only when their references agree (a deposit is applied to the
        invoice it names; an old payment does not settle next year's invoice).
    sure_only : make only the pairs that are sure — references agree, or neither line has
        another candidate nor is a document some other line cites — and leave the rest
        for a later call.
    name : the pass name the groups record (``"fifo"`` for that later call).
    links : :func:`lettrage.references.citation_links` of ``documents`` and ``cites``, when
        already made (the same for every call of a run).
    refs : :func:`ref_codes` of ``open_lines``, when already made.

    Lines are handled as their positions in ``open_lines``, pairs as arrays of positions.
    """
    a, b = _candidate_positions(open_lines)
    if not len(a):
        return PassOutput()
    line = open_lines["line"].to_numpy(dtype=np.int64)
    agree, contradict = pair_evidence(pd.DataFrame({"a": line[a], "b": line[b]}), documents, cites,
                                      links=links)
    dates = open_lines["date"].to_numpy()
    too_early = (dates[a] - dates[b]) // np.timedelta64(1, "D") > max_days_early
    allowed = ~contradict & ~(too_early & ~agree)
    if sure_only:
        size = len(open_lines)
        single = (np.bincount(a[allowed], minlength=size) == 1)[a] & (
            np.bincount(b[allowed], minlength=size) == 1)[b]
        # (the lines a citation links to are those whose document some line cites)
        claimed = numbers_in(line, _claimed_lines(documents, cites) if links is None else links[1])
        allowed &= (single & ~claimed[a] & ~claimed[b]) | agree
    a, b, agree = a[allowed], b[allowed], agree[allowed]
    held = (open_lines["held"].to_numpy(dtype=bool) if "held" in open_lines.columns
            else np.zeros(len(open_lines), dtype=bool))
    tier = _tiers(a, b, agree, ref_codes(open_lines) if refs is None else refs)
    order = _cost_order(a, b, tier, open_lines, held)
    chosen = order[_mutual_best(a[order], b[order], len(open_lines))]
    if not sure_only:
        chosen = _augmented(chosen, order, a, b, held)
    tied, block = _tie_blocks(chosen, a, b, tier, open_lines, held)
    blocks = _block_lines(chosen[block >= 0], block[block >= 0], line[a], line[b])
    chosen = chosen[~tied]
    chosen = chosen[~held[a[chosen]] & ~held[b[chosen]]]  # a held line takes its partner out
    chosen = chosen[np.lexsort((line[b[chosen]], line[a[chosen]]))]
    count = len(chosen)
    sizes = np.array([2] * count + [len(lines) for lines in blocks], dtype=np.int64)
    groups = pd.DataFrame(
        {
            "group": np.arange(len(sizes), dtype=np.int64),
            "pass": name,
            "gap": np.zeros(len(sizes), dtype=np.int64),
            "currency": "",
            "reason": _reasons(agree[chosen], blocks),
        }
    )
    members = pd.DataFrame(
        {
            "group": np.repeat(groups["group"].to_numpy(), sizes),
            "line": np.concatenate([np.column_stack([line[a[chosen]], line[b[chosen]]]).ravel(), *blocks]),
        }
    )
    return PassOutput(groups=groups, members=members)


def _reasons(agree: np.ndarray, blocks: list[np.ndarray]) -> pd.api.extensions.ExtensionArray | list:
    """The reasons of the pairs (whose references agree or not) and of the ``blocks``: a
    string array made in pyarrow (one of two texts per pair, taken), not from a Python
    string per row; an empty list when there is none."""
    if not len(agree) and not blocks:
        return []
    texts = pa.array(["same amount, reference cited", "same amount"], type=pa.large_string())
    return pd.array(pa.concat_arrays([
        texts.take(pa.array(np.where(agree, 0, 1))),
        pa.array([f"same amount, {len(lines) // 2} lines of one day against {len(lines) // 2} of "
                  "another: any pairing of them as good as another" for lines in blocks],
                 type=pa.large_string())]), dtype="str")


def _tie_blocks(chosen: np.ndarray, a: np.ndarray, b: np.ndarray, tier: np.ndarray,
                open_lines: pd.DataFrame, held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per ``chosen`` pair: whether it is in a tie only the lines' order broke (see
    :func:`_line_order_ties`), and the block it is lettered in instead (-1 for none). Pairs
    tied with each other make one block when every tie among them joins invoices of one day
    and settlements of one day (two direct debits of one day for two invoices of one day:
    whichever pairing, the four lines settle each other) and no line of them is held."""
    first, second, one_day_each = _line_order_ties(chosen, a, b, tier, open_lines, held)
    tied = np.zeros(len(chosen), dtype=bool)
    tied[first] = tied[second] = True
    component = _components(len(chosen), first, second)
    refused = np.zeros(len(chosen), dtype=bool)  # by component
    refused[component[first[~one_day_each]]] = True
    refused[component[held[a[chosen]] | held[b[chosen]]]] = True
    block = np.where(tied & ~refused[component], component, -1)
    return tied, block


def _components(size: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The connected components of ``size`` nodes joined by edges ``first``–``second``:
    each node's smallest member."""
    label = np.arange(size)
    while True:
        low = np.minimum(label[first], label[second])
        joined = label.copy()
        np.minimum.at(joined, first, low)
        np.minimum.at(joined, second, low)
        joined = joined[joined]
        if (joined == label).all():
            return label
        label = joined


def _block_lines(pairs: np.ndarray, block: np.ndarray, line_a: np.ndarray,
                 line_b: np.ndarray) -> list[np.ndarray]:
    """The sorted lines of each block (``pairs`` and their ``block``), by first line."""
    blocks = [np.sort(np.concatenate([line_a[pairs[block == k]], line_b[pairs[block == k]]]))
              for k in distinct(block).tolist()]
    return sorted(blocks, key=lambda lines: int(lines[0]))


def _claimed_lines(documents: pd.DataFrame, cites: pd.DataFrame) -> np.ndarray:
    """Lines whose document some line cites: a pair without that citation is not sure."""
    if documents.empty or cites.empty:
        return np.zeros(0, dtype=np.int64)
    keys, cited = _strings(documents["key"]), _strings(cites["key"])
    found = pc.is_in(keys, value_set=pc.unique(cited), skip_nulls=False).to_numpy(zero_copy_only=False)
    return documents["line"].to_numpy()[np.asarray(found, dtype=bool)]


def candidate_pairs(open_lines: pd.DataFrame) -> pd.DataFrame:
    """``(a, b, party_id)``: invoice-side line ``a`` and settlement-side line ``b``, same
    third party, amounts that cancel. Buckets too large for every combination keep, for
    each invoice, the settlements nearest to it in date order."""
    a, b = _candidate_positions(open_lines)
    line = open_lines["line"].to_numpy(dtype=np.int64)
    party = open_lines["party_id"].to_numpy(dtype=np.int64)
    return pd.DataFrame({"a": line[a], "b": line[b], "party_id": party[a]})


def _candidate_positions(open_lines: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """:func:`candidate_pairs` as positions in ``open_lines``: each bucket (third party,
    size) sorted by (date, line), invoices and settlements apart."""
    party = open_lines["party_id"].to_numpy(dtype=np.int64)
    size = np.abs(open_lines["amount"].to_numpy(dtype=np.int64))
    invoice = open_lines["invoice_side"].to_numpy(dtype=bool)
    line = open_lines["line"].to_numpy(dtype=np.int64)
    # (lines in order, as the passes have them, stay so among equal keys: lexsort is stable)
    line_key = () if np.all(line[1:] > line[:-1]) else (line,)
    order = np.lexsort((*line_key, _date_keys(open_lines), *packed_keys(party, size)))
    new = np.ones(len(order), dtype=bool)
    ordered_party, ordered_size = party[order], size[order]
    new[1:] = (ordered_party[1:] != ordered_party[:-1]) | (ordered_size[1:] != ordered_size[:-1])
    bucket = np.cumsum(new) - 1
    buckets = int(bucket[-1]) + 1 if len(bucket) else 0
    side = invoice[order]
    inv, inv_bucket = order[side], bucket[side]  # invoices, by bucket then (date, line)
    sett, sett_bucket = order[~side], bucket[~side]
    n_a = np.bincount(inv_bucket, minlength=buckets)
    n_b = np.bincount(sett_bucket, minlength=buckets)
    start_a = np.cumsum(n_a) - n_a
    start_b = np.cumsum(n_b) - n_b
    big = n_a * n_b > FULL_BUCKET_PAIRS
    # Small buckets: every invoice with every settlement.
    small = ~big[inv_bucket]
    reps = n_b[inv_bucket[small]]
    first = np.repeat(np.cumsum(reps) - reps, reps)
    within = np.arange(int(reps.sum()), dtype=np.int64) - first
    small_a = np.repeat(inv[small], reps)
    small_b = sett[np.repeat(start_b[inv_bucket[small]], reps) + within]
    # Big buckets: the settlements around the invoice's place in date order.
    wide = big[inv_bucket]
    wide_bucket = inv_bucket[wide]
    rank = np.flatnonzero(wide) - start_a[wide_bucket]
    centre = rank * n_b[wide_bucket] // n_a[wide_bucket]
    offsets = np.arange(-NEAREST_IN_BIG_BUCKETS, NEAREST_IN_BIG_BUCKETS + 1)
    near = (centre[:, None] + offsets[None, :]).ravel()
    near_bucket = np.repeat(wide_bucket, len(offsets))
    near_a = np.repeat(inv[wide], len(offsets))
    keep = (near >= 0) & (near < n_b[near_bucket])
    near_b = sett[start_b[near_bucket[keep]] + near[keep]]
    return np.concatenate([small_a, near_a[keep]]), np.concatenate([small_b, near_b])


def _date_keys(open_lines: pd.DataFrame) -> np.ndarray:
    """Dates as integers that sort as pandas sorts them: a missing date last."""
    dates = open_lines["date"].to_numpy()
    keys = dates.view(np.int64).copy()
    keys[np.isnat(dates)] = np.iinfo(np.int64).max
    return keys


def ref_codes(lines: pd.DataFrame) -> tuple[np.ndarray, pa.Array]:
    """Each line's ``ref_key`` (its PieceRef's key) as a code, -1 for none, and the distinct
    keys the codes number (in the order they first come)."""
    refs = pc.dictionary_encode(_strings(lines["ref_key"]))
    return (np.asarray(refs.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64),
            refs.dictionary)


def _tiers(a: np.ndarray, b: np.ndarray, agree: np.ndarray, refs: tuple[np.ndarray, pa.Array]) -> np.ndarray:
    """Each pair's evidence: 0 references citing each other, 1 the same PieceRef (``refs``:
    :func:`ref_codes` of the lines), 2 none."""
    codes, keys = refs
    long_ref = np.asarray(pc.utf8_length(keys).to_numpy(zero_copy_only=False)) >= 3
    same_ref = (codes[a] == codes[b]) & (codes[a] >= 0) & long_ref[codes[a]]
    return np.where(agree, 0, np.where(same_ref, 1, 2))


def _cost_order(a: np.ndarray, b: np.ndarray, tier: np.ndarray, open_lines: pd.DataFrame,
                held: np.ndarray) -> np.ndarray:
    """The pairs' order of preference: references citing each other, then the same
    PieceRef (``tier``), then a plausible order of dates (settlement on or after the
    invoice), then FIFO — ``(tier, before, date_a, date_b, held_a, held_b, a, b)``."""
    dates = open_lines["date"].to_numpy()
    before = dates[b] < dates[a]
    day = _date_keys(open_lines)
    line = open_lines["line"].to_numpy(dtype=np.int64)
    first = (tier * 2 + before).astype(np.int8)  # (numpy sorts small integers fastest)
    leading = packed_keys(first, day[a], day[b])
    if len(line) and line.min() >= 0 and line.max() < 1 << 30:  # the last four keys in one
        last = ((held[a] * 2 + held[b]).astype(np.int64) << 60) | (line[a] << 30) | line[b]
        return np.lexsort((last, *leading))
    return np.lexsort((line[b], line[a], held[b], held[a], *leading))


def _augmented(chosen: np.ndarray, order: np.ndarray, a: np.ndarray, b: np.ndarray,
               held: np.ndarray) -> np.ndarray:
    """``chosen`` pairs (indices into ``a``/``b``, line positions in ``held``) with more
    pairs where a swap makes them: an invoice left open whose settlement went to another
    invoice, that other invoice able to take a settlement left open, get one each (a refund
    paired with the card payment nine days before it rather than with next quarter's, and
    that payment's invoice with the next one). No swap moves a held line or gives it a
    partner: it keeps the partner it takes out. In passes until none swaps: each pass tries,
    best first (``order``), the pairs of an open invoice and a taken settlement it found."""
    size = len(held)
    pair_of_a = np.full(size, -1, dtype=np.int64)
    pair_of_b = np.full(size, -1, dtype=np.int64)
    pair_of_a[a[chosen]] = chosen
    pair_of_b[b[chosen]] = chosen
    ranked_a = a[order]
    by_a = stable_order(ranked_a)  # each invoice's pairs, best first
    sorted_a = ranked_a[by_a]
    while True:
        swapped = False
        tried = (pair_of_a[ranked_a] < 0) & (pair_of_b[b[order]] >= 0) & ~held[ranked_a] & ~held[b[order]]
        for pair in order[tried].tolist():
            invoice, settlement = a[pair], b[pair]
            taken = pair_of_b[settlement]
            if pair_of_a[invoice] >= 0 or taken < 0:
                continue  # changed by a swap of this pass
            other = a[taken]
            if held[other]:
                continue
            options = order[by_a[np.searchsorted(sorted_a, other):np.searchsorted(sorted_a, other, "right")]]
            spare = options[(pair_of_b[b[options]] < 0) & ~held[b[options]]]
            if not len(spare):
                continue
            pair_of_a[invoice] = pair_of_b[settlement] = pair
            pair_of_a[other] = pair_of_b[b[spare[0]]] = spare[0]
            swapped = True
        if not swapped:
            return np.sort(pair_of_a[pair_of_a >= 0])


def _line_order_ties(chosen: np.ndarray, a: np.ndarray, b: np.ndarray, tier: np.ndarray,
                     open_lines: pd.DataFrame, held: np.ndarray) -> tuple[np.ndarray, ...]:
    """The couples of ``chosen`` pairs that only the order of the lines chose: two pairs of
    one bucket whose invoices (or settlements) fall on one day, both held or neither, so that
    swapping their partners gives pairs just as good — both candidates, the same tiers.
    Lines that are twins (same date, PieceRef and label) make no tie: either way is the same
    answer. Returns the couples' positions in ``chosen`` and whether their partners share a
    day too."""
    couples: list[tuple[np.ndarray, ...]] = []
    if len(chosen) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    day = _date_keys(open_lines)
    size = np.abs(open_lines["amount"].to_numpy(dtype=np.int64))
    party = open_lines["party_id"].to_numpy(dtype=np.int64)
    pair_codes = a.astype(np.int64) * len(open_lines) + b  # every candidate, to look up swaps
    by_code = stable_order(pair_codes)
    for same_day, partner in ((a[chosen], b[chosen]), (b[chosen], a[chosen])):
        first, second = _same_day_couples(party[same_day], size[same_day], day[same_day])
        if not len(first):
            continue
        differ = (held[same_day[first]] == held[same_day[second]]) & ~(
            _twins(same_day[first], same_day[second], day, open_lines)
            | _twins(partner[first], partner[second], day, open_lines))
        first, second = first[differ], second[differ]
        swapped_first = _pair_index(a[chosen[first]], b[chosen[second]], pair_codes, by_code, len(open_lines))
        swapped_second = _pair_index(a[chosen[second]], b[chosen[first]], pair_codes, by_code, len(open_lines))
        found = (swapped_first >= 0) & (swapped_second >= 0)
        mine, theirs = tier[chosen[first]], tier[chosen[second]]
        crossed_first, crossed_second = tier[swapped_first], tier[swapped_second]
        as_good = found & (np.minimum(mine, theirs) == np.minimum(crossed_first, crossed_second)) & (
            np.maximum(mine, theirs) == np.maximum(crossed_first, crossed_second))
        first, second = first[as_good], second[as_good]
        couples.append((first, second, day[partner[first]] == day[partner[second]]))
    if not couples:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    return tuple(np.concatenate(parts) for parts in zip(*couples))


def _same_day_couples(party: np.ndarray, size: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every couple ``(i, j)``, ``i < j`` in sorted order, of entries with the same third
    party, size and day."""
    keys = (day, *packed_keys(party, size))
    order = np.lexsort(keys)
    new = np.zeros(len(order), dtype=bool)
    new[:1] = True
    for key in keys:
        ordered = key[order]
        new[1:] |= ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, len(order)))
    many = counts > 1
    starts, counts = starts[many], counts[many]
    if not len(starts):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # in a run of n entries, entry k couples with the n - 1 - k after it
    run_of = np.repeat(np.arange(len(starts)), counts)
    k = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    after = counts[run_of] - 1 - k
    i = np.repeat(starts[run_of] + k, after)
    step = np.arange(int(after.sum())) - np.repeat(np.cumsum(after) - after, after) + 1
    return order[i], order[i + step]


def _twins(x: np.ndarray, y: np.ndarray, day: np.ndarray, open_lines: pd.DataFrame) -> np.ndarray:
    """Whether lines ``x`` and ``y`` (positions) agree on ``day``, PieceRef and label."""
    same = day[x] == day[y]
    for column in ("piece_ref", "label"):
        if column in open_lines.columns:
            texts = open_lines[column].array
            same &= np.asarray(texts.take(x), dtype=object) == np.asarray(texts.take(y), dtype=object)
    return same


def _pair_index(x: np.ndarray, y: np.ndarray, pair_codes: np.ndarray, by_code: np.ndarray,
                size: int) -> np.ndarray:
    """The index of candidate pair ``(x, y)`` for each couple, -1 where it is no candidate."""
    wanted = x.astype(np.int64) * size + y
    where = np.searchsorted(pair_codes, wanted, sorter=by_code)
    where = np.minimum(where, len(by_code) - 1)
    index = by_code[where]
    return np.where(pair_codes[index] == wanted, index, -1)


def _mutual_best(a: np.ndarray, b: np.ndarray, size: int) -> np.ndarray:
    """Positions of the pairs fixed in rounds of mutual best choices: ``a`` and ``b`` (line
    positions below ``size``) are the pairs' lines, best pair first."""
    by_a = stable_order(a)  # each line's pairs still alive, best first
    by_b = stable_order(b)
    fixed = []
    taken_a = np.zeros(size, dtype=bool)
    taken_b = np.zeros(size, dtype=bool)
    first_of_a = np.zeros(len(a), dtype=bool)
    while len(by_a):
        heads_a = _firsts(a, by_a)
        heads_b = _firsts(b, by_b)
        first_of_a[heads_a] = True
        best = heads_b[first_of_a[heads_b]]
        first_of_a[heads_a] = False
        fixed.append(best)
        taken_a[a[best]] = True
        taken_b[b[best]] = True
        by_a = by_a[~taken_a[a[by_a]] & ~taken_b[b[by_a]]]
        by_b = by_b[~taken_a[a[by_b]] & ~taken_b[b[by_b]]]
    return np.sort(np.concatenate(fixed)) if fixed else np.zeros(0, dtype=np.int64)


def _firsts(side: np.ndarray, grouped: np.ndarray) -> np.ndarray:
    """The first pair of each line among ``grouped`` (pairs grouped by their line of
    ``side``, in order)."""
    lines = side[grouped]
    head = np.ones(len(grouped), dtype=bool)
    head[1:] = lines[1:] != lines[:-1]
    return grouped[head]


def _strings(column: pd.Series) -> pa.Array:
    """A column of texts as one pyarrow array (no copy when pyarrow already holds it)."""
    array = pa.array(column, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())
