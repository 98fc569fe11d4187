"""Numbers by 16-byte digest, in arrays: no object an entry.

A run remembers the answer to each of its walks' pages by its cursor's digest
(`core.exchange.cursor_key`), and a walk each cursor it met: twenty thousand of them on a
large list. In a dict each is a bytes object and an int (~100 bytes with its slot), made
among the parses of the page's answer, and they kept the memory of those parses resident.
Here an entry is ~40 bytes in a few arrays: its digest and its number, two 64-bit halves each
in the order added, and its place in an index of at most half-full slots (linear probing).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

DIGEST_BYTES = 16
LARGEST = (1 << 128) - 1  # the largest number a table holds
_HALF = 64
_LOW = (1 << _HALF) - 1
_EMPTY = -1


class DigestTable:
    """Numbers (0 to `LARGEST`) by 16-byte digest. Not thread-safe: its owner locks."""

    def __init__(self) -> None:
        self._index = array("i", [_EMPTY]) * 8  # per slot: the entry's place, or _EMPTY
        self._digests = array("Q")  # two halves an entry
        self._numbers = array("Q")  # two halves an entry

    def __len__(self) -> int:
        return len(self._digests) // 2

    def get(self, digest: bytes) -> int | None:
        """The number under `digest`, or None."""
        place = self._index[self._slot(*_halves(digest))]
        if place == _EMPTY:
            return None
        return self._numbers[2 * place] | self._numbers[2 * place + 1] << _HALF

    def put(self, digest: bytes, number: int) -> None:
        """`number` under `digest` (in place of the one it had)."""
        if not 0 <= number <= LARGEST:
            raise OverflowError(f"{number} is outside what a digest table holds")
        low, high = _halves(digest)
        slot = self._slot(low, high)
        place = self._index[slot]
        if place == _EMPTY:
            place = len(self)
            self._index[slot] = place
            self._digests.extend((low, high))
            self._numbers.extend((0, 0))
        self._numbers[2 * place], self._numbers[2 * place + 1] = number & _LOW, number >> _HALF
        if 2 * len(self) > len(self._index):
            self._grow()

    def items(self) -> Iterator[tuple[bytes, int]]:
        """Each digest and its number, in the order added."""
        digests, numbers = self._digests, self._numbers
        for n in range(0, len(digests), 2):
            digest = (digests[n] | digests[n + 1] << _HALF).to_bytes(DIGEST_BYTES, "little")
            yield digest, numbers[n] | numbers[n + 1] << _HALF

    def _slot(self, low: int, high: int) -> int:
        # The slot that holds this digest, or the empty one where it would go. A digest is
        # evenly spread: its low bits pick the first slot tried.
        index, digests = self._index, self._digests
        mask = len(index) - 1
        slot = low & mask
        while (place := index[slot]) != _EMPTY and (
            digests[2 * place] != low or digests[2 * place + 1] != high
        ):
            slot = (slot + 1) & mask
        return slot

    def _grow(self) -> None:
        self._index = array("i", [_EMPTY]) * (2 * len(self._index))
        for place in range(len(self)):
            low, high = self._digests[2 * place], self._digests[2 * place + 1]
            self._index[self._slot(low, high)] = place


def _halves(digest: bytes) -> tuple[int, int]:
    if len(digest) != DIGEST_BYTES:
        raise ValueError(f"a digest is {DIGEST_BYTES} bytes, not {len(digest)}")
    whole = int.from_bytes(digest, "little")
    return whole & _LOW, whole >> _HALF
