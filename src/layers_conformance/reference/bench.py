"""Median time to answer a page, over real HTTP and in SQL alone: `python -m ...reference.bench`."""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence

import httpx

from layers_conformance.reference.app import reference_app
from layers_conformance.reference.cursor import Cursor, Position, SignedCodec
from layers_conformance.reference.dataset import Dataset, build_dataset
from layers_conformance.reference.model import ListQuery
from layers_conformance.reference.serve import serve_in_thread
from layers_conformance.reference.store import Store

SAMPLES = 300


def median_ms(action: Callable[[Position | None], object], starts: list[Position | None]) -> float:
    """The median wall time of `action` over the starting positions, in milliseconds."""
    timings = []
    for start in starts:
        began = time.perf_counter()
        action(start)
        timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1000


def starts(dataset: Dataset, count: int) -> list[Position | None]:
    """Page starts spread over the whole listing, the first page among them."""
    live = dataset.live(dataset.fixtures.project_id)
    picks = random.Random(1).sample(live, min(count - 1, len(live)))
    return [None, *(Position(row.created_at, row.influencer_id) for row in picks)]


def bench(size: int, limits: Sequence[int] = (25, 100)) -> list[str]:
    """One line per limit: the HTTP and SQL medians at this dataset size."""
    dataset = build_dataset(size)
    positions = starts(dataset, SAMPLES)
    store, codec = Store(dataset), SignedCodec(dataset.secret)
    project = dataset.fixtures.project_id
    path = f"/v1/projects/{project}/influencers"
    lines = []
    with serve_in_thread(reference_app(dataset)) as url, httpx.Client(base_url=url) as client:
        client.headers["X-Api-Key"] = dataset.fixtures.key
        for limit in limits:

            def http(at: Position | None, limit: int = limit) -> object:
                cursor = {"cursor": codec.encode(Cursor(project, None, at, 2))} if at else {}
                return client.get(path, params={"limit": limit, **cursor}).raise_for_status()

            def sql(at: Position | None, limit: int = limit) -> object:
                return store.page(ListQuery(project, None, at, limit, limit + 1))

            lines.append(
                f"size={size:>7} limit={limit:>3}  http median {median_ms(http, positions):.2f} ms"
                f"  sql median {median_ms(sql, positions):.3f} ms  ({len(positions)} pages)"
            )
    return lines


def main(argv: Sequence[str]) -> int:
    """Print the medians for each size given (default: 160 and 100,000)."""
    for size in [int(arg) for arg in argv] or [160, 100_000]:
        print("\n".join(bench(size)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
