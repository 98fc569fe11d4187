"""Freed memory given back to the system between the parts of a run.

A walk to a million's end parses ten thousand answers of some 30 kB. What they free stays in
the C library's heaps, resident, where later parts of the run reuse only some of it (other
sizes, other threads): the glibc heaps of a thorough run on a million influencers held ~4 MB
more at its peak than with them trimmed (issue 23). `malloc_trim` gives the free pages back.
Other C libraries (macOS's, musl) have no such call: there, nothing is done.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim  # the process's own libc
    except (OSError, AttributeError):
        return None
    return trim


_TRIM = _malloc_trim()


def give_back_freed_memory() -> bool:
    """Return the free pages of the C library's heaps to the system, where it can (glibc);
    whether it could. A run calls it after each walk and each test."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
