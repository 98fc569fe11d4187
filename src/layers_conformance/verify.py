"""`layers-conformance verify BUNDLE`: derive a certification's verdict again, offline.

The bundle's manifest must match its files, its spec must be the installed suite's, and
every requirement's status must come out the same when the suites run again over the
recorded exchanges (`--replay`: a `probing.replay.Replay` answers in place of the HTTP
client, so nothing is sent anywhere). Exit status: 0 accepted, 1 rejected (each difference
on its own line), 4 when BUNDLE cannot be read at all (one line).

A bundle written before `incomplete` was a run verdict says `fail` for a run that could not
finish with nothing failed: accepted, with a note, when the claim itself shows such a run and
the replay re-derives `incomplete` (`older_verdict_word`); any other verdict differing rejects.

A bundle is somebody else's file: its members are read within limits, its claims are checked
for type before any is used (the target names a folder inside verify's temporary one), and
everything shown from it is shown as text, controls made visible.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis

from layers_conformance import __version__
from layers_conformance.core.catalogue import files_sha256, spec_dir
from layers_conformance.core.redaction import escape_controls, excerpt
from layers_conformance.core.targets import ConfigError, check_target_name
from layers_conformance.probing.profiles import PROFILES
from layers_conformance.reporting.bundle import manifest_problems, read_bundle
from layers_conformance.reporting.claims import READ_ONLY, RECORDED, recorded_claim_problems
from layers_conformance.reporting.files import HAR_FILE, REPORT_FILE, RUN_FILE
from layers_conformance.reporting.json_report import ReportError, read_json, read_json_file
from layers_conformance.run.against import against, sample
from layers_conformance.run.certify import SPEC_PREFIX, spec_files
from layers_conformance.run.replay import read_run, stop_note
from layers_conformance.standalone import (
    output_tail,
    pytest_command,
    run_to_the_end,
    without_pytest_variables,
)

REQUIRED = (REPORT_FILE, HAR_FILE, RUN_FILE)
# What the replay needs of the report, and the type each claim must have.
CLAIM_TYPES: dict[str, tuple[type, str]] = {
    "suite_version": (str, "a string"),
    "spec_sha256": (str, "a string"),
    "target": (str, "a string"),
    "profile": (str, "a string"),
    "seed": (int, "an integer"),
}
REPLAY_TIMEOUT_S = 3600
DECIDED = ("pass", "fail", "warn")  # statuses whose reason the recording alone decides


@dataclass
class Verification:
    """What verify found: the problems that reject the bundle, and what it confirmed."""

    problems: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    base_url: str = ""  # the server the bundle claims, and the HAR's entries it recorded
    entries: list[Any] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.problems


def verify(path: Path) -> Verification:
    """Check the bundle at `path` and derive its verdict again; never sends a request.

    A malformed file inside raises `ReportError`, whose message says which.
    """
    files = read_bundle(path)
    missing = [f"{name}: missing from the bundle" for name in REQUIRED if name not in files]
    found = Verification(manifest_problems(files) + missing)
    if found.problems:
        return found
    found.confirmed.append(f"manifest: {len(files) - 1} files, each with the sha256 it lists")
    with tempfile.TemporaryDirectory(prefix="lc-verify-") as scratch:
        unpacked = _unpack(files, Path(scratch))
        claimed = read_json(unpacked / REPORT_FILE)
        _check_claims(claimed)
        found.problems += _version_problems(claimed) + _spec_problems(files, claimed)
        if found.problems:
            return found
        found.confirmed.append(f"spec: the installed suite's own (sha256 {claimed['spec_sha256']})")
        found.problems += _recorded_problems(unpacked, claimed, found)
        if found.problems:  # the replay still runs: it names what it could not find
            _rederive(unpacked, claimed, found)
            return found
        found.confirmed.append(
            f"from the recording: {', '.join(RECORDED)} (every request went to "
            f"{claimed['base_url']}; {claimed['requests']} exchanges; the claimed start and "
            "duration hold every exchange)"
        )
        _rederive(unpacked, claimed, found)
    return found


def _recorded_problems(
    unpacked: Path, claimed: Mapping[str, Any], found: Verification
) -> list[str]:
    """The report's claims about the run that run.json and the HAR contradict."""
    har = read_json_file(unpacked / HAR_FILE, "the HAR", "a HAR file")
    log = har.get("log") if isinstance(har, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise ReportError(f"{HAR_FILE}: log.entries must be a list")
    found.base_url, found.entries = str(claimed.get("base_url")), entries
    return recorded_claim_problems(claimed, read_run(unpacked), entries)


def _check_claims(claimed: Mapping[str, Any]) -> None:
    """What the replay needs of the report (how the run was made), each of its type, the
    target a safe name and the profile a known one; else a ReportError."""
    for key, (kind, described) in CLAIM_TYPES.items():
        value = claimed.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ReportError(f"{REPORT_FILE}: {key}={excerpt(value)} must be {described}")
    try:
        check_target_name(claimed["target"], REPORT_FILE)
    except ConfigError as error:
        raise ReportError(str(error)) from None
    if claimed["profile"] not in PROFILES:
        raise ReportError(f"{REPORT_FILE}: profile={excerpt(claimed['profile'])} is not known")


def _version_problems(claimed: Mapping[str, Any]) -> list[str]:
    made_by = claimed.get("suite_version")
    if made_by == __version__:
        return []
    return [f"suite version: the bundle was made by {made_by}, this is {__version__}"]


def _spec_problems(files: Mapping[str, bytes], claimed: Mapping[str, Any]) -> list[str]:
    """The bundle's spec must be the installed one, and the one its report names."""
    bundled = {name: data for name, data in files.items() if name.startswith(SPEC_PREFIX)}
    installed = spec_files(spec_dir())
    problems = [
        f"{name}: differs from the installed suite's pinned spec"
        for name in sorted(set(bundled) | set(installed))
        if bundled.get(name) != installed.get(name)
    ]
    digest = files_sha256({name.removeprefix(SPEC_PREFIX): data for name, data in bundled.items()})
    if digest != claimed.get("spec_sha256"):
        problems.append(f"{REPORT_FILE}: spec_sha256 is not the digest of the bundle's spec")
    return problems


def _unpack(files: Mapping[str, bytes], directory: Path) -> Path:
    for name in REQUIRED:
        (directory / name).write_bytes(files[name])
    return directory


def _rederive(unpacked: Path, claimed: Mapping[str, Any], found: Verification) -> None:
    """Run the suites over the recorded exchanges and compare every status with the claim."""
    notes = [_hypothesis_note(read_run(unpacked)), stop_note(claimed)]
    rederived = _replay(unpacked, claimed)
    if isinstance(rederived, str):
        found.problems.append(rederived)
        return
    found.problems += _differences(claimed, rederived)
    if found.problems:
        found.problems += [note for note in notes if note]
    if found.problems:
        return
    failed = [r["id"] for r in claimed["requirements"] if r["status"] == "fail"]
    if older_verdict_word(claimed, rederived):
        found.confirmed.append(
            "verdict: claimed fail, re-derived incomplete: the bundle was written when a run "
            "that could not finish said fail; nothing failed in it, as claimed"
        )
    found.confirmed += [
        f"re-derived from the recorded exchanges with the claimed seed and profile: "
        f"{len(claimed['requirements'])} requirements, every status and reason as claimed",
        f"failed, as claimed: {', '.join(failed) or 'none'}",
        f"certification: {str(claimed.get('certification')).upper()} (target "
        f"{claimed['target']}, profile {claimed['profile']}, seed {claimed['seed']}, "
        f"suite {claimed['suite_version']})",
        f"read, not re-derived: {READ_ONLY}",
    ]


def _hypothesis_note(described: Mapping[str, Any]) -> str:
    recorded = described.get("hypothesis_version")
    if recorded == hypothesis.__version__:
        return ""
    return (
        f"note: the run used Hypothesis {recorded}, this is {hypothesis.__version__}; "
        "another version may generate other requests than the ones recorded"
    )


def _replay(unpacked: Path, claimed: Mapping[str, Any]) -> dict[str, Any] | str:
    """The re-derived report, or what went wrong in the replay run."""
    reports = unpacked / "rederived"
    # The packaged suites, as `layers-conformance run` runs them: no conftest.py of the
    # current directory's, nothing of it on the path.
    command = pytest_command([
        "-q", "-p", "no:cacheprovider", "--certify", f"--replay={unpacked}",
        f"--target={claimed['target']}", f"--profile={claimed['profile']}",
        f"--seed={claimed['seed']}", f"--report-dir={reports}",
    ])  # fmt: skip
    env = without_pytest_variables()
    done = run_to_the_end(command, cwd=unpacked, timeout_s=REPLAY_TIMEOUT_S, env=env)
    try:
        return read_json(reports / str(claimed["target"]) / REPORT_FILE)
    except ReportError:
        return f"the replay run wrote no report (exit {done.returncode}): {output_tail(done)}"


def _differences(claimed: Mapping[str, Any], rederived: Mapping[str, Any]) -> list[str]:
    """Each requirement, and the run's verdicts, whose re-derived value differs from the claim."""
    before, after = _statuses(claimed), _statuses(rederived)
    reasons = {r["id"]: r["reason"] for r in rederived["requirements"] if r.get("reason")}
    problems = []
    for ident in dict.fromkeys([*before, *after]):
        if before.get(ident) != after.get(ident):
            why = f" ({reasons[ident]})" if ident in reasons else ""
            problems.append(
                f"{ident}: claimed {before.get(ident, 'nothing')}, "
                f"re-derived {after.get(ident, 'nothing')}{why}"
            )
    for key in ("verdict", "certification"):
        older = key == "verdict" and older_verdict_word(claimed, rederived)
        if claimed.get(key) != rederived.get(key) and not older:
            problems.append(f"{key}: claimed {claimed.get(key)}, re-derived {rederived.get(key)}")
    return problems + _reason_differences(claimed, rederived)


def older_verdict_word(claimed: Mapping[str, Any], rederived: Mapping[str, Any]) -> bool:
    """Whether the claimed run verdict differs from the re-derived one only in its word: a
    bundle written before `incomplete` was a run verdict says `fail` for a run that could
    not finish with nothing failed. Only when the claim itself shows that run (it was cut
    short, no requirement failed, no waiver expired) and the replay says `incomplete`."""
    waivers = claimed.get("waivers")
    expired = isinstance(waivers, list) and any(
        isinstance(waiver, dict) and waiver.get("use") == "expired" for waiver in waivers
    )
    return (
        (claimed.get("verdict"), rederived.get("verdict")) == ("fail", "incomplete")
        and bool(claimed.get("aborted"))
        and not any(r["status"] == "fail" for r in claimed["requirements"])
        and not expired
    )


def _reason_differences(claimed: Mapping[str, Any], rederived: Mapping[str, Any]) -> list[str]:
    """Each requirement that passed or failed alike but for another reason than the claimed
    one (an inconclusive one's reason may name the replay's own gap instead of the run's)."""
    before, after = _reasons(claimed), _reasons(rederived)
    statuses = _statuses(claimed), _statuses(rederived)
    return [
        f"{ident}: reason claimed {excerpt(reason, 120)}, re-derived "
        f"{excerpt(after.get(ident), 120)}"
        for ident, reason in before.items()
        if statuses[0][ident] == statuses[1].get(ident) in DECIDED and reason != after.get(ident)
    ]


def _reasons(report: Mapping[str, Any]) -> dict[str, Any]:
    return {r["id"]: r.get("reason", "") for r in report["requirements"]}


def _statuses(report: Mapping[str, Any]) -> dict[str, str]:
    return {r["id"]: r["status"] for r in report["requirements"]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="layers-conformance verify", description=__doc__)
    parser.add_argument("bundle", type=Path, help="an evidence bundle (evidence.zip)")
    parser.add_argument(
        "--against",
        metavar="URL",
        help="then send a sample of the recorded requests to URL (the server the bundle "
        "claims; keys from LAYERS_API_KEY and LAYERS_API_KEY_NO_SCOPE) and compare the answers",
    )
    args = parser.parse_args(argv)
    if not args.bundle.is_file():
        print(f"verify: {args.bundle}: no such file", file=sys.stderr)
        return 4
    try:
        found = verify(args.bundle)
        if found.accepted and args.against:
            _compare_live(found, args.against)
    except (ReportError, ConfigError) as error:
        _show(f"verify: REJECTED {args.bundle}: {error}")
        return 4
    if not found.accepted:
        _show(f"verify: REJECTED {args.bundle}", found.problems)
        return 1
    _show(f"verify: ACCEPTED {args.bundle}", found.confirmed)
    return 0


def _compare_live(found: Verification, url: str) -> None:
    """Send a sample of the recorded requests to `url`; a different answer rejects."""
    sent = sample(found.entries, found.base_url)
    alike, differences = against(sent, found.base_url, url, os.environ)
    if differences:
        found.problems += [
            f"against {url}: {alike} of {len(sent)} recorded requests answered alike",
            *differences,
        ]
        return
    found.confirmed.append(
        f"against {url}: {alike} recorded requests (a sample, none with a cursor) answered "
        "alike, allowing what a list in use changes"
    )


def _show(head: str, lines: Sequence[str] = ()) -> None:
    """Print a head line and indented lines as text: a bundle's values may hold controls."""
    print(_text(head))
    for line in lines:
        print(f"  {_text(line)}")


def _text(line: str) -> str:
    """One line as text: controls, line breaks and tabs shown as escapes."""
    return escape_controls(line).replace("\n", "\\n").replace("\t", "\\t")


if __name__ == "__main__":
    sys.exit(main())
