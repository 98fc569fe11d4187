"""Start a run: the embedded reference if asked for, the client, and the probe's first answer."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing
from typing import TYPE_CHECKING

from layers_conformance.core.catalogue import Requirement
from layers_conformance.core.exchange import Bodies, Exchange
from layers_conformance.core.redaction import REDACTOR
from layers_conformance.core.targets import Auth, Fixtures, Secret, Target
from layers_conformance.probing import warmup
from layers_conformance.probing.client import Client, ClientSettings, Credentials
from layers_conformance.probing.keys import Keys
from layers_conformance.probing.plan import Plan, plan_run
from layers_conformance.probing.probe import NoAnswer, Probe
from layers_conformance.probing.profiles import PROFILES
from layers_conformance.probing.replay import Replay
from layers_conformance.probing.transport import proxy_for, proxy_secrets
from layers_conformance.run.options import REFERENCE, Options
from layers_conformance.run.preflight import open_preflight
from layers_conformance.run.replay import open_replay

if TYPE_CHECKING:
    from starlette.types import ASGIApp

DEFAULT_READ_TIMEOUT_S = 10.0


def open_probe(
    options: Options,
    target: Target | None,
    stack: ExitStack,
    say: Callable[[str], None],
    on_exchange: Callable[[Exchange], None] | None,
    on_answer: Callable[[Exchange], None] | None,
) -> tuple[Target, Probe]:
    """Start the target if it is the embedded one, and check that it answers at all.

    `on_exchange` is told of every exchange the client records, from whichever thread sent
    it; `on_answer` of every answer a test is given (its evidence), in the test's thread.
    """
    if target is None:
        say("starting the embedded reference server")
        target = stack.enter_context(embedded_reference(options))
    REDACTOR.add(run_secrets(target))  # known before the first answer can echo a key
    configured = Credentials(target.auth.scheme, target.auth.key)
    without = target.auth.key_without_scope
    keys = Keys(configured, Credentials(target.auth.scheme, without) if without else None)
    source = _source(options, target, keys, on_exchange)
    stack.callback(source.close)
    plan = run_plan(options, target)
    say(plan.lines()[0])
    probe = Probe(source, target.fixtures, plan, keys, options.seed, options.concurrency, say)
    # The pages' text on disk, in the run's own folder, for as long as the run judges them.
    probe.bodies = stack.enter_context(closing(Bodies.in_folder(options.target_report_dir)))
    stack.callback(probe.close)  # before the source closes: the stack unwinds in reverse
    # Fails fast, once, when the target is down (TargetUnreachable); a first request left
    # unanswered is met again by the checks that need it.
    with contextlib.suppress(NoAnswer):
        open_preflight(probe, probe.get(), target)  # FixtureContradiction: a usage error
    probe.take_use()  # the first request belongs to no test
    if on_answer is not None:
        probe.on_answer = on_answer
    if options.concurrency > 1 and plan.profile.name != "smoke":
        say(f"sending the run's independent requests and walks, {options.concurrency} at a time")
        probe.prefetch(warmup.jobs(probe))
    return target, probe


def run_plan(options: Options, target: Target | None) -> Plan:
    """The plan of this run (this worker's, under pytest-xdist): walks and their shares."""
    return plan_run(
        PROFILES[options.profile],
        worker_budget(request_budget(options, target), options.workers),
        rate_limit_rps=worker_rate(_rate(options, target), options.workers),
        deadline_s=_deadline_s(options),
    )


def request_budget(options: Options, target: Target | None) -> int:
    """The requests the whole run may send: the target's `request_budget` or the profile's."""
    configured = target.request_budget if target is not None else None
    return configured or PROFILES[options.profile].budget


@contextlib.contextmanager
def embedded_reference(options: Options) -> Iterator[Target]:
    """Start the reference server on a free loopback port for the run; stop it after."""
    # Imported here: a run against a remote target never pays for the server's imports.
    from layers_conformance.reference.app import reference_app
    from layers_conformance.reference.dataset import build_dataset
    from layers_conformance.reference.faults import CATALOGUE
    from layers_conformance.reference.gateway import gateway, parse_gateway
    from layers_conformance.reference.live import LiveSettings
    from layers_conformance.reference.serve import serve_in_thread

    dataset = build_dataset(options.reference_size)
    faults = [CATALOGUE[name] for name in options.reference_faults]
    rate = options.reference_live
    live = None if rate is None else LiveSettings(rate, options.seed)
    app: ASGIApp = reference_app(dataset, *faults, live=live)
    if options.reference_gateway is not None:
        app = gateway(app, parse_gateway(options.reference_gateway))
    with serve_in_thread(app) as base_url:
        known = dataset.fixtures
        yield Target(
            name=REFERENCE,
            base_url=base_url,
            auth=Auth("x-api-key", Secret(known.key), Secret(known.key_without_scope)),
            fixtures=Fixtures(
                project_id=known.project_id,
                empty_project_id=known.empty_project_id,
                foreign_project_id=known.foreign_project_id,
                archived_influencer_ids=known.archived_influencer_ids,
            ),
            rate_limit_rps=None,
            request_budget=None,
            timeout_s=None,
        )


def _source(
    options: Options,
    target: Target,
    keys: Keys,
    on_exchange: Callable[[Exchange], None] | None,
) -> Client | Replay:
    """The client of the target, or, for `verify`, the replay of a recorded run."""
    if options.replay is not None:
        return open_replay(options.replay, target, on_exchange)
    settings = _settings(options, target)
    secrets = run_secrets(target)
    return Client(
        target.base_url, keys.configured, settings, secrets=secrets, on_exchange=on_exchange
    )


def run_secrets(target: Target) -> dict[str, str]:
    """Every secret a run against `target` holds (value -> placeholder): its keys, and the
    credentials of the HTTP proxy the environment names for it."""
    return target.auth.secrets() | proxy_secrets(proxy_for(target.base_url))


def missing_fixtures(requirement: Requirement, target: Target) -> list[str]:
    """The fixtures a requirement needs that the target's entry does not provide."""
    provided = {
        "project_id": target.fixtures.project_id,
        "empty_project_id": target.fixtures.empty_project_id,
        "foreign_project_id": target.fixtures.foreign_project_id,
        "key_without_scope": target.auth.key_without_scope,
        "archived_influencer_ids": target.fixtures.archived_influencer_ids,
    }
    return [name for name in requirement.fixtures if provided.get(name) is None]


def worker_budget(budget: int, workers: int) -> int:
    """A run's budget shared out among its `workers` (pytest-xdist's), so the sum never
    exceeds it."""
    return max(1, budget // workers)


def worker_rate(rate_limit_rps: float | None, workers: int) -> float | None:
    """A run's rate limit shared out among its `workers`, each pacing its own client."""
    return None if rate_limit_rps is None else rate_limit_rps / workers


def _settings(options: Options, target: Target) -> ClientSettings:
    return ClientSettings(
        budget=worker_budget(request_budget(options, target), options.workers),
        rate_limit_rps=worker_rate(_rate(options, target), options.workers),
        read_timeout_s=target.timeout_s or DEFAULT_READ_TIMEOUT_S,
        run_deadline=time.monotonic() + _deadline_s(options),
        proxy=proxy_for(target.base_url),
    )


def _rate(options: Options, target: Target | None) -> float | None:
    return options.rate_limit_rps or (target.rate_limit_rps if target is not None else None)


def _deadline_s(options: Options) -> float:
    return options.deadline_s or PROFILES[options.profile].deadline_s
