"""pyarrow's UTF-8 check judges bytes as Python's strict decoder does."""
from __future__ import annotations

import random

import pytest

from lettrage.io.fec_layout import _decode_all, _valid_utf8


def _python_says(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


VECTORS = [b"", b"abc", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\xed\xa0\x80",
           b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\xff", b"a\x80",
           b"\xf5\x80\x80\x80", b"\xed\x9f\xbf", b"\xee\x80\x80", b"\xef\xbb\xbfA"]


@pytest.mark.parametrize("data", VECTORS)
def test_vectors(data: bytes) -> None:
    assert _valid_utf8(memoryview(data)) == _python_says(data)


def test_random_bytes() -> None:
    rng = random.Random(7)
    for _ in range(20000):
        data = bytes(rng.choice([rng.randrange(256), rng.randrange(0x80, 0xC0), 0xED, 0xF4,
                                 0xE0, 0xF0, 0x41]) for _ in range(rng.randrange(1, 7)))
        assert _valid_utf8(memoryview(data)) == _python_says(data), data


@pytest.mark.parametrize("name", ["utf-8", "utf-8-sig"])
def test_decode_all_still_says_where(name: str) -> None:
    data = b"\xef\xbb\xbfJournalCode\tx\r\nVT\t\xe9t\xe9\r\n"
    with pytest.raises(UnicodeDecodeError) as caught:
        _decode_all(data, name)
    with pytest.raises(UnicodeDecodeError) as expected:
        data.decode(name)
    assert caught.value.start == expected.value.start
