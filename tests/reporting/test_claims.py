"""`reporting.claims`: a report's claims about its run, checked against its recording."""

from __future__ import annotations

from layers_conformance.reporting.claims import recorded_claim_problems

BASE = "https://api.test"
CLAIMED = {
    "base_url": BASE,
    "requests": 2,
    "started_at": "2026-12-07T05:00:00+00:00",
    "duration_s": 10.0,
}


def entry(url=f"{BASE}/v1/projects/p/influencers", at="2026-12-07T05:00:01+00:00", ms=500):
    return {"startedDateTime": at, "time": ms, "request": {"url": url}}


ENTRIES = [entry(), entry(at="2026-12-07T05:00:08+00:00")]


def problems(claimed=None, base_url=BASE, entries=ENTRIES):
    return recorded_claim_problems(CLAIMED | (claimed or {}), {"base_url": base_url}, entries)


class TestRecordedClaims:
    def test_claims_the_recording_holds(self):
        assert problems() == []

    def test_a_base_url_run_json_does_not_record(self):
        assert problems(base_url="https://other.test") == [
            "base_url: claimed 'https://api.test', run.json recorded 'https://other.test'"
        ]

    def test_requests_sent_elsewhere(self):
        [problem] = problems(entries=[entry(), entry(url="https://api.test.evil/v1")])
        assert problem.startswith("base_url: claimed 'https://api.test', but 1 of the 2")

    def test_a_request_count_the_recording_does_not_hold(self):
        assert problems({"requests": 3}) == ["requests: claimed 3, the recording holds 2 exchanges"]

    def test_a_run_shorter_than_its_exchanges(self):
        [problem] = problems({"duration_s": 2})
        assert problem.startswith("duration_s: claimed 2 s, the recorded exchanges end 8.500 s")

    def test_a_start_after_the_first_exchange(self):
        [problem] = problems({"started_at": "2026-12-07T05:00:05+00:00"})
        assert problem.startswith("started_at: claimed 2026-12-07T05:00:05+00:00")

    def test_values_of_the_wrong_type_are_named_not_raised(self):
        assert problems({"started_at": 5, "requests": True}) == [
            "requests: claimed True, the recording holds 2 exchanges",
            "started_at: 5 is not a time",
        ]
        assert problems({"duration_s": 1e308}) == ["duration_s: 1e+308 is not a duration"]
        assert problems(entries=[{"time": "x"}, 3]) == [
            "base_url: claimed 'https://api.test', but 2 of the 2 recorded requests went "
            "elsewhere (first: '')",
            "exchanges.har: an entry has no readable startedDateTime and time",
        ]
