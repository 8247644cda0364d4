"""The labels that spell a key's digits (lettrage/foreign_citations.py, _spelling_labels),
read from the labels' bytes: the same as the first, pyarrow-regex way."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage.foreign_citations import _SPAN, _spelling_labels


def _spelling_by_regex(labels: np.ndarray, signatures: pa.Array) -> np.ndarray:
    spaced = pc.utf8_trim(pc.replace_substring_regex(pa.array(labels, type=pa.string()),
                                                     "[^0-9]+", " "), " ")
    split = pc.split_pattern(spaced, " ")
    parent = np.asarray(pc.list_parent_indices(split).to_numpy(zero_copy_only=False), dtype=np.int64)
    groups = pc.list_flatten(split)
    present = np.asarray(pc.utf8_length(groups).to_numpy(zero_copy_only=False)) > 0
    groups, parent = groups.filter(pa.array(present)), parent[present]
    groups = pc.replace_substring_regex(groups, "^0+", "")
    groups = pc.if_else(pc.equal(groups, ""), "0", groups)
    start = np.arange(len(groups))
    joined, owners = [groups], [parent]
    for extra in range(1, _SPAN):
        more = start + extra < len(groups)
        more[more] = parent[start[more] + extra] == parent[start[more]]
        start = start[more]
        joined.append(pc.binary_join_element_wise(joined[-1].filter(pa.array(more)),
                                                  groups.take(pa.array(start + extra)), ""))
        owners.append(parent[start])
    found = pc.is_in(pa.concat_arrays(joined), value_set=signatures)
    spelling = np.zeros(len(labels), dtype=bool)
    spelling[np.concatenate(owners)[np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)]] = True
    return spelling


_PIECES = ["VIR ", "FA2025-", "000735", "0", "00", "1", "12", "2025", "735", " ", "-", "/", "É", "²",
           "AF", "0012", "9", "1234", "\u00a0", "A1B2", "7350"]
_SIGNATURES = ["2025735", "735", "1234", "12", "20250", "9", "7350", "1212", "112", "20251234"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join), max_size=30),
       st.lists(st.sampled_from(_SIGNATURES), min_size=1, max_size=6))
def test_spelling_labels_as_by_regex(labels, signatures):
    labels = np.array(labels, dtype=object)
    signatures = pa.array(sorted(set(signatures)), type=pa.string())
    assert _spelling_labels(labels, signatures).tolist() == _spelling_by_regex(labels, signatures).tolist()


def test_a_label_spells_its_digit_groups_joined_without_leading_zeros():
    labels = np.array(["VIR AF2025-000735", "REGL 0 0 0", "NOTHING", "", "12 0034 5 6 7 8 9"], dtype=object)
    signatures = pa.array(["2025735", "0", "123456789", "1234"], type=pa.string())
    assert _spelling_labels(labels, signatures).tolist() == [True, True, False, False, True]
