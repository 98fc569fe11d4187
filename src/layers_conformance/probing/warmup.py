"""The work a full run of the suites asks of the target, known before any test runs.

`Probe.prefetch` runs these jobs concurrently at the start of a run; each lands in the
probe's memo, where the suite test that needs it finds it. The list is built from the same
data as the suites' parameters (`checks.params`), so the requests are the same whether
fetched ahead or on demand: a request missing here is only fetched later, one at a time,
and one no test asks for would show as a different request count at concurrency 1 and N
(`tests/test_warmup.py`). Single requests come first, then walks, longest chains first.
"""

from __future__ import annotations

from functools import partial

from layers_conformance.checks import params
from layers_conformance.probing.client import NO_CREDENTIALS
from layers_conformance.probing.probe import Job, Probe


def jobs(probe: Probe) -> list[Job]:
    """Every request and walk of the standard and thorough suites, cheapest first."""
    return [*single_requests(probe), *cursor_requests(), *walks(probe)]


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
    bad_keys = (params.UNKNOWN_KEY, "", keys.extended)
    credentials: list[object] = [
        keys.sent_as(s, k) for s in ("configured", "other") for k in bad_keys
    ]
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
