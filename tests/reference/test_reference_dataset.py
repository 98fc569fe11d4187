"""The dataset: deterministic, with ties and archived rows where pagination breaks."""

from __future__ import annotations

import pytest

from layers_conformance.reference.dataset import STATUSES, build_dataset


def order(dataset, *, archived=False):
    project = dataset.fixtures.project_id
    rows = [
        r for r in dataset.influencers if r.project_id == project and (archived or not r.archived)
    ]
    return sorted(rows, key=lambda r: (r.created_at, r.influencer_id), reverse=True)


def straddling(live, limit):
    """The page boundaries at `limit` that fall inside a group of equal createdAt."""
    bounds = range(limit, len(live), limit)
    return [b for b in bounds if live[b - 1].created_at == live[b].created_at]


def test_deterministic():
    """The same seed gives the same dataset."""
    assert build_dataset(seed=3) == build_dataset(seed=3)


def test_size_and_statuses(dataset):
    """The main project has 160 live influencers in all five statuses."""
    live = dataset.live(dataset.fixtures.project_id)
    assert len(live) == 160
    assert {row.status for row in live} == set(STATUSES)


@pytest.mark.parametrize("limit", [7, 25])
def test_ties_straddle_page_boundaries(dataset, limit):
    """Several page boundaries at limits 7 and 25 cut a tie group."""
    assert len(straddling(dataset.live(dataset.fixtures.project_id), limit)) >= 3


def test_tie_groups_are_small(dataset):
    """Ties hold 2 to 6 live influencers."""
    live = dataset.live(dataset.fixtures.project_id)
    sizes = {}
    for row in live:
        sizes[row.created_at] = sizes.get(row.created_at, 0) + 1
    assert max(sizes.values()) <= 6
    assert 2 in sizes.values()


def test_archived_share_and_placement(dataset):
    """About 15% archived, some tied with live rows, some alone between two pages."""
    rows = order(dataset, archived=True)
    archived = [r for r in rows if r.archived]
    live_times = {r.created_at for r in rows if not r.archived}
    assert 0.1 <= len(archived) / len(rows) <= 0.2
    assert any(r.created_at in live_times for r in archived)
    assert any(r.created_at not in live_times for r in archived)


def test_archived_at_a_page_boundary(dataset):
    """Some archived row sits exactly between the last item of a page of 7 and the next."""
    rows = order(dataset, archived=True)
    positions = [i for i, r in enumerate(rows) if r.archived]
    live_before = [sum(1 for r in rows[:i] if not r.archived) for i in positions]
    assert any(count % 7 == 0 and count for count in live_before)


def test_fixtures(dataset):
    """The fixtures name an empty project, a foreign one and the archived ids."""
    fixtures = dataset.fixtures
    assert dataset.live(fixtures.empty_project_id) == []
    assert any(r.project_id == fixtures.empty_project_id for r in dataset.influencers)
    assert dataset.live(fixtures.foreign_project_id)
    archived = {r.influencer_id for r in order(dataset, archived=True) if r.archived}
    assert set(fixtures.archived_influencer_ids) == archived


def test_large_dataset_builds():
    """100,000 live influencers are generated, ties straddling boundaries throughout."""
    big = build_dataset(100_000)
    live = big.live(big.fixtures.project_id)
    assert len(live) == 100_000
    assert len(straddling(live, 25)) >= 1_000
