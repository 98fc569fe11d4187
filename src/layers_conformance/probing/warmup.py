"""The work a full run of the suites asks of the target, known before any test runs.

`Probe.prefetch` runs these jobs concurrently at the start of a run; each lands in the
probe's memo, where the suite test that needs it finds it. The list is built from the same
data as the suites' parameters (`checks.params`), so the requests are the same whether
fetched ahead or on demand: a request missing here is only fetched later, one at a time,
and one no test asks for would show as a different request count at concurrency 1 and N
(`tests/robustness/test_concurrency.py`). Single requests come first (a run its budget
cuts short has answered them as it would one at a time, see `tests/certification`), then
walks, longest chains first, then the query space's requests, which need the walks' truth
and cursors.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from functools import partial

from layers_conformance.checks import params
from layers_conformance.core.pages import read_page
from layers_conformance.probing import space
from layers_conformance.probing.client import NO_CREDENTIALS
from layers_conformance.probing.keys import EXTENDED
from layers_conformance.probing.probe import Job, Probe


def jobs(probe: Probe) -> list[Job]:
    """Every request and walk of the standard and thorough suites, cheapest first."""
    return [*single_requests(probe), *cursor_requests(), *walks(probe), *query_space()]


def single_requests(probe: Probe) -> list[Job]:
    """Requests that need no earlier answer: one round trip each."""
    fixtures, keys = probe.fixtures, probe.keys
    queries: list[tuple[tuple[str, str], ...]] = [(), (("limit", "1"),), (("limit", "100"),)]
    queries += [(("limit", limit),) for limit in params.LIMITS_OUT_OF_RANGE]
    queries += [(("limit", limit),) for limit in params.LIMITS_NOT_INTEGER]
    queries += [(("status", status),) for status in params.STATUSES_INVALID]
    queries += [(("cursor", cursor),) for cursor in params.GARBAGE_CURSORS]
    queries.append((("limit", "100"), ("includeArchived", "true")))
    found: list[Job] = [partial(Probe.get, params=query) for query in queries]
    projects = [probe.unknown_project_id, *params.MALFORMED_PROJECT_IDS]
    projects += [p for p in (fixtures.empty_project_id, fixtures.foreign_project_id) if p]
    found += [partial(Probe.get, project_id=project) for project in projects]
    credentials: list[object] = []
    for scheme in ("configured", "other"):
        credentials += [keys.sent_as(scheme, params.UNKNOWN_KEY), keys.sent_as(scheme, "")]
        credentials.append(keys.sent_as(scheme, form=EXTENDED))
    credentials += [keys.sent_as("bearer"), keys.sent_as("x-api-key"), NO_CREDENTIALS]
    credentials += [keys.without_scope] if keys.without_scope else []
    found += [partial(Probe.get, credentials=c) for c in credentials]
    return found


def cursor_requests() -> list[Job]:
    """Requests that spoil or carry elsewhere the first real cursor: a chain of two."""

    def spoiled(probe: Probe) -> None:
        cursor = probe.first_page(limit=1).next_cursor
        if cursor is None:
            return
        for edited in (params.truncated(cursor), *params.altered(cursor)):
            probe.get((("limit", "1"), ("cursor", edited)))
        if probe.fixtures.foreign_project_id:
            probe.get(
                (("limit", "1"), ("cursor", cursor)), project_id=probe.fixtures.foreign_project_id
            )

    return [spoiled]


def walks(probe: Probe) -> list[Job]:
    """Every walk the suites compare, the longest chains (smallest pages) first."""
    sizes = sorted(probe.profile.page_sizes)
    found: list[Job] = [partial(Probe.traverse, limit=size) for size in [*sizes, None]]
    found += [partial(Probe.filtered, status=status) for status in params.STATUSES]
    return found


def query_space() -> list[Job]:
    """The first page at every limit the truth can judge, and the pairwise cases: each sent
    as its own job once the walks they need are known (the points Hypothesis draws are sent
    by their test, which alone may run Hypothesis)."""

    def first_pages(probe: Probe) -> None:
        pages = space.first_pages(space.truth(probe))
        probe.prefetch([partial(Probe.get, params=space.first_page_query(*p)) for p in pages])

    def pairwise_cases(probe: Probe) -> None:
        probe.prefetch([partial(space.send, case=case) for case in space.gather(probe).cases])

    return [first_pages, pairwise_cases]


def send_ahead(probe: Probe, jobs: Sequence[Job]) -> None:
    """Work a test is about to need, whatever happens to the test: side by side before any
    other work not started yet, or here one after another at concurrency 1, so that the
    requests sent do not depend on the concurrency."""
    if probe.concurrency > 1:
        probe.prefetch(jobs, first=True)
        return
    for job in jobs:
        # As when fetched ahead: an error (no answer, a spent budget) is remembered with the
        # answer it replaced and reaches the test only if and when it asks for that answer,
        # so a test that fails on an earlier case fails alike at every concurrency.
        with contextlib.suppress(Exception):
            job(probe)


def walk_prefixes(deepest: dict[tuple[int, str | None], int]) -> list[Job]:
    """For each (limit, status), its first `pages` pages by cursor: one chain each."""
    return [partial(_prefix, limit=k[0], status=k[1], pages=n) for k, n in deepest.items()]


def _prefix(probe: Probe, limit: int, status: str | None, pages: int) -> None:
    query, cursor = space.first_page_query(limit, status), None
    for number in range(1, pages + 1):
        answer = probe.get(query + ((("cursor", cursor),) if cursor is not None else ()))
        page = read_page(answer, number, limit)
        if page is None or page.next_cursor is None:
            return
        cursor = page.next_cursor
