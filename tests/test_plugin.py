"""The plugin as a user meets it: markers checked at collection, verdicts, profiles, exit codes.

Each test writes a small suite into a scratch `suites/` folder and runs pytest on it in a
subprocess against the embedded reference, then reads what the run reported.
"""

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

HEADER = "import pytest\nfrom layers_conformance.checks.violations import expect, inconclusive\n"
VIOLATION_IMPORT = "from layers_conformance.checks.violations import Violation\n"
MADE_UP_VIOLATION = 'expect([Violation("rule", "made up", conformance.get())])'


def run_suite(pytester, body, *args):
    """Write `body` as suites/test_case.py, run it, and return (result, conformance.json)."""
    pytester.mkdir("suites")
    pytester.path.joinpath("suites", "test_case.py").write_text(HEADER + body)
    result = pytester.runpytest_subprocess(
        "suites", "-p", "no:cacheprovider", "--report-dir=out", *args
    )
    report = pytester.path / "out" / "reference" / "conformance.json"
    return result, json.loads(report.read_text()) if report.exists() else None


def check(requirement, line="pass", name="test_x"):
    """A one-line conformance test of `requirement` as source text."""
    return f'@pytest.mark.requirement("{requirement}")\ndef {name}(conformance):\n    {line}\n'


def status_of(report, requirement):
    return next(r for r in report["requirements"] if r["id"] == requirement)


class TestCollection:
    """Requirement markers are checked before anything is sent."""

    def test_an_unknown_requirement_id_is_a_usage_error(self, pytester):
        """A typo in an id stops the run with one line naming the test and the id."""
        result, _ = run_suite(
            pytester,
            check("ORDER-NEWST-001"),
        )
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        assert "unknown requirement id 'ORDER-NEWST-001'" in result.stderr.str()

    def test_a_conformance_test_without_a_requirement_is_a_usage_error(self, pytester):
        """A check that names no requirement could never be reported, so it is refused."""
        result, _ = run_suite(pytester, "def test_x(conformance):\n    pass\n")
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        assert "names exactly one requirement" in result.stderr.str()


