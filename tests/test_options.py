"""run/options.py: the command line's values read into `Options`, each checked, without pytest.

Every problem is one `ConfigError` line naming the option and the rule (the plugin turns it
into pytest's usage error, status 4).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from layers_conformance.core.targets import ConfigError, TargetFlags
from layers_conformance.run.options import (
    REFERENCE,
    check_faults,
    flags_target_name,
    path_written_apart,
    read_options,
    resolve_target,
    target_flags,
)

# What the plugin's options give when none is on the command line (`plugin/options.py`).
DEFAULTS: dict[str, Any] = {
    "targets_file": None, "target": REFERENCE, "profile": "standard",
    "report_dir": Path("reports"), "seed": None, "rate_limit": None, "deadline": None,
    "faults": [], "size": 160, "concurrency": 8, "certify": False, "replay": None,
    "base_url": None, "project_id": None, "empty_project_id": None, "foreign_project_id": None,
    "archived_ids_file": None, "auth_scheme": None, "requirements": [], "rerun_failed": None,
    "recheck": False, "recheck_pause": 5.0, "waivers": [], "live": None, "gateway": None,
}  # fmt: skip
PROJECT = "6f1c2b1e-8a51-4c3e-9f0a-2d4b6c8e0a11"


def read(**given: Any) -> Any:
    return read_options({**DEFAULTS, **given})


@pytest.fixture(autouse=True)
def _in_an_empty_directory(tmp_path, monkeypatch):
    """A targets.yaml in the directory the tests run from would be picked up."""
    monkeypatch.chdir(tmp_path)


class TestReadOptions:
    def test_the_defaults_run_the_reference(self):
        options = read(seed=7)
        assert (options.target, options.targets_file, options.profile) == (
            REFERENCE,
            None,
            "standard",
        )
        assert (options.seed, options.concurrency, options.reference_size) == (7, 8, 160)
        assert options.recheck_pause_s is None  # a standard run does not recheck
        assert options.selected is None

    def test_no_seed_draws_one(self):
        assert isinstance(read().seed, int)

    @pytest.mark.parametrize(
        ("given", "line"),
        [
            ({"size": 0}, "--reference-size=0 must be at least 1"),
            ({"concurrency": 0}, "--concurrency=0 must be at least 1"),
            ({"rate_limit": 0.0}, "--rate-limit=0.0 must be a positive number"),
            ({"deadline": -1.0}, "--deadline=-1.0 must be a positive number"),
            ({"recheck_pause": -0.5}, "--recheck-pause=-0.5 must not be negative"),
            ({"project_id": PROJECT}, "--project-id describes a target given by --base-url"),
            ({"requirements": ["NOPE-001"]}, "NOPE-001"),
            ({"live": 0.5}, "--reference-live=0.5 must be a number of requests, at least 1"),
            ({"gateway": "nginx"}, "--reference-gateway: unknown gateway mode 'nginx'"),
            ({"gateway": "rate-429:0"}, "--reference-gateway: gateway rate '0' must be a posi"),
        ],
        ids=[
            "size",
            "concurrency",
            "rate",
            "deadline",
            "pause",
            "companion",
            "requirement",
            "live",
            "gateway",
            "gateway-rate",
        ],
    )
    def test_a_bad_value_is_one_line_naming_the_option(self, given, line):
        with pytest.raises(ConfigError) as raised:
            read(**given)
        assert line in str(raised.value)
        assert "\n" not in str(raised.value)

    def test_an_entry_of_the_embedded_reference_sets_it_live(self, tmp_path):
        """`name: {reference: {live, size}}` starts the embedded reference so; the command
        line's --reference-live wins over the entry's `live`."""
        path = tmp_path / "t.yaml"
        path.write_text("targets:\n  busy:\n    reference: {live: 10, size: 500}\n")
        options = read(targets_file=path, target="busy")
        assert (options.reference_live, options.reference_size) == (10.0, 500)
        assert resolve_target(options) is None  # started by the run, not a deployment
        assert read(targets_file=path, target="busy", live=2.0).reference_live == 2.0

    def test_the_first_problem_is_the_one_said(self):
        """The size is checked before the rate, as a user reads the line left to right."""
        with pytest.raises(ConfigError, match="--reference-size"):
            read(size=0, rate_limit=0.0)

    def test_smoke_or_recheck_rechecks_after_the_pause(self):
        assert read(profile="smoke").recheck_pause_s == 5.0
        assert read(recheck=True, recheck_pause=0.0).recheck_pause_s == 0.0

    def test_a_base_url_names_the_target_by_its_host(self):
        options = read(base_url="https://staging.example.com", project_id=PROJECT)
        assert options.target == "staging.example.com"
        assert options.flags is not None
        assert options.flags.project_id == PROJECT
        assert read(base_url="https://x.example", target="mine").target == "mine"

    def test_a_targets_yaml_here_is_the_default_file(self, tmp_path):
        (tmp_path / "targets.yaml").write_text("targets: {}\n", encoding="utf-8")
        assert read().targets_file == Path("targets.yaml")
        assert read(base_url="https://x.example").targets_file is None

    def test_a_selection_is_the_requirements_named(self):
        assert read(requirements=["ORDER-NEWEST-001"]).selected == {"ORDER-NEWEST-001"}


class TestTargetFlags:
    def test_a_base_url_and_a_targets_file_are_one_too_many(self):
        with pytest.raises(ConfigError, match="give one of them"):
            target_flags({"base_url": "https://x"}, Path("targets.yaml"))

    def test_the_host_names_a_flags_target(self):
        assert flags_target_name(TargetFlags("https://api.example.com:8443/v1")) == (
            "api.example.com"
        )


class TestFaults:
    def test_a_known_fault_passes(self):
        check_faults(("oldest_first",))

    def test_an_unknown_fault_says_where_the_list_is(self):
        with pytest.raises(ConfigError, match=r"unknown fault 'nope' \(layers-conformance serve"):
            check_faults(("oldest_first", "nope"))


def test_a_path_option_written_apart_is_found(tmp_path):
    """`--report-dir /existing` (not `--report-dir=/existing`) is what pytest misreads."""
    args = ["-q", "--report-dir", str(tmp_path), "--seed", "1"]
    assert path_written_apart(args, ("--report-dir",)) == ("--report-dir", str(tmp_path))
    assert path_written_apart([f"--report-dir={tmp_path}"], ("--report-dir",)) is None
