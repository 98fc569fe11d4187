"""Repeated ids found in two passes, exactly, without a set of every id."""

from __future__ import annotations

import tracemalloc
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from layers_conformance.checks.repeats import repeated


@settings(deadline=None)  # a bitmap per example: no example is timed on a loaded machine
@given(st.lists(st.text(max_size=3)))
def test_the_ids_listed_more_than_once_and_no_other(ids):
    assert repeated(lambda: iter(ids), len(ids)) == {i for i, n in Counter(ids).items() if n > 1}


def test_a_count_too_small_only_costs_candidates():
    """The bitmap is sized by `count`; a wrong count gives the same answer."""
    ids = [f"inf_{n % 5000}" for n in range(20_000)]
    assert repeated(lambda: iter(ids), 1) == {f"inf_{n}" for n in range(5000)}


def test_a_long_listing_is_judged_without_a_set_of_its_ids():
    """Memory flat in the listing (issue 23): 300,000 distinct ids, made one at a time as a
    walk read back from disk makes them, are judged in well under the 20 MB a set of them
    and their strings would hold."""
    size = 300_000

    def ids():
        return (f"inf_{n:026d}" for n in range(size))

    tracemalloc.start()
    try:
        found = repeated(ids, size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found == set()
    assert peak < 4_000_000