class TestVerdicts:
    """How a test's outcome becomes its requirement's status and the run's exit code."""

    def test_a_failing_must_fails_the_run(self, pytester):
        """A MUST whose check finds a violation is `fail`, and the exit status is 1."""
        body = VIOLATION_IMPORT + check("ORDER-NEWEST-001", MADE_UP_VIOLATION)
        result, report = run_suite(pytester, body)
        assert result.ret == 1
        assert status_of(report, "ORDER-NEWEST-001")["status"] == "fail"
        assert report["verdict"] == "fail"
        assert "reproduce: curl" in result.stdout.str()

    def test_a_failing_should_warns_and_passes_the_run(self, pytester):
        """A SHOULD whose check finds a violation is `warn`, and the run still passes."""
        body = VIOLATION_IMPORT + check("SHAPE-ID-PREFIX-001", MADE_UP_VIOLATION)
        result, report = run_suite(pytester, body)
        assert result.ret == 0
        assert status_of(report, "SHAPE-ID-PREFIX-001")["status"] == "warn"
        assert report["verdict"] == "pass"
        # The test's own status letter, the session's count and the requirement's line.
        result.stdout.re_match_lines(
            [r"^W +\[100%\]$", r"^WARN +SHAPE-ID-PREFIX-001 \(SHOULD\): ", r".*\b1 warned\b"]
        )

    def test_an_undecidable_check_is_inconclusive_with_its_reason(self, pytester):
        """A check whose data cannot show the rule is `inconclusive`, never `pass`."""
        body = check("STATUS-PARTITION-001", 'inconclusive("one status only")')
        result, report = run_suite(pytester, body)
        entry = status_of(report, "STATUS-PARTITION-001")
        assert (entry["status"], entry["reason"]) == ("inconclusive", "one status only")
        assert result.ret == 0

    def test_a_requirement_without_a_test_in_the_run_is_skip_not_pass(self, pytester):
        """Requirements no test ran for are reported `skip`, with a reason."""
        body = check("ORDER-NEWEST-001")
        _, report = run_suite(pytester, body)
        entry = status_of(report, "LIMIT-DEFAULT-001")
        assert entry["status"] == "skip"
        assert entry["reason"]

    def test_a_suite_error_fails_the_run_without_blaming_the_requirement(self, pytester):
        """A bug in a check must not hide as a SHOULD warning, nor be pinned on the server:
        the requirement is inconclusive, the run incomplete (exit 1), and the one line
        names the error and where it happened, with no traceback."""
        body = check("SHAPE-ID-PREFIX-001", '{}["missing"]')
        result, report = run_suite(pytester, body, "--tb=long")
        entry = status_of(report, "SHAPE-ID-PREFIX-001")
        assert entry["status"] == "inconclusive"
        assert entry["reason"] == (
            "the suite could not judge this: KeyError: 'missing' (test_case.py:5)"
        )
        assert (report["verdict"], bool(report["aborted"])) == ("incomplete", True)
        assert result.ret == 1
        assert "verdict: INCOMPLETE" in result.stdout.str()
        assert "Traceback" not in result.stdout.str()

    def test_a_failure_resting_only_on_unread_answers_is_inconclusive(self, pytester):
        """A violation that only says an answer could not be read is no evidence."""
        line = 'expect([Violation("rule", "cut", conformance.get(), conclusive=False)])'
        result, report = run_suite(pytester, VIOLATION_IMPORT + check("ORDER-NEWEST-001", line))
        entry = status_of(report, "ORDER-NEWEST-001")
        assert (entry["status"], entry["reason"]) == ("inconclusive", "cut")
        assert result.ret == 1
        assert report["aborted"] == "the run could not finish: an answer could not be read: cut"

    def test_warnings_and_inconclusive_are_skipped_cases_saying_why_in_junit(self, pytester):
        """CI shows neither as a failure, and its message gives the status and the reason."""
        body = VIOLATION_IMPORT + check("SHAPE-ID-PREFIX-001", MADE_UP_VIOLATION)
        body += check("STATUS-PARTITION-001", 'inconclusive("one status only")', name="test_y")
        run_suite(pytester, body, "--junitxml=junit.xml")
        cases = ElementTree.parse(pytester.path / "junit.xml").getroot().iter("testcase")
        skipped = {c.get("name"): c.find("skipped") for c in cases}
        warned, undecided = skipped["test_x"], skipped["test_y"]
        assert warned is not None
        assert warned.get("message", "").startswith("warn (SHOULD SHAPE-ID-PREFIX-001): made up")
        assert undecided is not None
        assert undecided.get("message") == "inconclusive: one status only"

    def test_a_suite_error_names_what_and_where_in_junit(self, pytester):
        """A check's own bug is not the server's: JUnit shows its requirement's case as
        inconclusive, with the error and where it happened in one line (no traceback), and
        the run fails as incomplete."""
        body = check("ORDER-NEWEST-001", '{}["missing"]')
        result, _ = run_suite(pytester, body, "--junitxml=junit.xml")
        skipped = ElementTree.parse(pytester.path / "junit.xml").find(".//skipped")
        assert skipped is not None
        assert skipped.get("message", "") == (
            "inconclusive: the suite could not judge this: KeyError: 'missing' (test_case.py:5)"
        )
        assert "Traceback" not in (skipped.text or "")
        assert result.ret == 1

    def test_a_run_pytest_could_not_finish_never_passes(self, pytester):
        """An internal error stops pytest before it reaches most tests: whatever had held so
        far, the report says the run did not finish, and its verdict is incomplete."""
        pytester.makeconftest(
            "def pytest_runtest_makereport(item, call):\n"
            "    if call.when == 'call' and item.name == 'test_b':\n"
            "        raise SystemError('boom')\n"
        )
        body = check("ORDER-NEWEST-001") + check("LIMIT-MAX-001", name="test_b")
        result, report = run_suite(pytester, body)
        assert result.ret == pytest.ExitCode.INTERNAL_ERROR
        assert status_of(report, "ORDER-NEWEST-001")["status"] == "pass"
        assert report["verdict"] == "incomplete"
        assert "internal error" in report["aborted"]

    def test_a_failing_test_that_judges_no_requirement_fails_the_run(self, pytester):
        """A broken helper test in suites/ is not a conformance verdict, but it is a failure:
        the exit status is not rewritten to 0 because every requirement held."""
        body = check("ORDER-NEWEST-001") + "\ndef test_helper():\n    assert False\n"
        result, report = run_suite(pytester, body)
        assert status_of(report, "ORDER-NEWEST-001")["status"] == "pass"
        result.assert_outcomes(passed=1, failed=1)
        assert result.ret == 1


