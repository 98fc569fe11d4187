"""The query space: classes of what is sent, points and cases, and which points a target allows."""

from __future__ import annotations

import pytest

from layers_conformance.checks.space import (
    DIMENSIONS,
    Case,
    Issued,
    Offer,
    Point,
    is_hard,
    limit_class,
    offer,
    status_class,
)

COUNTS = {None: 40, "ready": 30, "draft": 5, "pending": 1, "training": 0, "failed": 4}
EVERYTHING = Offer(frozenset(DIMENSIONS["project"]), frozenset(DIMENSIONS["key"]), COUNTS)


class TestClasses:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            (None, "absent"),
            ("1", "1"),
            ("2", "2-99"),
            ("99", "2-99"),
            ("100", "100"),
            ("0", "out-of-range"),
            ("-3", "out-of-range"),
            ("101", "out-of-range"),
            ("2.5", "not-integer"),
            ("abc", "not-integer"),
        ],
    )
    def test_limit_class(self, raw, expected):
        """A limit is absent, one of the bounds, within them, an integer beyond, or no integer."""
        assert limit_class(raw) == expected

    @pytest.mark.parametrize(
        ("raw", "expected"), [(None, "absent"), ("ready", "ready"), ("READY", "invalid")]
    )
    def test_status_class(self, raw, expected):
        """A status is absent, one of the five (its own class), or invalid."""
        assert status_class(raw) == expected

    def test_hard_values_rule_out_pages_and_soft_ones_do_not(self):
        """Unknown projects, invalid values, spoiled cursors and bad keys are hard."""
        assert all(map(is_hard, ["foreign", "not-integer", "garbage", "missing", "no-scope"]))
        assert not any(map(is_hard, ["empty", "2-99", "other-status", "altered", "full"]))


class TestCase:
    def test_sends_limit_status_and_cursor_in_that_order(self):
        """Absent parameters are not sent; a cursor goes last."""
        case = Case(Point("main", "7", "ready", "garbage", "full"), "junk")
        assert case.params() == (("limit", "7"), ("status", "ready"), ("cursor", "junk"))
        assert Case(Point("main", None, None, "none", "full")).params() == ()

    def test_describes_the_combination(self):
        """The description names the query, where the cursor came from, the project and key."""
        issued = Issued("c", "draft", 7, {"influencerId": "inf_a"})
        case = Case(Point("main", "3", "pending", "other-status", "missing"), "c", issued)
        assert case.describe() == (
            "limit=3&status=pending with a cursor issued under status=draft "
            "on the main project, no key"
        )

    def test_page_size_is_the_default_without_a_limit(self):
        """A point without limit asks for pages of 25."""
        assert Point("main", None, None, "none", "full").page_size == 25


class TestOffer:
    @pytest.mark.parametrize(
        "classes",
        [
            ("main", "absent", "absent", "none", "full"),
            ("main", "2-99", "ready", "this-query", "full"),
            ("main", "absent", "ready", "this-query", "missing"),
            ("empty", "1", "absent", "other-project", "full"),
            ("foreign", "not-integer", "invalid", "other-org", "invalid"),
            ("main", "out-of-range", "invalid", "other-status", "full"),
            ("unknown", "100", "draft", "truncated", "no-scope"),
        ],
    )
    def test_allows(self, classes):
        """Points whose cursor can be had on this data are allowed."""
        assert EVERYTHING.feasible(classes)

    @pytest.mark.parametrize(
        ("classes", "why"),
        [
            (("empty", "1", "absent", "this-query", "full"), "the empty project issues none"),
            (("main", "100", "ready", "this-query", "full"), "30 ready: no cursor at 100"),
            (("main", "1", "training", "this-query", "full"), "no training influencer"),
            (("main", "1", "invalid", "this-query", "full"), "an invalid query issues none"),
            (("main", "1", "absent", "other-org", "full"), "no other org's cursor to send"),
            (("main", "1", "absent", "other-project", "full"), "no cursor of the empty one"),
            (("main", "1", "pending", "other-limit", "full"), "one pending: one limit only"),
        ],
    )
    def test_refuses(self, classes, why):
        """Points whose cursor cannot exist on this data are not."""
        assert not EVERYTHING.feasible(classes), why

    def test_a_target_without_fixtures_offers_less(self):
        """No empty or foreign project, no key without scope: their points are not offered."""

        def three_ready(status):  # the count of a listing of three influencers, all ready
            return 3 if status in (None, "ready") else 0

        target = offer({"main": "p", "empty": None, "foreign": None}, False, three_ready)
        assert target.projects == {"main"}
        assert not any(key.startswith("no-scope") for key in target.keys)
        assert target.counts == {None: 3, "ready": 3, "draft": 0} | dict.fromkeys(
            ("pending", "training", "failed"), 0
        )
