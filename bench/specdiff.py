"""`spec-diff` against page size: `python bench/specdiff.py [KB ...]` prints a table (medians
of 5; sizes 6, 12, 24 and 100 KB unless given).

Each shape is a page made to that size: the pinned page repeated (a realistic page), a
paragraph of one-word sentences repeated (the page the diff was once quadratic on: every
sentence found everywhere), one long paragraph of short lines, and a code block of distinct
lines. Times are of `diff_page` alone (the catalogue loaded once); the ratio between sizes
shows the growth: about 2 from one size to the next, twice as large, is linear.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable

from layers_conformance.core.catalogue import load_catalogue, load_pinned_page
from layers_conformance.core.specdiff import diff_page

SIZES_KB = (6, 12, 24, 100)
REPEAT = 5


def shapes(pinned_page: str) -> dict[str, Callable[[int], str]]:
    words = random.Random(1)

    def word() -> str:
        return "".join(words.choice("abcdefghij") for _ in range(6))

    return {
        "pinned page repeated": lambda size: (pinned_page * (size // len(pinned_page) + 1))[:size],
        "one-word sentences": lambda size: "A.  " * (size // 4),
        "one paragraph of lines": lambda size: "\n".join(word() for _ in range(size // 7)),
        "code block": lambda size: (
            "```\n" + "\n".join(f'"{word()}": "{word()}",' for _ in range(size // 19)) + "\n```\n"
        ),
    }


def median_s(page: str) -> float:
    pinned = load_pinned_page()
    requirements = list(load_catalogue().values())
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        diff_page(page, requirements, pinned.unquoted)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(sizes_kb: tuple[int, ...]) -> None:
    pinned = load_pinned_page()
    page = pinned.path.read_text(encoding="utf-8")
    print("| shape | " + " | ".join(f"{kb} KB" for kb in sizes_kb) + " |")
    print("|---|" + "---|" * len(sizes_kb))
    for name, make in shapes(page).items():
        cells = [f"{median_s(make(kb * 1024)):.3f} s" for kb in sizes_kb]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(tuple(int(kb) for kb in sys.argv[1:]) or SIZES_KB)
