"""One full traversal at limit 100 with the suite's own code, in a process of its own.

`python bench/scale_walk.py BASE_URL KEY PROJECT_ID EXPECTED_ITEMS` prints one JSON line:
per-page times, whether the invariants held, and this process's peak RSS. A process per
measurement keeps each peak its own; the server runs elsewhere so its dataset is not in it.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time

from layers_conformance.checks.invariants import (
    last_cursor_is_null,
    no_repeated_items,
    pages_full_but_last,
    pages_within_limit,
    sorted_newest_first,
)
from layers_conformance.core.exchange import Exchange
from layers_conformance.core.pages import Traversal
from layers_conformance.probing.client import Client, ClientSettings, Credentials
from layers_conformance.probing.traversal import walk

LIMIT = 100
INVARIANTS = (sorted_newest_first, no_repeated_items, last_cursor_is_null)
INVARIANTS += (pages_within_limit, pages_full_but_last)


def peak_rss_mb() -> float:
    """This process's peak resident set so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_walk(client: Client, project_id: str) -> tuple[Traversal, list[float]]:
    """The traversal, and the seconds each page's request took (sent to body read)."""
    seconds: list[float] = []

    def fetch(cursor: str | None) -> Exchange:
        params = [("limit", str(LIMIT))] + ([("cursor", cursor)] if cursor else [])
        started = time.perf_counter()
        exchange = client.list_influencers(project_id, params)
        seconds.append(time.perf_counter() - started)
        return exchange

    return walk(fetch, limit=LIMIT, max_pages=10**6), seconds


def measure(base_url: str, key: str, project_id: str, expected: int) -> dict[str, object]:
    rss_before = peak_rss_mb()
    settings = ClientSettings(budget=10**7)
    with Client(base_url, Credentials("x-api-key", key), settings) as client:
        started = time.perf_counter()
        traversal, seconds = timed_walk(client, project_id)
        walked = time.perf_counter() - started
        violations = [v for check in INVARIANTS for v in check(traversal)]
        checked = time.perf_counter() - started - walked
    tenth = max(1, len(seconds) // 10)
    return {
        "pages": len(traversal.pages),
        "items": len(traversal.items),
        "complete": traversal.complete and len(traversal.items) == expected,
        "violations": len(violations),
        "page_median_ms": statistics.median(seconds) * 1000,
        "first_tenth_median_ms": statistics.median(seconds[:tenth]) * 1000,
        "last_tenth_median_ms": statistics.median(seconds[-tenth:]) * 1000,
        "walk_s": walked,
        "invariants_s": checked,
        "rss_at_start_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: list[str]) -> int:
    base_url, key, project_id, expected = argv
    print(json.dumps(measure(base_url, key, project_id, int(expected))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
