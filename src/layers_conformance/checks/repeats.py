"""Which ids a listing holds more than once, found without a set of every id it holds.

A walk to the end of a large list holds a million ids: a set of them (with the strings it
keeps alive) is over 100 MB at once. Two passes instead: the first marks each id's two bits
in a bitmap of at most 2 MB and keeps the ids whose bits were both marked already (every
repeat, and a few ids that only share bits with others); the second counts those few. The
answer is exact; only its cost depends on the bitmap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

# Bits per id the bitmap is sized to (rounded up to a power of two), and its largest size:
# 16 bits per id keep about 1 id in 100 a candidate, 2**24 bits are 2 MB.
BITS_PER_ID = 16
MOST_BITS = 1 << 24
FEWEST_BITS = 1 << 10


def repeated(ids: Callable[[], Iterable[str]], count: int) -> set[str]:
    """The ids `ids()` yields more than once; `ids` is called twice, `count` is how many it
    yields (it sizes the bitmap)."""
    bits = max(FEWEST_BITS, min(MOST_BITS, 1 << max(count * BITS_PER_ID - 1, 1).bit_length()))
    mask, shift = bits - 1, bits.bit_length() - 1
    bitmap = bytearray(bits // 8)
    candidates: set[str] = set()
    for ident in ids():
        marked = True
        hashed = hash(ident)
        for bit in (hashed & mask, (hashed >> shift) & mask):
            byte, flag = bit >> 3, 1 << (bit & 7)
            if not bitmap[byte] & flag:
                marked = False
                bitmap[byte] |= flag
        if marked:
            candidates.add(ident)
    del bitmap
    if not candidates:
        return set()
    counted = Counter(ident for ident in ids() if ident in candidates)
    return {ident for ident, times in counted.items() if times > 1}
