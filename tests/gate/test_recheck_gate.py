"""A failure is looked at once more before it is reported: a blip is `flaky`, a real
deviation stays `fail`.

The blip is a server that answers its first request for the widest page (`limit=100`) from
the `oldest_first` fault and every later one correctly: the first look fails, a recheck with
fresh requests holds. A deterministic fault fails both looks.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from gate import run_gate, served_reference
from layers_conformance.reference import FAULTS, build_dataset, reference_app

PAUSE = "--recheck-pause=0.2"


class Blip:
    """Faulty for the first `limit=100` first page, conformant for everything after."""

    def __init__(self) -> None:
        dataset = build_dataset()
        self.clean = reference_app(dataset)
        self.faulty = reference_app(dataset, FAULTS["oldest_first"])
        self.blipped = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app: ASGIApp = self.clean
        if scope["type"] == "http" and scope["query_string"] == b"limit=100" and not self.blipped:
            self.blipped, app = True, self.faulty
        await app(scope, receive, send)


def run_against_blip(tmp_path, *args):
    tmp_path.mkdir(parents=True, exist_ok=True)
    with served_reference(app=Blip()) as served:
        targets = tmp_path / "targets.yaml"
        targets.write_text(f"targets:\n  blip: {served.entry!r}\n".replace("'", '"'))
        return run_gate(
            tmp_path, f"--targets-file={targets}", "--target=blip", *args,
            target="blip", env=served.env,
        )  # fmt: skip


def test_smoke_rechecks_a_blip_and_reports_it_flaky_with_both_looks(tmp_path):
    """Exit 0 (flaky does not fail the gate); the report keeps the failing first look and
    the recheck that held, and JUnit and the terminal say flaky."""
    run = run_against_blip(tmp_path, "--profile=smoke", PAUSE)
    assert run.code == 0, run.explain()
    entry = run.requirement("ORDER-NEWEST-001")
    assert entry["status"] == "flaky"
    assert entry["reason"].startswith("failed, then held on a recheck after 0.2 s: ")
    first, *rest = entry["evidence"]
    assert first["message"].startswith("first look: ")
    assert "createdAt goes up, not down" in first["message"]
    assert rest
    assert rest[-1]["message"] == "recheck after 0.2 s: held"
    assert "limit=100" in rest[-1]["request"]
    assert "HTTP 200" in rest[-1]["response_excerpt"]
    assert run.report["verdict"] == "pass"
    assert "FLAKY        ORDER-NEWEST-001 (MUST)" in run.stdout
    flaky = [c for c in run.junit() if c.properties["conformance_status"] == "flaky"]
    assert flaky
    assert {c.outcome for c in flaky} == {"passed"}  # it held: CI shows no failure


def test_a_deterministic_fault_fails_both_looks(tmp_path):
    """The recheck never turns a real deviation into a flake: it fails again, and says so."""
    run = run_gate(tmp_path, "--profile=smoke", PAUSE, "--reference-fault=oldest_first")
    assert run.code == 1, run.explain()
    entry = run.requirement("ORDER-NEWEST-001")
    assert entry["status"] == "fail"
    assert entry["reason"].endswith("(failed again on a recheck after 0.2 s)")


def test_standard_does_not_recheck_unless_asked(tmp_path):
    """A CI gate (standard) reports the first look; with --recheck it looks again."""
    first_look = run_against_blip(tmp_path / "once", "--requirement=ORDER-NEWEST-001")
    assert first_look.requirement("ORDER-NEWEST-001")["status"] == "fail"
    assert first_look.code == 1
    rechecked = run_against_blip(
        tmp_path / "twice", "--requirement=ORDER-NEWEST-001", "--recheck", PAUSE
    )
    assert rechecked.requirement("ORDER-NEWEST-001")["status"] == "flaky"
    assert rechecked.code == 0, rechecked.explain()
