"""The all-pairs cover: every allowed pair sent, deterministically, without masking defects."""

from __future__ import annotations

import pytest

from layers_conformance.checks import pairwise
from layers_conformance.checks.space import DIMENSIONS, Offer, is_defect, is_hard, limit_class

COUNTS = {None: 160, "draft": 32, "pending": 30, "training": 35, "ready": 33, "failed": 30}
TARGET = Offer(frozenset(DIMENSIONS["project"]), frozenset(DIMENSIONS["key"]), COUNTS)


@pytest.fixture(scope="module")
def points():
    return pairwise.feasible_points(TARGET)


@pytest.fixture(scope="module")
def cover(points):
    return pairwise.all_pairs(points)


class TestAllPairs:
    def test_every_allowed_pair_is_sent(self, points, cover):
        """Each pair any allowed point exercises is exercised by some case of the cover."""
        assert pairwise.allowed_pairs(cover) == pairwise.allowed_pairs(points)

    def test_the_cover_is_small(self, points, cover):
        """A small fraction of the allowed points: the standard profile can afford it."""
        assert len(points) > 5_000
        assert len(cover) < 220

    def test_the_same_offer_gives_the_same_cases(self, points, cover):
        """Deterministic: every xdist worker and every run sends the same cases."""
        assert pairwise.all_pairs(list(points)) == cover

    def test_every_pair_is_sent_with_no_defect_it_does_not_need(self, points, cover):
        """A fault is not masked: each pair is sent in a case with the fewest defects any
        allowed point with that pair has (`status=ready` with the full key on the main
        project, not only on another org's; an altered cursor is a defect too)."""
        least, sent = _fewest_defects(points), _fewest_defects(cover)
        for pair, fewest in least.items():
            assert sent[pair] == fewest or (is_hard(pair[1]) and is_hard(pair[3])), pair

    def test_every_hard_value_is_sent_with_every_other_dimension_clean(self, points, cover):
        """Each value that rules out a page is sent once with no other defect than the target
        forces on it (a cursor issued to another org goes only to another org's project)."""
        least, sent = _fewest_with(points), _fewest_with(cover)
        assert {v: n for v, n in least.items() if is_hard(v)} == {
            v: n for v, n in sent.items() if is_hard(v)
        }
        assert least["foreign"] == least["missing"] == least["garbage"] == 1

    def test_another_orgs_project_with_the_key_in_the_other_header_is_sent_clean(self, cover):
        """The case that a cursor or an invalid limit once masked: a server that skips the
        org check for a Bearer key answers it with another org's data."""
        assert ("foreign", "absent", "absent", "none", "full/other-header") in cover

    def test_pairs_of_two_hard_values_are_packed(self, cover):
        """Which error wins is all such a case asks: several hard values share one case."""
        assert any(_hardness(case) >= 3 for case in cover)


def _hardness(point):
    return sum(map(is_hard, point))


def _fewest_with(points):
    fewest = {}
    for point in points:
        for value in point:
            fewest[value] = min(fewest.get(value, 9), sum(map(is_defect, point)))
    return fewest


def _fewest_defects(points):
    fewest = {}
    for point in points:
        for pair in pairwise.pairs_of(point):
            fewest[pair] = min(fewest.get(pair, 9), sum(map(is_defect, point)))
    return fewest


class TestConcretize:
    def test_values_stay_in_their_class(self, cover):
        """A 2-99 case sends a limit from 2 to 99, an invalid one an invalid value."""
        for index, classes in enumerate(cover):
            point = pairwise.concretize(classes, index, TARGET)
            assert point.classes == classes

    def test_a_cursor_of_this_query_leaves_items_for_a_next_page(self):
        """With 30 pending influencers, a this-query 2-99 limit stays below 30."""
        classes = ("main", "2-99", "pending", "this-query", "full")
        limits = {int(pairwise.concretize(classes, i, TARGET).limit) for i in range(200)}
        assert min(limits) >= 2
        assert max(limits) <= 29
        assert len(limits) > 20

    @pytest.mark.parametrize("limit", ["absent", "1", "100", "out-of-range", "not-integer"])
    def test_limit_value_is_of_its_class(self, limit):
        """Each class's values are of that class."""
        for index in range(10):
            assert limit_class(pairwise.limit_value(limit, index)) == limit


class TestPairCoverage:
    def test_counts_allowed_sent_and_missed(self, points, cover):
        """Per two dimensions: what the target allows, what was sent, and what was not."""
        allowed = pairwise.allowed_pairs(points)
        full = pairwise.pair_coverage(allowed, cover)
        assert len(full) == 10
        assert all(part.exercised == part.feasible and not part.missed for part in full)
        half = pairwise.pair_coverage(allowed, cover[:10])
        project_cursor = next(p for p in half if p.dimensions == ("project", "cursor"))
        assert project_cursor.possible == 5 * 9
        assert 0 < len(project_cursor.exercised) < len(project_cursor.feasible)
        assert set(project_cursor.missed) == set(project_cursor.feasible) - set(
            project_cursor.exercised
        )


class TestAloneCoverage:
    def test_every_hard_value_is_listed_and_sent_alone(self, points, cover):
        """Per dimension, each hard value the target allows, and the cover sends each alone."""
        parts = {
            part.dimensions: part
            for part in pairwise.alone_coverage(pairwise.fewest_defects(points), cover)
        }
        assert set(parts) == {
            (d, pairwise.ALONE) for d in ("project", "limit", "status", "cursor", "key")
        }
        assert ("foreign", pairwise.ALONE) in parts[("project", pairwise.ALONE)].feasible
        assert all(not part.missed for part in parts.values())

    def test_a_hard_value_sent_only_beside_another_defect_is_missed(self, points):
        """Another org's project sent only with an altered cursor is not sent alone."""
        masked = [("foreign", "1", "absent", "altered", "full")]
        parts = {
            p.dimensions: p
            for p in pairwise.alone_coverage(pairwise.fewest_defects(points), masked)
        }
        assert ("foreign", pairwise.ALONE) in parts[("project", pairwise.ALONE)].missed
