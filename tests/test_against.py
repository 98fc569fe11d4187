"""`run.against`: a recorded answer and a live one compared, allowing what a list in use
changes (items created, archived or moved), and the sample of requests sent again."""

from __future__ import annotations

import pytest

from layers_conformance.run.against import difference, sample


def page(*ids, **extra):
    return 200, {"items": [{"influencerId": i} for i in ids], "nextCursor": None, **extra}


class TestDifference:
    @pytest.mark.parametrize(
        "live",
        [page("a", "b", "c", "d"), page("new", "a", "b", "c"), page("a", "c", "d", "e")],
        ids=["same", "one-created", "one-archived"],
    )
    def test_what_a_list_in_use_changes_matches(self, live):
        assert difference(page("a", "b", "c", "d"), live) is None

    @pytest.mark.parametrize(
        ("live", "why"),
        [
            (page("d", "c", "b", "a"), "another order"),
            (page("w", "x", "y", "a"), "1 of 4 items in both answers"),
            (page(), "4 items recorded, 0 now"),
            (page("a", "b", "c", "d", extra=1), "fields"),
            ((400, {"error": {"code": "INVALID_LIMIT"}}), "status 200 recorded, 400 now"),
        ],
        ids=["reversed", "most-replaced", "emptied", "new-field", "status"],
    )
    def test_what_it_does_not_change_differs(self, live, why):
        assert why in difference(page("a", "b", "c", "d"), live)

    def test_an_error_code_must_stay(self):
        recorded = 400, {"error": {"code": "INVALID_LIMIT"}}
        assert difference(recorded, (400, {"error": {"code": "INVALID_CURSOR"}})) == (
            "error code 'INVALID_LIMIT' recorded, 'INVALID_CURSOR' now"
        )


def entry(url, method="GET"):
    return {"request": {"method": method, "url": url, "headers": []}}


class TestSample:
    def test_leaves_out_cursors_other_hosts_and_repeats(self):
        base = "https://api.test"
        entries = [
            entry(f"{base}/v1/p/influencers"),
            entry(f"{base}/v1/p/influencers"),
            entry(f"{base}/v1/p/influencers?cursor=abc"),
            entry("https://api.test.evil/v1/p/influencers"),
            entry(f"{base}/v1/p/influencers?limit=5"),
        ]
        assert [e["request"]["url"] for e in sample(entries, base)] == [
            f"{base}/v1/p/influencers",
            f"{base}/v1/p/influencers?limit=5",
        ]

    def test_at_most_the_sample_size_spread_over_the_recording(self):
        entries = [entry(f"https://api.test/v1/p/influencers?limit={n}") for n in range(100)]
        chosen = sample(entries, "https://api.test", size=10)
        assert len(chosen) == 10
        assert chosen[-1]["request"]["url"].endswith("limit=90")
