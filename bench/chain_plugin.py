"""Bench-only pytest plugin: the run's longest chain of dependent requests, into a file.

A walk's pages form a chain (page n+1 needs page n's cursor); the generated queries wait
for the walk they take cursors from, so the chain is the longest walk plus one round trip.

    PYTHONPATH=bench python -m pytest suites -p chain_plugin --bench-chain=out/chain.txt
"""

from __future__ import annotations

from pathlib import Path

import pytest

from layers_conformance.plugin import STATE


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--bench-chain", dest="bench_chain", default=None)


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption("bench_chain")
    probe = session.config.stash[STATE].probe
    if path and probe is not None:
        longest = max((len(walk.pages) for walk in probe.walks_done()), default=0)
        Path(path).write_text(str(longest + 1), encoding="utf-8")
