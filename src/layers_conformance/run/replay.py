"""A run's target as recorded: `run.json` written beside the evidence, and read back to replay.

`conformance.json` already says which target the run went to, how (profile, seed, suite
version) and what it concluded. `run.json` adds what a replay needs to ask the same
requests again: the base URL, the fixtures, how the keys travelled and the placeholders
they were recorded as (a replay sends the placeholders themselves, so its requests are the
recorded ones), and the versions that decide which cases Hypothesis generates. It never
holds a key.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import hypothesis

from layers_conformance.core.exchange import Exchange
from layers_conformance.core.stops import StopKind
from layers_conformance.core.targets import (
    KEY_NO_SCOPE_VARIABLE,
    KEY_VARIABLE,
    Auth,
    Fixtures,
    Secret,
    Target,
)
from layers_conformance.probing.client import ClientError, Credentials
from layers_conformance.probing.replay import Replay, refusal
from layers_conformance.reporting.files import HAR_FILE, REPORT_FILE, RUN_FILE
from layers_conformance.reporting.har import read_har
from layers_conformance.reporting.json_report import ReportError, read_json, read_json_file
from layers_conformance.run.tally import ABORTED

STOP_KIND = "stop_kind"  # the report's key for why `aborted`, as data


def placeholder(secret: Secret, default_variable: str) -> str:
    """What a key is written as in every record: `$` and the variable it was read from."""
    return f"${secret.variable or default_variable}"


def describe_run(
    target: Target, reference_faults: tuple[str, ...], plan_budget: int | None = None
) -> dict[str, Any]:
    """What `run.json` records of a run, beyond its report: the keys only as placeholders,
    and the budget its plan was made for (the walks' shares follow from it and the profile)."""
    fixtures, auth = target.fixtures, target.auth
    archived = fixtures.archived_influencer_ids
    no_scope = auth.key_without_scope
    return {
        "base_url": target.base_url,
        "auth_scheme": auth.scheme,
        "key": placeholder(auth.key, KEY_VARIABLE),
        "key_without_scope": None
        if no_scope is None
        else placeholder(no_scope, KEY_NO_SCOPE_VARIABLE),
        "fixtures": {
            "project_id": fixtures.project_id,
            "empty_project_id": fixtures.empty_project_id,
            "foreign_project_id": fixtures.foreign_project_id,
            "archived_influencer_ids": None if archived is None else list(archived),
        },
        "reference_faults": list(reference_faults),
        "plan_budget": plan_budget,
        "hypothesis_version": hypothesis.__version__,
        "python_version": platform.python_version(),
    }


def read_run(directory: Path) -> dict[str, Any]:
    """`run.json` of an unpacked bundle."""
    path = directory / RUN_FILE
    described = read_json_file(path, "the run's description", "a run's description")
    if not isinstance(described, dict):
        raise ReportError(f"{path}: the run's description must be a JSON object")
    return described


def replay_target(directory: Path) -> Target:
    """The target of the run an unpacked bundle recorded, with the keys as placeholders."""
    report, described = read_json(directory / REPORT_FILE), read_run(directory)
    try:
        fixtures = described["fixtures"]
        archived = fixtures["archived_influencer_ids"]
        no_scope = described["key_without_scope"]
        keys = Secret(described["key"]), None if no_scope is None else Secret(no_scope)
        return Target(
            name=str(report["target"]),
            base_url=str(described["base_url"]),
            auth=Auth(described["auth_scheme"], *keys),
            fixtures=Fixtures(
                project_id=fixtures["project_id"],
                empty_project_id=fixtures["empty_project_id"],
                foreign_project_id=fixtures["foreign_project_id"],
                archived_influencer_ids=None if archived is None else tuple(archived),
            ),
            rate_limit_rps=None,
            # The recorded run's plan, so the replay asks for the walks it made, page for page.
            request_budget=described.get("plan_budget"),
            timeout_s=None,
        )
    except (KeyError, TypeError) as error:
        raise ReportError(f"{directory / RUN_FILE}: missing or malformed {error}") from None


def open_replay(
    directory: Path, target: Target, on_exchange: Callable[[Exchange], None] | None
) -> Replay:
    """A replay of the exchanges an unpacked bundle recorded."""
    report = read_json(directory / REPORT_FILE)
    return Replay(
        target.base_url,
        Credentials(target.auth.scheme, target.auth.key),
        read_har(directory / HAR_FILE),
        cut_short=recorded_refusal(report),
        on_exchange=on_exchange,
    )


def recorded_refusal(report: Mapping[str, Any]) -> ClientError | None:
    """The refusal that cut a recorded run short, from its report's `stop_kind`.

    A report without one (written before stop kinds were recorded) gives none: the replay
    repeats no stop it cannot be sure of, so a request the run never recorded is not
    answered (`NotRecorded`: the test that asked is inconclusive), and verify says why in a
    note (`stop_note`).
    """
    recorded = report.get(STOP_KIND)
    if recorded is None:
        return None
    try:
        kind = StopKind(recorded)
    except ValueError:
        raise ReportError(f"{REPORT_FILE}: unknown {STOP_KIND} {recorded!r}") from None
    return refusal(kind, str(report.get("aborted", "")).removeprefix(ABORTED))


def stop_note(report: Mapping[str, Any]) -> str:
    """One line for a report whose run stopped but which records no stop kind, else ''."""
    if STOP_KIND in report or not report.get("aborted"):
        return ""
    return (
        f"note: {REPORT_FILE} records no {STOP_KIND} (written before stop kinds were): its "
        "stop was not repeated, so requests it never recorded were inconclusive"
    )
