"""Indexes: text keys to integers, on disk for a run, as a dict for hand-made pages."""

from __future__ import annotations

import threading
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layers_conformance.core.index import DiskIndex, Index, MemoryIndex, open_index


@pytest.fixture(params=["memory", "disk"])
def index(request, tmp_path):
    return MemoryIndex() if request.param == "memory" else DiskIndex.in_folder(tmp_path)


class TestIndex:
    def test_each_key_keeps_its_values_in_the_order_added(self, index: Index):
        index.add([("inf_b", 7), ("inf_a", 1), ("inf_b", 3)])
        index.add([("inf_b", 9)])
        assert index.values("inf_b") == (7, 3, 9)
        assert (index.first("inf_b"), index.first("inf_a"), index.first("inf_c")) == (7, 1, None)
        assert index.values("inf_c") == ()

    def test_membership_is_by_key_text(self, index: Index):
        index.add([("inf_a", 0)])
        assert "inf_a" in index
        assert "inf_A" not in index
        assert 0 not in index

    def test_several_lists_the_keys_seen_more_than_once(self, index: Index):
        index.add([("a", 0), ("b", 1), ("c", 2), ("a", 3), ("c", 4), ("c", 5)])
        assert sorted(index.several()) == ["a", "c"]

    def test_keys_are_kept_byte_for_byte(self, index: Index):
        """A hostile id (a lone surrogate, a NUL, another script) is a key like any other."""
        odd = ["inf_\ud800", "inf_\x00x", "inf_Zoë", "inf_zoe\u0308", ""]
        index.add((key, n) for n, key in enumerate(odd))
        index.add([(odd[0], 9)])
        assert [index.values(key) for key in odd] == [(0, 9), (1,), (2,), (3,), (4,)]
        assert list(index.several()) == [odd[0]]

    def test_threads_add_and_read_at_once(self, index: Index):
        def add(start: int) -> None:
            for n in range(start, start + 500):
                index.add([(f"k{n % 50}", n)])
                index.first(f"k{n % 50}")

        threads = [threading.Thread(target=add, args=(n * 500,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(len(index.values(f"k{n}")) for n in range(50)) == 2000


class TestOnDisk:
    def test_the_folder_shows_no_file(self, tmp_path):
        """The index has no name: nothing is left in the run's folder, even before it ends."""
        index = DiskIndex.in_folder(tmp_path / "run")
        index.add((f"inf_{n}", n) for n in range(25_000))  # more than one batch
        assert list((tmp_path / "run").iterdir()) == []
        assert index.values("inf_24999") == (24999,)
        index.close()

    def test_the_keys_seen_again_are_read_a_batch_at_a_time(self, tmp_path):
        """Memory flat in the list (issue 23): 30,000 keys seen twice are listed in a few
        batches' memory, not all at once (3 MB), and the index answers between them."""
        index = DiskIndex.in_folder(tmp_path)
        size = 30_000
        index.add((f"inf_{n % size:026X}", n) for n in range(2 * size))
        tracemalloc.start()
        try:
            agreeing = sum(
                index.values(key) == (int(key[4:], 16), int(key[4:], 16) + size)
                for key in index.several()
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert agreeing == size
        assert peak < 1_500_000
        index.close()

    def test_without_a_folder_an_index_is_a_dict(self, tmp_path):
        assert isinstance(open_index(None), MemoryIndex)
        assert isinstance(open_index(tmp_path), DiskIndex)

    @settings(deadline=None)  # SQLite on a loaded machine: no example is timed
    @given(st.lists(st.tuples(st.text(max_size=4), st.integers(-(2**63), 2**63 - 1))))
    def test_on_disk_as_in_memory(self, tmp_path_factory, pairs):
        """The same answers, whatever the keys and values (SQLite's own integers)."""
        memory, disk = MemoryIndex(), DiskIndex.in_folder(tmp_path_factory.getbasetemp())
        for half in (pairs[::2], pairs[1::2]):
            memory.add(half)
            disk.add(half)
        for key in {key for key, _ in pairs} | {"absent"}:
            assert disk.values(key) == memory.values(key)
            assert disk.first(key) == memory.first(key)
            assert (key in disk) == (key in memory)
        assert sorted(disk.several()) == sorted(memory.several())
        disk.close()
