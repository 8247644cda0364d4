"""Citation links (lettrage/references.py, citation_links): joined by hash and proved equal,
they are those of an inner DataFrame.merge on the keys' dictionary codes (the old way), row
for row; hashes shared by two keys fall back to that way."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lettrage import reference_text
from lettrage.references import citation_links

_KEY = st.sampled_from(["FA1", "FA2", "FB10", "X", "FA2025123", "12", "AB"])


def _merged(documents: pd.DataFrame, cites: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """The old way: keys as dictionary codes, an inner merge."""
    keys = pa.concat_arrays([pa.array(documents["key"], type=pa.large_string()),
                             pa.array(cites["key"], type=pa.large_string())])
    codes = np.asarray(pc.dictionary_encode(keys).indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    links = pd.DataFrame({"code": codes[len(documents):], "citer": cites["line"].to_numpy(dtype=np.int64),
                          "near": cites["near"].to_numpy(dtype=bool)}).merge(
        pd.DataFrame({"code": codes[:len(documents)], "cited": documents["line"].to_numpy(dtype=np.int64)}),
        on="code")
    return (links["citer"].to_numpy(dtype=np.int64), links["cited"].to_numpy(dtype=np.int64),
            links["near"].to_numpy(dtype=bool))


@pytest.mark.parametrize("hashes", ["real", "by length", "all alike"])
@settings(max_examples=60, deadline=None)
@given(st.lists(_KEY, max_size=12), st.lists(st.tuples(_KEY, st.booleans()), max_size=12))
def test_links_are_those_of_the_merge(hashes, document_keys, cited):
    documents = pd.DataFrame({"line": np.arange(100, 100 + len(document_keys), dtype=np.int64),
                              "key": pd.array(document_keys, dtype="str")})
    cites = pd.DataFrame({"line": np.arange(len(cited), dtype=np.int64) * 7 % 11,
                          "key": pd.array([key for key, _ in cited], dtype="str"),
                          "near": np.array([near for _, near in cited], dtype=bool)})
    real = reference_text._string_hashes
    fake = {"real": real,
            "by length": lambda strings: np.asarray(pc.utf8_length(strings), dtype=np.uint64),
            "all alike": lambda strings: np.zeros(len(strings), dtype=np.uint64)}[hashes]
    reference_text._string_hashes = fake
    try:
        found = citation_links(documents, cites)
    finally:
        reference_text._string_hashes = real
    for mine, theirs in zip(found, _merged(documents, cites)):
        assert mine.tolist() == theirs.tolist()