class TestProfilesAndFixtures:
    """What a profile selects and what a target's missing fixtures do."""

    def test_smoke_runs_only_smoke_tests(self, pytester):
        """Tests without the smoke marker are deselected in the smoke profile."""
        body = (
            "@pytest.mark.smoke\n"
            + check("ORDER-NEWEST-001")
            + check("LIMIT-DEFAULT-001", name="test_b")
        )
        result, report = run_suite(pytester, body, "--profile", "smoke")
        result.assert_outcomes(passed=1, deselected=1)
        assert report["profile"] == "smoke"

    def test_a_missing_fixture_skips_its_requirement_with_the_reason(self, pytester):
        """A requirement whose fixture the target lacks is `skip`, naming the fixture."""
        pytester.path.joinpath("targets.yaml").write_text(
            "targets:\n  partial:\n    base_url: http://127.0.0.1:9\n"
            "    auth: {scheme: x-api-key, key: k}\n"
            "    fixtures: {project_id: 6f1c0000-0000-4000-8000-000000000000}\n"
        )
        body = check("PROJ-FOREIGN-001")
        result, _ = run_suite(pytester, body, "--target", "partial")
        assert "provides no foreign_project_id" in result.stdout.str()

    def test_the_seed_is_printed_and_recorded(self, pytester):
        """A run says its seed, so it can be repeated."""
        body = check("ORDER-NEWEST-001")
        result, report = run_suite(pytester, body, "--seed", "4242")
        assert "--seed 4242" in result.stdout.str()
        assert report["seed"] == 4242

    def test_xdist_workers_use_the_seed_the_report_names(self, pytester):
        """Under -n 2 without --seed, every worker generates from the seed the report
        records, so `--seed N` from the report repeats the whole run."""
        body = "".join(
            f"def test_seed_{n}(conformance_seed):\n    print('SEED', conformance_seed)\n"
            "    assert False, f'SEED={conformance_seed}'\n"
            for n in range(4)
        )
        result, report = run_suite(pytester, body, "-n", "2")
        used = {int(seed) for seed in re.findall(r"SEED=(\d+)", result.stdout.str())}
        assert used == {report["seed"]}

    def test_a_run_alone_keeps_its_budget_whatever_xdist_variable_it_inherits(
        self, pytester, monkeypatch
    ):
        """A run started from inside somebody's pytest-xdist job inherits its
        PYTEST_XDIST_WORKER_COUNT, but runs alone: it plans for its whole budget, not a
        quarter of it (only xdist's own `workerinput` says a process is one of our workers)."""
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "4")
        monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw3")
        result, report = run_suite(pytester, check("ORDER-NEWEST-001"), "--concurrency", "1")
        assert f"plan for {report['budget']['requests']:,} requests" in result.stdout.str()

    def test_coverage_travels_from_each_workers_test_to_the_report(self, pytester):
        """Under -n 2, the pairs each test sent reach the report on its record, merged."""
        body = "from layers_conformance.core.results import PairCoverage\n" + "".join(
            f'@pytest.mark.requirement("ORDER-NEWEST-001")\n'
            f"def test_sends_{value}(conformance, conformance_coverage):\n"
            "    allowed = (('main', '1'), ('empty', '1'), ('main', '100'))\n"
            f"    sent = (('{value}', '1'),)\n"
            "    part = PairCoverage(('project', 'limit'), 30, allowed, sent)\n"
            "    conformance_coverage.append(part)\n"
            for value in ("main", "empty")
        )
        _, report = run_suite(pytester, body, "-n", "2")
        [entry] = report["coverage"]
        assert (entry["feasible"], entry["exercised"]) == (3, 2)
        assert entry["missed"] == [["main", "100"]]


