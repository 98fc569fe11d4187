"""Bench-only pytest plugin: write the run's requests to JSON, for the replay to send again.

Opt-in, never loaded by default: `PYTHONPATH=bench pytest suites -p dump_exchanges
--bench-dump FILE`. It reads the run's exchanges.har once the product plugin has written it
(at `pytest_unconfigure`); it changes nothing the suite does. Keys stay redacted
(`$LAYERS_API_KEY`); the replay puts the reference's known keys back.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from layers_conformance.plugin import STATE
from layers_conformance.reporting.files import HAR_FILE
from layers_conformance.reporting.har import read_har


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--bench-dump",
        dest="bench_dump",
        type=Path,
        default=None,
        help="write every request of the run (method, path and query, headers) to this JSON",
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    path: Path | None = config.getoption("bench_dump")
    har = config.stash[STATE].options.target_report_dir / HAR_FILE
    if path is None or not har.is_file():
        return
    requests = [
        {
            "method": exchange.method,
            # The port is the run's own; the replay serves on another one.
            "target": _path_and_query(exchange.url),
            "headers": exchange.request_headers,
            "status": exchange.status,
        }
        for exchange in read_har(har)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(requests, indent=1), encoding="utf-8")


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
