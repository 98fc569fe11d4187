"""Run the reference server: in a thread for tests, or from `layers-conformance serve`."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import uvicorn
import yaml
from starlette.types import ASGIApp

from layers_conformance.reference.app import reference_app
from layers_conformance.reference.dataset import ReferenceFixtures, build_dataset
from layers_conformance.reference.faults import CATALOGUE, describe
from layers_conformance.reference.gateway import Gateway, gateway, parse_gateway
from layers_conformance.reference.gateway import describe as describe_gateways
from layers_conformance.reference.hooks import Fault
from layers_conformance.reference.live import LiveSettings

STARTUP_S = 10.0
SHUTDOWN_S = 5.0
# Cancels handlers still running at shutdown (a hanging fault's) instead of waiting on them.
GRACEFUL_S = 1
READY_LINE = "serving until Ctrl-C"


@contextmanager
def serve_in_thread(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `app` with uvicorn in a daemon thread; yield its base URL; stop it on exit."""
    # Served inside the run's own process, the reference must format no tracebacks: its
    # faults raise on purpose (a dropped connection), and Python 3.11's traceback module
    # parses source with `ast`, which breaks when another thread (pytest reporting a failure)
    # parses at the same moment: "AST constructor recursion depth mismatch", an INTERNALERROR.
    config = uvicorn.Config(
        app, host=host, port=port, log_level="critical", timeout_graceful_shutdown=GRACEFUL_S
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="reference-server", daemon=True)
    thread.start()
    try:
        yield _wait_started(server, thread, host)
    finally:
        server.should_exit = True
        thread.join(SHUTDOWN_S)


def _wait_started(server: uvicorn.Server, thread: threading.Thread, host: str) -> str:
    deadline = time.monotonic() + STARTUP_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the reference server did not start on {host}")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://{host}:{port}"


def targets_entry(base_url: str, fixtures: ReferenceFixtures) -> dict[str, Any]:
    """A targets.yaml entry for the served reference, keys left as environment variables."""
    return {
        "base_url": base_url,
        "auth": {
            "scheme": "x-api-key",
            "key": "${LAYERS_API_KEY}",
            "key_without_scope": "${LAYERS_API_KEY_NO_SCOPE}",
        },
        "fixtures": {
            "project_id": fixtures.project_id,
            "empty_project_id": fixtures.empty_project_id,
            "foreign_project_id": fixtures.foreign_project_id,
            "archived_influencer_ids": list(fixtures.archived_influencer_ids),
        },
    }


def main(argv: Sequence[str]) -> int:
    """`layers-conformance serve`: run the reference until interrupted."""
    args = _parser().parse_args(argv)
    if args.list_faults:
        print(describe())
        return 0
    if args.list_gateways:
        print(describe_gateways())
        return 0
    unknown = [name for name in args.fault if name not in CATALOGUE]
    if unknown:
        print(f"serve: unknown fault {unknown[0]!r} (see --list-faults)", file=sys.stderr)
        return 2
    try:
        front = None if args.gateway is None else parse_gateway(args.gateway)
    except ValueError as error:
        print(f"serve: --gateway: {error}", file=sys.stderr)
        return 2
    return _serve(args, [CATALOGUE[name] for name in args.fault], front)


def _serve(args: argparse.Namespace, faults: list[Fault], front: Gateway | None) -> int:
    dataset = build_dataset(args.size, seed=args.seed)
    live = None if args.live is None else LiveSettings(args.live, args.seed)
    app: ASGIApp = reference_app(dataset, *faults, db_path=args.db, live=live)
    if front is not None:
        app = gateway(app, front)
    with serve_in_thread(app, args.host, args.port) as base_url:
        print(_banner(base_url, dataset.fixtures, faults, live, front), flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping", file=sys.stderr)
    return 0


def _banner(
    base_url: str,
    fixtures: ReferenceFixtures,
    faults: list[Fault],
    live: LiveSettings | None,
    front: Gateway | None,
) -> str:
    names = ", ".join(fault.name for fault in faults) or "none (conformant)"
    if front is not None:
        names += f"; behind the gateway {front}"
    entry = yaml.safe_dump({"targets": {"reference": targets_entry(base_url, fixtures)}})
    changes = "" if live is None else f"; live: a change about every {live.rate:g} requests"
    return "\n".join(
        [
            f"reference server on {base_url} (faults: {names}{changes})",
            f"export LAYERS_API_KEY={fixtures.key}",
            f"export LAYERS_API_KEY_NO_SCOPE={fixtures.key_without_scope}",
            "",
            run_line(base_url, fixtures),
            "",
            entry.rstrip("\n"),
            "",
            READY_LINE,
        ]
    )


def run_line(base_url: str, fixtures: ReferenceFixtures) -> str:
    """The command that runs the suite against the served reference, without a targets file
    (its archived ids are in the targets entry only)."""
    return (
        f"layers-conformance run --base-url {base_url} --project-id {fixtures.project_id} "
        f"--empty-project-id {fixtures.empty_project_id} "
        f"--foreign-project-id {fixtures.foreign_project_id}"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="layers-conformance serve", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (0: any free)")
    parser.add_argument("--size", type=int, default=160, help="live influencers in the project")
    parser.add_argument("--seed", type=int, default=0, help="dataset seed")
    parser.add_argument("--db", default=":memory:", help="SQLite file (default: in memory)")
    parser.add_argument(
        "--fault", action="append", default=[], metavar="NAME", help="apply a fault (repeatable)"
    )
    parser.add_argument(
        "--live",
        type=_rate,
        default=None,
        metavar="RATE",
        help="create, archive and move influencers: about one change every RATE requests",
    )
    parser.add_argument("--list-faults", action="store_true", help="list the faults and exit")
    parser.add_argument(
        "--gateway", metavar="MODE[:RPS]", help="serve behind a production gateway (see below)"
    )
    parser.add_argument(
        "--list-gateways", action="store_true", help="list the gateway modes and exit"
    )
    return parser


def _rate(text: str) -> float:
    try:
        return LiveSettings(float(text)).rate
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
