"""The preflight end to end: a configuration that contradicts itself, or what a conformant
server shows, stops the run with one line naming the fixture and its fix (exit 4), before
the run spends its budget, and no report blames the server."""

from __future__ import annotations

import yaml
from harness import run_suite
from starlette.types import ASGIApp, Receive, Scope, Send

ALIAS = "00000000-0000-4000-8000-00000000a11a"


def set_fixture(started, name: str, value: str) -> None:
    document = yaml.safe_load(started.targets_file.read_text())
    document["targets"][started.name]["fixtures"][name] = value
    started.targets_file.write_text(yaml.safe_dump(document))


def main_project(started) -> str:
    document = yaml.safe_load(started.targets_file.read_text())
    return str(document["targets"][started.name]["fixtures"]["project_id"])


def one_line_naming(run, words: list[str]) -> str:
    lines = [line for line in run.output.splitlines() if all(w in line for w in words)]
    assert len(lines) == 1, run.explain()
    return lines[0]


def test_an_empty_project_that_is_the_main_project_stops_before_any_request(tmp_path, targets):
    """`empty_project_id` copied from `project_id`: exit 4 with one line, nothing sent."""
    started = targets.start()
    set_fixture(started, "empty_project_id", main_project(started))
    run = run_suite(tmp_path, target=started, timeout=60)
    assert run.code == 4, run.explain()
    line = one_line_naming(run, ["fixtures.empty_project_id", "fixtures.project_id", "give"])
    assert "a visible project with no live influencers" in line
    assert "Traceback" not in run.output
    assert started.seen == []
    assert not (run.report_dir / "conformance.json").exists()


def test_an_empty_project_that_lists_the_main_projects_influencers_stops_early(tmp_path, targets):
    """An "empty" id the server reads as the main project (another spelling of it): the
    preflight sees its first page list the main project's influencers while an unknown
    project is not found, and stops after three requests the suites send anyway."""

    def alias(app: ASGIApp) -> ASGIApp:
        async def aliased(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and ALIAS in scope["path"]:
                scope = scope | {"path": scope["path"].replace(ALIAS, main)}
            await app(scope, receive, send)

        return aliased

    main = ""
    started = targets.start(wrap=alias)
    main = main_project(started)
    set_fixture(started, "empty_project_id", ALIAS)
    run = run_suite(tmp_path, target=started, timeout=60)
    assert run.code == 4, run.explain()
    line = one_line_naming(run, [f"fixtures.empty_project_id {ALIAS}", "main project"])
    assert "give a visible project with no live influencers" in line
    assert len(started.seen) <= 3
    assert not (run.report_dir / "conformance.json").exists()