class TestProgress:
    """A person watching a run against a slow server sees it move."""

    def test_a_slow_traversal_reports_its_progress(self, pytester):
        """Every couple of seconds a walk says where it is, past pytest's output capture.
        The deadline ends the run; it leaves room for the start and first request on a busy
        machine before the walk's first two seconds."""
        body = check("ORDER-NEWEST-001", "conformance.traverse(1)")
        result, _ = run_suite(pytester, body, "--reference-fault", "slow_pages", "--deadline", "20")
        assert "still walking" in result.stdout.str()


class TestPathOptions:
    """pytest picks its root directory from its arguments before it knows this plugin's
    options, so `--report-dir DIR` with DIR elsewhere would be taken for a test path."""

    def test_an_existing_path_elsewhere_written_apart_is_a_usage_error(
        self, pytester, tmp_path_factory
    ):
        """The project's pytest.ini missed: exit 4 and one line saying how to write the option,
        instead of a run without the project's configuration."""
        ini = pytester.makeini("[pytest]\ntestpaths = suites\n")
        pytester.mkdir("suites").joinpath("test_case.py").write_text(
            HEADER + check("ORDER-NEWEST-001")
        )
        elsewhere = tmp_path_factory.mktemp("elsewhere")
        result = pytester.runpytest_subprocess("--report-dir", str(elsewhere))
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        advice = [
            line
            for line in result.stderr.lines
            if f"missed {ini}; write --report-dir={elsewhere}" in line
        ]
        assert len(advice) == 1, result.stderr.str()

    @pytest.mark.parametrize("form", ["=", "inside"])
    def test_written_with_equals_or_inside_the_directory_it_runs(
        self, pytester, tmp_path_factory, form
    ):
        """`--report-dir=DIR`, or `--report-dir DIR` with DIR under the cwd, run as asked."""
        pytester.mkdir("suites").joinpath("test_case.py").write_text(
            HEADER + check("ORDER-NEWEST-001")
        )
        if form == "=":
            out = tmp_path_factory.mktemp("elsewhere")
            args = [f"--report-dir={out}"]
        else:
            out = pytester.mkdir("out")
            args = ["--report-dir", "out"]
        result = pytester.runpytest_subprocess("suites", *args)
        assert result.ret == 0, result.stdout.str()
        assert (out / "reference" / "conformance.json").is_file()


class TestAllure:
    """What a run leaves for Allure (issue 25: a file per fixture of every test was part of
    the start-up cost)."""

    def test_each_test_is_labelled_with_the_exchanges_it_read_and_no_fixture_added(self, pytester):
        """A requirement test carries its requirement and, attached, what it read; the
        session's start is no test's; Allure sees only the fixtures the suite asks for."""
        body = check("ORDER-NEWEST-001", "conformance.get()") + check(
            "LIMIT-DEFAULT-001", "pass", name="test_y"
        )
        run_suite(pytester, body)
        folder = pytester.path / "out" / "reference" / "allure-results"
        results = {
            result["name"]: result
            for result in map(json.loads, map(Path.read_text, folder.glob("*-result.json")))
        }
        labels = {
            name: [label["value"] for label in result["labels"] if label["name"] == "requirement"]
            for name, result in results.items()
        }
        assert labels == {"test_x": ["ORDER-NEWEST-001"], "test_y": ["LIMIT-DEFAULT-001"]}
        assert [len(results[name].get("attachments", [])) for name in ("test_x", "test_y")] == [
            1,
            0,
        ]
        fixtures = {
            before["name"]
            for container in map(json.loads, map(Path.read_text, folder.glob("*-container.json")))
            for before in container.get("befores", [])
        }
        assert fixtures == {"conformance"}
