"""The pytest plugin (the `pytest11` entry point): pytest's side of a conformance run.

pytest registers this module; its hooks and fixtures live in one module per concern, in
the order a session meets them, and are gathered here so pytest finds them:

- `options`: the command line, declared to pytest and read into `run.options.Options`;
- `session_start`: markers, the target, waivers, a certification's checks, the terminal;
- `collection`: each test's requirement, and what the profile and the selection leave out;
- `fixtures`: the probe of the target and the other fixtures suites ask for;
- `verdict_hooks`: each test's report turned into a verdict, rechecks and waivers;
- `session_end`: the records gathered, the reports written, the exit status;
- `state`: what they share for one session (`RunState` in `config.stash`).

The work itself lives in the layers below (see ARCHITECTURE.md), which never import
pytest. The plugin stays cheap to import: what a run needs loads when it needs it.
"""

from __future__ import annotations

from layers_conformance.plugin.collection import (
    pytest_collection_modifyitems,
    pytest_deselected,
    smoke_params,
)
from layers_conformance.plugin.fixtures import (
    conformance,
    conformance_coverage,
    conformance_seed,
    conformance_space,
    pytest_runtest_teardown,
)
from layers_conformance.plugin.options import DEFAULT_CONCURRENCY, pytest_addoption
from layers_conformance.plugin.session_end import (
    pytest_sessionfinish,
    pytest_terminal_summary,
    pytest_testnodedown,
)
from layers_conformance.plugin.session_start import (
    pytest_configure,
    pytest_configure_node,
    pytest_report_header,
    pytest_sessionstart,
)
from layers_conformance.plugin.state import STATE
from layers_conformance.plugin.verdict_hooks import (
    pytest_report_teststatus,
    pytest_runtest_call,
    pytest_runtest_makereport,
    pytest_runtest_setup,
)

__all__ = [
    "DEFAULT_CONCURRENCY",
    "STATE",
    "conformance",
    "conformance_coverage",
    "conformance_seed",
    "conformance_space",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_configure_node",
    "pytest_deselected",
    "pytest_report_header",
    "pytest_report_teststatus",
    "pytest_runtest_call",
    "pytest_runtest_makereport",
    "pytest_runtest_setup",
    "pytest_runtest_teardown",
    "pytest_sessionfinish",
    "pytest_sessionstart",
    "pytest_terminal_summary",
    "pytest_testnodedown",
    "smoke_params",
]
