"""Collection: each conformance test names one known requirement; the profile, the
selection and -k/-m leave tests out, noting why for their requirements' reports."""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Sequence

import pytest

from layers_conformance.core.catalogue import Requirement, load_catalogue
from layers_conformance.plugin.state import (
    MARKER,
    SEQUENTIAL_MARKER,
    SMOKE_MARKER,
    STATE,
    RunState,
    marked_requirement,
)


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    catalogue = load_catalogue()
    for item in items:
        if "conformance" in getattr(item, "fixturenames", ()):
            _requirement_of(item, catalogue)
    items.sort(key=lambda item: item.get_closest_marker(SEQUENTIAL_MARKER) is None)  # stable
    state = config.stash[STATE]
    selected = state.options.selected
    if selected is not None:
        from layers_conformance.run.selection import NOT_SELECTED

        _keep_only(config, items, lambda item: _in_selection(item, selected), NOT_SELECTED)
    if state.options.profile == "smoke":
        smoke = "not part of the smoke profile"
        _keep_only(config, items, lambda i: bool(i.get_closest_marker(SMOKE_MARKER)), smoke)
    if state.runs_suites:
        # What is loaded by now (pytest, Hypothesis, the suites: modules, classes, the
        # catalogue) lives until the process ends; the collector stops walking it at every
        # full collection of the run, pytest's at its end included (about a second here).
        gc.freeze()


def _keep_only(
    config: pytest.Config, items: list[pytest.Item], keep: Callable[[pytest.Item], bool], why: str
) -> None:
    """Deselect the items `keep` refuses, noting `why` for their requirements' reports."""
    dropped = [item for item in items if not keep(item)]
    _note_not_run(config.stash[STATE], dropped, why)
    config.hook.pytest_deselected(items=dropped)
    items[:] = [item for item in items if keep(item)]


def _in_selection(item: pytest.Item, selected: frozenset[str]) -> bool:
    requirement = marked_requirement(item)
    return requirement is not None and requirement.id in selected


class EveryMust:
    """A certification stops before its first request when a MUST has no test to run.

    Registered for a certification only, and never in an xdist worker: the controller has
    already refused every option that narrows the run, and a worker's error would be garbled.
    """

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        from layers_conformance.run.certify import uncollected

        marked = (marked_requirement(item) for item in items)
        problem = uncollected(load_catalogue(), (r.id for r in marked if r is not None))
        if problem:
            raise pytest.UsageError(problem)


def pytest_deselected(items: Sequence[pytest.Item]) -> None:
    if items:
        _note_not_run(items[0].config.stash[STATE], items, "deselected in this run (-k or -m)")


def _note_not_run(state: RunState, items: Sequence[pytest.Item], reason: str) -> None:
    state.deselected = True
    for item in items:
        requirement = marked_requirement(item)
        if requirement is not None:
            state.tally.not_run.setdefault(requirement.id, reason)


def _requirement_of(item: pytest.Item, catalogue: dict[str, Requirement]) -> Requirement:
    markers = list(item.iter_markers(MARKER))
    if len(markers) != 1 or len(markers[0].args) != 1:
        raise pytest.UsageError(
            f"{item.nodeid}: a conformance test names exactly one "
            f"requirement with @pytest.mark.{MARKER}('ID')"
        )
    ident = markers[0].args[0]
    if ident not in catalogue:
        raise pytest.UsageError(
            f"{item.nodeid}: unknown requirement id {ident!r} (not in spec/requirements.yaml)"
        )
    return catalogue[ident]


def smoke_params(values: Sequence[object], smoke: Collection[object]) -> list[object]:
    """Values for `parametrize`; those in `smoke` run in the smoke profile too."""
    return [pytest.param(v, marks=pytest.mark.smoke) if v in smoke else v for v in values]
