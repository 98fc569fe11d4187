"""`layers-conformance selftest`: run the suite against every fault and conformant variant.

A fault is killed when the run reports every requirement it declares as broken (`fail`
for a MUST, `warn` for a SHOULD): a requirement left `inconclusive` by a run that could not
finish kills nothing. A variant passes when the run's verdict is `pass`; one `incomplete`
(nothing failed, but the run could not finish) has not shown it conforms either. Each
case is a separate pytest process against the embedded reference started with that fault.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from layers_conformance.reporting.files import REPORT_FILE
from layers_conformance.standalone import (
    output_tail,
    pytest_command,
    run_to_the_end,
    without_pytest_variables,
)

SELFTEST_SEED = 20261129
CASE_TIMEOUT_S = 300
BROKEN = ("fail", "warn")


@dataclass(frozen=True)
class CaseResult:
    """What one run against one fault or variant reported."""

    name: str
    kind: str  # "fault", "variant", or "clean" (the reference itself)
    declared: tuple[str, ...]
    broken: tuple[str, ...]  # requirements reported fail or warn
    verdict: str
    duration_s: float
    problem: str = ""  # the run itself went wrong (no report, a crash)
    requests: int = 0
    unsent_pairs: int = 0  # pairs of the query space the target allows that no case sent
    # The list's changes the report lists: (kind, influencer, requirements narrowed).
    changes: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    @property
    def ok(self) -> bool:
        """A fault is killed on its declared ids; a variant passes."""
        if self.problem:
            return False
        if self.kind in ("variant", "clean"):
            return self.verdict == "pass"
        return bool(self.declared) and set(self.declared) <= set(self.broken)

    @property
    def missed(self) -> tuple[str, ...]:
        return tuple(i for i in self.declared if i not in self.broken)

    @property
    def extra(self) -> tuple[str, ...]:
        """Requirements reported broken that the fault does not declare: a finding blamed on
        a right page, or a declaration that says less than the fault breaks."""
        return (
            tuple(i for i in self.broken if i not in self.declared) if self.kind == "fault" else ()
        )


def run_case(
    name: str,
    kind: str,
    declared: Sequence[str],
    profile: str = "standard",
    concurrency: int | None = None,
    size: int | None = None,
    live: float | None = None,
    seed: int = SELFTEST_SEED,
) -> CaseResult:
    """Run the suites against the reference started with fault `name` (kind "clean": none),
    its main project holding `size` influencers (the plugin's default when None), live with
    one change about every `live` requests when given."""
    with tempfile.TemporaryDirectory(prefix=f"lc-{name}-") as scratch:
        # The packaged suites, as `layers-conformance run` runs them: from a checkout or a wheel.
        options = ["-q", "-p", "no:randomly", "--profile", profile, "--seed", str(seed)]
        options += [] if kind == "clean" else ["--reference-fault", name]
        options += [] if concurrency is None else ["--concurrency", str(concurrency)]
        options += [] if size is None else ["--reference-size", str(size)]
        options += [] if live is None else ["--reference-live", str(live)]
        command = pytest_command([*options, f"--report-dir={scratch}"])
        started = time.monotonic()
        # A run of its own even when started from a pytest session (the self-tests): its
        # PYTEST_ADDOPTS would narrow the run.
        finished = run_to_the_end(
            command, cwd=scratch, timeout_s=CASE_TIMEOUT_S, env=without_pytest_variables()
        )
        duration = time.monotonic() - started
        report = Path(scratch) / "reference" / REPORT_FILE
        if not report.is_file():
            return CaseResult(
                name,
                kind,
                tuple(declared),
                (),
                "none",
                duration,
                f"no report (exit {finished.returncode}): {output_tail(finished)}",
            )
        data = json.loads(report.read_text(encoding="utf-8"))
    broken = tuple(r["id"] for r in data["requirements"] if r["status"] in BROKEN)
    unsent = sum(len(part["missed"]) for part in data.get("coverage", ()))
    changes = tuple(
        (c["kind"], c["influencer"], tuple(c["narrowed"])) for c in data.get("changes", ())
    )
    return CaseResult(
        name,
        kind,
        tuple(declared),
        broken,
        data["verdict"],
        duration,
        "",
        data["requests"],
        unsent,
        changes,
    )


def all_cases(live: bool = False) -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, kind, declared ids): the clean reference, every variant and every fault (with
    `live`, the faults only a changing list shows too)."""
    from layers_conformance.reference.faults import FAULTS, LIVE_FAULTS, VARIANTS

    clean = [("reference", "clean", ())]
    variants = [(n, "variant", ()) for n in VARIANTS]
    faults = {**FAULTS, **LIVE_FAULTS} if live else FAULTS
    return [*clean, *variants, *((n, "fault", f.breaks) for n, f in faults.items())]


def run_all(
    workers: int,
    names: Sequence[str] = (),
    concurrency: int | None = None,
    live: float | None = None,
) -> list[CaseResult]:
    """Every case (or those named), `workers` at a time; with `live`, the reference's list
    changes as each run reads it (and the faults only a changing list shows are cases too)."""
    cases = [c for c in all_cases(live is not None) if not names or c[0] in names]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(
            pool.map(
                lambda c: run_case(c[0], c[1], c[2], concurrency=concurrency, live=live), cases
            )
        )


def table(results: Sequence[CaseResult]) -> str:
    """A Markdown table of every case and the totals."""
    rows = [
        "| kind | name | result | declared | reported broken | time |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        outcome = (
            ("killed" if r.ok else "SURVIVED")
            if r.kind == "fault"
            else ("passed" if r.ok else "INCOMPLETE" if r.verdict == "incomplete" else "FAILED")
        )
        if r.extra:
            outcome += f" (also on {', '.join(r.extra)})"
        detail = r.problem or ", ".join(r.broken) or "-"
        rows.append(
            f"| {r.kind} | {r.name} | {outcome} | {', '.join(r.declared) or '-'} | "
            f"{detail} | {r.duration_s:.1f} s |"
        )
    faults = [r for r in results if r.kind == "fault"]
    variants = [r for r in results if r.kind != "fault"]
    rows.append("")
    rows.append(
        f"faults killed: {sum(r.ok for r in faults)}/{len(faults)}; "
        f"conformant servers passed: {sum(r.ok for r in variants)}/{len(variants)}; "
        f"requests: {sum(r.requests for r in results):,} in all"
    )
    return "\n".join(rows)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="layers-conformance selftest", description=__doc__)
    parser.add_argument("names", nargs="*", help="only these faults or variants")
    parser.add_argument("--workers", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument(
        "--concurrency", type=int, default=None, help="each run's --concurrency (default: its own)"
    )
    parser.add_argument(
        "--live",
        type=float,
        default=None,
        metavar="RATE",
        help="the reference's list changes as each run reads it: a change every RATE requests",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    results = run_all(args.workers, args.names, args.concurrency, args.live)
    print(table(results))
    print(f"wall time: {time.monotonic() - started:.0f} s with {args.workers} workers")
    return 0 if all(r.ok for r in results) else 1
