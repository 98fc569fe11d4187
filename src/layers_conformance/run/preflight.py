"""A short look before a run spends its budget: fixtures that contradict themselves, or that
contradict what the server shows in a way no server fault explains, stop the run with one
line naming the fixture and its fix (a configuration error, exit 4), instead of coming back
as findings against a server that did nothing wrong."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from layers_conformance.core.exchange import Exchange
from layers_conformance.core.targets import ConfigError, Fixtures, Target
from layers_conformance.probing.probe import NoAnswer, Probe

# The project fixtures in the order they are named, and what each must be instead.
ROLES = {
    "project_id": "a project the key can see",
    "empty_project_id": "a visible project with no live influencers",
    "foreign_project_id": "a project of another org",
}


class FixtureContradiction(ConfigError):
    """The fixtures cannot be what they claim; the message names the fixture and its fix."""


def check_roles(fixtures: Fixtures, where: str, name: Callable[[str], str]) -> None:
    """One project id in two roles (uuids compared without case). `where` starts the line
    (the file and target, or "command line"); `name` spells a fixture there."""
    seen: dict[str, str] = {}
    for role, fix in ROLES.items():
        value: str | None = getattr(fixtures, role)
        if value is None:
            continue
        first = seen.setdefault(value.lower(), role)
        if first != role:
            raise FixtureContradiction(
                f"{where}: {name(role)} is the same project as {name(first)} ({value}); give {fix}"
            )


def check_empty_project(
    main: Exchange, empty: Exchange, unknown: Callable[[], Exchange], empty_name: str
) -> None:
    """The "empty" project's first page lists influencers of the main project's first page,
    while the server plainly reads the project in the path (an unknown project is answered
    404 NOT_FOUND): the fixture names the main project under another spelling. Anything
    else (an unknown project listed, or answered otherwise) may be the server's fault, and
    is left to the checks that judge it."""
    shared = _listed(empty) & _listed(main)
    if not shared or not _not_found(unknown()):
        return  # nothing shared; or the server's reading of the path is in doubt: judged
    example = sorted(shared)[0]
    raise FixtureContradiction(
        f"{empty_name}: its first page lists {len(shared)} influencer(s) of the main project's "
        f"first page ({example}...), so it names the main project; give {ROLES['empty_project_id']}"
    )


def _not_found(answer: Exchange) -> bool:
    body = answer.json() if answer.status == 404 else None
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and error.get("code") == "NOT_FOUND"


def _listed(answer: Exchange) -> set[str]:
    """The influencer ids a 200 page lists; nothing for anything else."""
    body = answer.json() if answer.status == 200 else None
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return set()
    ids = (item.get("influencerId") for item in items if isinstance(item, dict))
    return {ident for ident in ids if isinstance(ident, str) and ident}


def open_preflight(probe: Probe, first: Exchange, target: Target) -> None:
    """What the run's first answers show about the fixtures, before the budget is spent:
    the requests it sends are ones the suites send anyway (the probe remembers them)."""
    empty = target.fixtures.empty_project_id
    if empty is None:
        return
    with contextlib.suppress(NoAnswer):  # no answer is no evidence, here either
        check_empty_project(
            first,
            probe.get(project_id=empty),
            lambda: probe.get(project_id=probe.unknown_project_id),
            f"target {target.name!r}: fixtures.empty_project_id {empty}",
        )
