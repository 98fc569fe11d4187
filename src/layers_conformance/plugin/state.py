"""What the plugin keeps for one session, and the names its modules share."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from layers_conformance.core.catalogue import Requirement, load_catalogue
from layers_conformance.run.options import Options
from layers_conformance.run.tally import Tally

if TYPE_CHECKING:  # the plugin stays cheap to import: these load only when a run needs them
    from layers_conformance.core.exchange import Held
    from layers_conformance.core.results import PairCoverage, RunResult
    from layers_conformance.core.targets import Target
    from layers_conformance.probing.probe import Probe
    from layers_conformance.reporting.har import Spool
    from layers_conformance.run.recheck import Recheck
    from layers_conformance.run.waivers import WaiverBook

MARKER = "requirement"
SMOKE_MARKER = "smoke"
SEQUENTIAL_MARKER = "sequential"
SEED_KEY = "layers_conformance_seed"  # in xdist's workerinput
EXCHANGES_KEY = "layers_conformance_exchanges"  # a worker's HAR spool, in its workeroutput


@dataclass
class RunState:
    """What the plugin keeps for one session (in `config.stash`)."""

    options: Options
    target: Target | None = None  # None until the embedded reference is started
    probe: Probe | None = None
    tally: Tally = field(default_factory=Tally)
    stack: ExitStack = field(default_factory=ExitStack)
    runs_suites: bool = False
    # Failed tests that judge no requirement (a broken suite module): they fail the run too.
    unjudged_failures: int = 0
    deselected: bool = False  # -k, -m or the smoke profile left tests out
    current: pytest.Item | None = None
    # The exchanges `current` judged, by id, in the order it met them: one Allure attachment.
    attached: dict[int, Held] = field(default_factory=dict)
    result: RunResult | None = None
    waivers: WaiverBook | None = None
    # Every exchange as a HAR entry, on disk as it comes (see `reporting.har`). Under xdist
    # each worker has its own client and spool: the spool's path reaches the controller in
    # `workeroutput` as the worker ends.
    spool: Spool | None = None
    spools: list[Path] = field(default_factory=list)  # the workers'
    described: dict[str, Any] | None = None  # the target as `run.json` records it


STATE = pytest.StashKey[RunState]()
# A test's failure that was looked at again, and what the second look saw.
RECHECKED = pytest.StashKey[tuple[BaseException, "Recheck"]]()
# The query space's pairs one test's cases sent: put on its record (see TestRecord.coverage).
COVERAGE = pytest.StashKey[list["PairCoverage"]]()


def marked_requirement(item: pytest.Item) -> Requirement | None:
    marker = item.get_closest_marker(MARKER)
    return load_catalogue().get(marker.args[0]) if marker and marker.args else None
