"""`CommonIds` answers as the intersection of two sets of ids would, exactly, for any text."""

from __future__ import annotations

import tracemalloc
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers_conformance.checks import ids as ids_module
from layers_conformance.checks.ids import CommonIds, Hashes
from layers_conformance.checks.listing import Listing, Run

# The reference's ids, UUIDs in either case and near misses of both, text of any other kind:
# what a server sends, right or wrong.
REFERENCE = st.from_regex(r"inf_[0-9A-F]{26}", fullmatch=True)
UUIDS = st.uuids().flatmap(lambda u: st.sampled_from([str(u), str(u).upper()]))
NEAR = st.one_of(REFERENCE, UUIDS).flatmap(
    lambda text: st.sampled_from([text.lower(), text + "\n", " " + text, text[:-1]])
)
ANY_ID = st.one_of(REFERENCE, UUIDS, NEAR, st.text(max_size=5))
# Two sides drawn from one pool, so that they share ids and repeat some, maybe empty.
SIDES = st.lists(ANY_ID, min_size=1, max_size=30).flatmap(
    lambda pool: st.tuples(*[st.lists(st.sampled_from(pool), max_size=40)] * 2)
)
ONE_SETTING = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def items(ids):
    return [{"influencerId": ident, "status": ident[:1]} for ident in ids]


@pytest.fixture(params=[ids_module.RUN, 3], ids=["one-run", "merged-runs"])
def runs(request, monkeypatch):
    """Ids sorted in one run, or in runs of 3 merged (what a large list takes)."""
    monkeypatch.setattr(ids_module, "RUN", request.param)


def in_runs(items):
    """The items as a listing of runs of 3, read back run by run."""
    return Listing(
        [Run(tuple(items[n : n + 3]), 0, len(items[n : n + 3])) for n in range(0, len(items), 3)]
    )


@ONE_SETTING
@given(SIDES, st.lists(ANY_ID, max_size=10), st.sampled_from([list, in_runs]))
def test_the_ids_both_list_and_no_other(runs, sides, asked, kind):
    one, other = sides
    both = CommonIds(kind(items(one)), other)
    assert len(both) == len(set(one) & set(other))
    assert {i for i in [*one, *other, *asked] if i in both} == set(one) & set(other)


@ONE_SETTING
@given(SIDES)
def test_only_the_items_held_are_compared(runs, sides):
    one, other = sides
    both = CommonIds(items(one), other, holds=lambda item: item["status"] == "i")
    held = {i for i in one if i[:1] == "i"}
    assert {i for i in [*one, *other] if i in both} == held & set(other)
    assert len(both) == len(held & set(other))


def test_an_id_whose_hash_is_equal_is_not_taken_for_another(monkeypatch):
    """Every id hashed alike: the text decides, so an id absent is never found."""
    monkeypatch.setattr(ids_module, "hash", lambda _: 7, raising=False)
    listed = ["inf_A", "inf_B", "inf_A", "inf_C"]
    both = CommonIds(items(listed), ["inf_C", "inf_D", "inf_A", "inf_A"])
    assert [i in both for i in ["inf_A", "inf_B", "inf_C", "inf_D", 7]] == [1, 0, 1, 0, 0]
    assert len(both) == 2


def test_a_large_walk_costs_a_few_bytes_an_id():
    """Memory flat in the list (issue 23): of 50,000 items, as a walk reads them back from
    disk (each id a new string), the ids both list are kept in well under the 12 MB of a set
    of them with their strings."""
    size = 50_000

    def made():
        return (f"inf_{n * 7919:026X}" for n in range(size))

    class Walk(Sequence):
        def __len__(self):
            return size

        def __getitem__(self, place):
            if not 0 <= place < size:
                raise IndexError(place)
            return {"influencerId": f"inf_{place * 7919:026X}"}

    walk = Walk()
    tracemalloc.start()
    try:
        both = CommonIds(walk, made())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(both) == size
    assert peak < 3_000_000


@ONE_SETTING
@given(SIDES)
def test_an_id_held_by_hash_is_always_found(runs, sides):
    one, other = sides
    held = Hashes(iter(one))
    assert all(i in held for i in one)
    assert 7 not in held
    # Another is taken for one held only when their hashes are equal.
    assert all((i in held) == (hash(i) in set(map(hash, one))) for i in other)
