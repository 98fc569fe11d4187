"""The preflight: fixtures that contradict themselves or what the server shows."""

from __future__ import annotations

import json

import pytest

from layers_conformance.core.exchange import Exchange
from layers_conformance.core.targets import Fixtures
from layers_conformance.run.preflight import (
    FixtureContradiction,
    check_empty_project,
    check_roles,
)

MAIN = "6f1c2b1e-8a51-4c3e-9f0a-2d4b6c8e0a11"
EMPTY = "0b3f6a2c-1d4e-4f5a-8b6c-7d8e9f0a1b2c"
FOREIGN = "9d2e7c4a-5b6f-4a1e-8c3d-2f1a0b9c8d7e"


def fixtures(empty=EMPTY, foreign=FOREIGN):
    return Fixtures(MAIN, empty, foreign, None)


def page(*ids: str, status: int = 200) -> Exchange:
    body = {"items": [{"influencerId": i} for i in ids], "nextCursor": None}
    return Exchange("GET", "u", {}, status, body=json.dumps(body))


def not_found() -> Exchange:
    return Exchange("GET", "u", {}, 404, body='{"error": {"code": "NOT_FOUND"}}')


class TestRoles:
    def test_distinct_projects_pass(self):
        check_roles(fixtures(), "t.yaml: target 's'", "fixtures.{}".format)
        check_roles(fixtures(None, None), "t.yaml: target 's'", "fixtures.{}".format)

    @pytest.mark.parametrize(
        ("given", "line"),
        [
            (
                fixtures(empty=MAIN),
                "t.yaml: target 's': fixtures.empty_project_id is the same project as "
                f"fixtures.project_id ({MAIN}); give a visible project with no live influencers",
            ),
            (
                fixtures(foreign=MAIN.upper()),
                "t.yaml: target 's': fixtures.foreign_project_id is the same project as "
                f"fixtures.project_id ({MAIN.upper()}); give a project of another org",
            ),
            (
                fixtures(foreign=EMPTY),
                "t.yaml: target 's': fixtures.foreign_project_id is the same project as "
                f"fixtures.empty_project_id ({EMPTY}); give a project of another org",
            ),
        ],
        ids=["empty-is-main", "foreign-is-main-uppercase", "foreign-is-empty"],
    )
    def test_one_project_in_two_roles_is_one_line_naming_the_fixture_and_its_fix(self, given, line):
        with pytest.raises(FixtureContradiction) as raised:
            check_roles(given, "t.yaml: target 's'", "fixtures.{}".format)
        assert str(raised.value) == line


class TestEmptyProject:
    def test_an_empty_page_passes(self):
        check_empty_project(page("inf_1", "inf_2"), page(), not_found, "empty")

    def test_a_page_of_other_influencers_is_left_to_the_checks(self):
        """Not the main project's influencers: ARCH-EMPTY-001 judges it, not the preflight."""
        check_empty_project(page("inf_1", "inf_2"), page("inf_9"), not_found, "empty")

    def test_the_main_projects_influencers_stop_the_run(self):
        with pytest.raises(FixtureContradiction) as raised:
            check_empty_project(page("inf_1", "inf_2"), page("inf_2", "inf_1"), not_found, "e")
        assert str(raised.value) == (
            "e: its first page lists 2 influencer(s) of the main project's first page "
            "(inf_1...), so it names the main project; give a visible project with no live "
            "influencers"
        )

    def test_a_server_that_ignores_the_path_is_left_to_the_checks(self):
        """An unknown project listing them too: the server ignores the project in the path,
        a fault the suite reports; the configuration is not blamed."""
        main = page("inf_1", "inf_2")
        check_empty_project(main, main, lambda: main, "e")

    @pytest.mark.parametrize(
        "unknown",
        [
            Exchange("GET", "u", {}, 400, body='{"error": {"code": "VALIDATION"}}'),
            Exchange("GET", "u", {}, 404, body="<html>no</html>"),
            Exchange("GET", "u", {}, None, error="timed out"),
        ],
    )
    def test_a_server_whose_reading_of_the_path_is_in_doubt_is_left_to_the_checks(self, unknown):
        """An unknown project answered anything but 404 NOT_FOUND: the shared influencers may
        be the server's fault (a hostile or broken server), so the checks judge them."""
        main = page("inf_1", "inf_2")
        check_empty_project(main, main, lambda: unknown, "e")

    @pytest.mark.parametrize(
        "answer",
        [page("inf_1", status=500), Exchange("GET", "u", {}, 200, body="not json")],
    )
    def test_an_answer_that_is_no_page_is_no_evidence(self, answer):
        check_empty_project(page("inf_1"), answer, not_found, "e")
        check_empty_project(answer, page("inf_1"), not_found, "e")
