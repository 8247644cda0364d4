"""The documents' codes made where the parts' documents are joined (lettrage/references.py,
DocumentCodes): the keys' and numbers' codes that each part would have made by hashing, and
the same citations with them as without."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import lettrage
from lettrage import engine
from lettrage.parallel_references import _parts
from lettrage.references import (
    ReferencesOfParties,
    _first_appearance,
    _Index,
    coded_documents_of_parts,
    documents_of_parts,
)
from lettrage.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from generated_quality import load_generator  # the benchmarks' loader of datasets/generator.py

gen = load_generator()
REAL = sorted((ROOT / "datasets" / "fec-neolegal").glob("*FEC*"))


@pytest.mark.parametrize("size, top", [(0, 1), (1, 1), (50, 3), (1000, 40), (1000, 5000)])
def test_first_appearance_numbers_codes_as_dictionary_encode(size, top):
    codes = np.random.default_rng(size + top).integers(0, top, size)
    encoded = pc.dictionary_encode(pa.array(codes))
    rows, index = _first_appearance(codes)
    assert codes[rows].tolist() == encoded.dictionary.to_pylist()
    assert index.tolist() == encoded.indices.to_pylist()


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> pd.DataFrame:
    text, _ = gen.generate(6000, 11)
    path = tmp_path_factory.mktemp("codes") / "123456789FEC20251231.txt"
    path.write_bytes(text.encode("utf-8"))
    return engine._prepare(lettrage.read_fec(path), Settings())


def _assert_coded_as_plain(lines: pd.DataFrame, count: int) -> None:
    rows = _parts(lines["party_id"].to_numpy(), count)
    parts = [ReferencesOfParties(lines.iloc[r]) for r in rows]
    owns = [part.own_keys() for part in parts]
    documents, codes = coded_documents_of_parts(lines, owns)
    pd.testing.assert_frame_equal(documents, documents_of_parts(lines, owns))
    keys, key = _Index.encode(documents["key"])
    assert codes.keys.equals(keys.strings) and key.tolist() == codes.key.tolist()
    for part in parts:
        theirs = documents["party_id"].isin(part.lines["party_id"]).to_numpy()
        wanted = (documents["number"] != "").to_numpy() & theirs
        numbers, number = _Index.encode(documents["number"].iloc[wanted])
        coded_numbers, coded_number = codes.numbers(documents, wanted)
        assert coded_numbers.strings.equals(numbers.strings) and coded_number.tolist() == number.tolist()
        plain = part.citations(documents)
        part.codes = codes
        coded = part.citations(documents)
        pd.testing.assert_frame_equal(coded[0], plain[0])
        pd.testing.assert_frame_equal(coded[1], plain[1])
        assert list(coded[2]) == list(plain[2])


@pytest.mark.parametrize("count", [2, 3])
def test_coded_citations_are_the_plain_ones(generated, count):
    _assert_coded_as_plain(generated, count)


@pytest.mark.parametrize("path", REAL, ids=[path.name for path in REAL])
def test_coded_citations_of_real_files(path):
    _assert_coded_as_plain(engine._prepare(lettrage.read_fec(path), Settings()), 2)
