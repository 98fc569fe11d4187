"""Numbers by 16-byte digest (`core.digests`), against a dict."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layers_conformance.core.digests import LARGEST, DigestTable

DIGESTS = st.binary(min_size=16, max_size=16)
# Digests alike in their low 64 bits (the first slot they try) and apart in the high ones:
# the probing past an occupied slot, and the comparison of both halves.
CLASHING = st.binary(min_size=8, max_size=8).map(lambda high: bytes(8) + high)
NUMBERS = st.integers(min_value=0, max_value=LARGEST)


@given(st.lists(st.tuples(DIGESTS | CLASHING, NUMBERS), max_size=300), st.lists(DIGESTS))
def test_a_table_answers_as_a_dict_would(puts, others):
    """Each digest gives the number last put under it, in the order first put; any other
    digest gives None; it grows past its first slots and holds them all."""
    table, expected = DigestTable(), {}
    for digest, number in puts:
        table.put(digest, number)
        expected[digest] = number
    assert len(table) == len(expected)
    assert list(table.items()) == list(expected.items())
    for digest in [*expected, *others]:
        assert table.get(digest) == expected.get(digest)


def test_what_a_table_cannot_hold_is_refused():
    """A number outside 0..2**128-1, or a key that is not 16 bytes, is an error, not a
    number cut short."""
    table = DigestTable()
    with pytest.raises(OverflowError):
        table.put(bytes(16), LARGEST + 1)
    with pytest.raises(OverflowError):
        table.put(bytes(16), -1)
    with pytest.raises(ValueError, match="16 bytes"):
        table.get(b"short")
    assert len(table) == 0
