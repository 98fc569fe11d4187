"""Freed memory given back to the system (`core.heap`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from layers_conformance.core.heap import give_back_freed_memory


def _resident() -> int:
    pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="no /proc to read RSS from")
def test_what_a_pass_freed_is_no_longer_resident():
    """Memory flat in the length of a run (issue 23): a pass over a walk's pages makes and
    frees thousands of bodies, and a few things it keeps sit among them. Where the C library
    can (glibc), the free pages between those few stop being resident."""
    if not give_back_freed_memory():
        pytest.skip("this C library has no call to give freed memory back (it is not glibc)")
    bodies = [bytearray(1_000) for _ in range(30_000)]  # ~30 MB in the C library's heap
    kept = bodies[::100]  # one in a hundred stays: the heap cannot shrink from its top
    del bodies
    before = _resident()
    assert give_back_freed_memory()
    given_back = before - _resident()
    assert len(kept) == 300
    assert given_back > 15_000_000
