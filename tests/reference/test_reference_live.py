"""The live reference: a writer that changes the main project's list as requests come."""

from __future__ import annotations

import httpx
import pytest
from reference_walk import ids, walk

from layers_conformance.reference.app import reference_app
from layers_conformance.reference.dataset import STATUSES, build_dataset
from layers_conformance.reference.faults import LIVE_FAULTS
from layers_conformance.reference.live import NEXT_STATUS, LiveSettings
from layers_conformance.reference.serve import main as serve_main
from layers_conformance.reference.serve import serve_in_thread

REQUESTS = 120


def run(rate: float, seed: int, requests: int = REQUESTS) -> tuple[list, list[list[str]]]:
    """Walk the main project at limit 7 until `requests` requests were sent; the writer's
    changes and the ids of every walk made."""
    dataset = build_dataset(40)
    app = reference_app(dataset, live=LiveSettings(rate, seed))
    path = f"/v1/projects/{dataset.fixtures.project_id}/influencers"
    walks: list[list[str]] = []
    with serve_in_thread(app) as url, live_client(url, dataset) as client:
        while app.state.live.requests < requests:
            walks.append(ids(walk(client, path, limit=7)))
    return app.state.live.changes, walks


def live_client(url, dataset) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"X-Api-Key": dataset.fixtures.key}, timeout=5)


def test_one_seed_makes_the_same_changes_at_the_same_requests():
    """Keyed to the server's request count, a seed repeats the run; another seed differs."""
    first, walks = run(4, seed=7)
    again, walks_again = run(4, seed=7)
    other, _ = run(4, seed=8)
    assert first == again
    assert walks == walks_again
    assert first != other


@pytest.mark.parametrize("rate", [2, 10])
def test_about_one_change_every_rate_requests(rate):
    """The writer makes one change every `rate` requests on average, never two at one."""
    changes, _ = run(rate, seed=1, requests=400)
    assert 400 / rate * 0.6 <= len(changes) <= 400 / rate * 1.4
    requests = [change.request for change in changes]
    assert requests == sorted(set(requests))


def test_every_kind_of_change_is_made_and_each_is_one_the_page_allows():
    """Created ones are drafts; moves go one step along draft -> pending -> training ->
    ready or failed; an archived influencer is never changed again."""
    changes, _ = run(2, seed=3, requests=300)
    assert {change.kind for change in changes} == {"created", "archived", "moved"}
    archived: set[str] = set()
    for change in changes:
        assert change.influencer_id not in archived
        if change.kind == "created":
            assert change.status == "draft"
        if change.kind == "moved":
            assert change.status in NEXT_STATUS[change.was]
        if change.kind == "archived":
            archived.add(change.influencer_id)
            assert change.status in STATUSES


def test_the_list_shows_each_change_by_the_next_request():
    """A created influencer heads the list, newer than every other; an archived one is gone;
    a moved one shows its new status; every walk stays newest first, each influencer once."""
    dataset = build_dataset(40)
    app = reference_app(dataset, live=LiveSettings(2, 5))
    path = f"/v1/projects/{dataset.fixtures.project_id}/influencers"
    with serve_in_thread(app) as url, live_client(url, dataset) as client:
        for _ in range(60):
            before = len(app.state.live.changes)
            items = client.get(path, params={"limit": 100}).json()["items"]
            listed = {item["influencerId"]: item for item in items}
            for change in app.state.live.changes[before:]:
                if change.kind == "archived":
                    assert change.influencer_id not in listed
                else:
                    assert listed[change.influencer_id]["status"] == change.status
                if change.kind == "created":
                    assert items[0]["influencerId"] == change.influencer_id
            stamps = [(item["createdAt"], item["influencerId"]) for item in items]
            assert stamps == sorted(stamps, reverse=True)
            assert len(set(stamps)) == len(stamps)
    assert items[0]["createdAt"] > "2026-04-01T14:22:10Z"  # the dataset's newest, NEWEST


def test_other_projects_and_the_archived_fixtures_never_change():
    """Only the main project's live list changes: the empty project stays empty and the
    fixtures' archived influencers stay archived."""
    dataset = build_dataset(40)
    app = reference_app(dataset, live=LiveSettings(1, 2))
    fixtures = dataset.fixtures
    with serve_in_thread(app) as url, live_client(url, dataset) as client:
        for _ in range(50):
            empty = client.get(f"/v1/projects/{fixtures.empty_project_id}/influencers")
            assert empty.json() == {"items": [], "nextCursor": None}
        main = ids(walk(client, f"/v1/projects/{fixtures.project_id}/influencers", limit=100))
    assert not set(fixtures.archived_influencer_ids) & set(main)


@pytest.mark.parametrize("rate", [0, 0.5, float("nan"), float("inf")])
def test_a_rate_below_one_request_is_refused(rate):
    with pytest.raises(ValueError, match="at least 1"):
        LiveSettings(rate)


def test_serve_refuses_a_bad_live_rate(capsys):
    with pytest.raises(SystemExit) as exited:
        serve_main(["--live", "0.5"])
    assert exited.value.code == 2
    assert "at least 1" in capsys.readouterr().err


def walks_with(fault_name: str, rate: float | None, status: str | None = None) -> list[list]:
    """Ten walks at limit 7 of the reference with the fault, live or still: their items."""
    dataset = build_dataset(40)
    live = None if rate is None else LiveSettings(rate, 4)
    app = reference_app(dataset, LIVE_FAULTS[fault_name], live=live)
    path = f"/v1/projects/{dataset.fixtures.project_id}/influencers"
    params = {"limit": 7} | ({"status": status} if status else {})
    with serve_in_thread(app) as url, live_client(url, dataset) as client:
        return [walk(client, path, **params) for _ in range(10)]


def test_offset_pagination_repeats_or_reorders_only_on_a_live_list():
    """Still, its walks are the reference's; live, a walk repeats an influencer or lists one
    newer than the page before it."""
    still = walks_with("offset_pagination", None)
    assert all(ids(items) == ids(still[0]) for items in still)
    assert len(set(ids(still[0]))) == len(still[0])
    broken = [items for items in walks_with("offset_pagination", 1) if not in_order_once(items)]
    assert broken


def test_a_status_cached_forever_shows_only_on_a_live_list():
    """Still, every filtered page holds its status; live, one shows an influencer whose
    status is an older one."""
    for status in ("pending", "training"):
        still = walks_with("status_cached_forever", None, status)
        assert all(item["status"] == status for items in still for item in items)
    live = walks_with("status_cached_forever", 1, "training")
    assert any(item["status"] != "training" for items in live for item in items)


def in_order_once(items: list) -> bool:
    stamps = [(item["createdAt"], item["influencerId"]) for item in items]
    return stamps == sorted(set(stamps), reverse=True)


def test_serve_says_the_list_is_live(dataset):
    """`serve --live 10` says in its first line that the list changes, and how often."""
    from layers_conformance.reference.serve import _banner

    first = _banner("http://h:1", dataset.fixtures, [], LiveSettings(10), None).splitlines()[0]
    assert first == (
        "reference server on http://h:1 (faults: none (conformant); "
        "live: a change about every 10 requests)"
    )
