"""The reference's production gateways (`reference/gateway.py`), over real HTTP.

Each gateway runs on a clock the test moves, so its window is the test's to step through.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from layers_conformance.probing.pacing import read_quota
from layers_conformance.reference.app import reference_app
from layers_conformance.reference.gateway import LB_EVERY, gateway, parse_gateway
from layers_conformance.reference.serve import serve_in_thread


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def behind(dataset, mode: str, clock: Clock) -> Iterator[httpx.Client]:
    app = gateway(reference_app(dataset), parse_gateway(mode), clock)
    with serve_in_thread(app) as url:
        headers = {"X-Api-Key": dataset.fixtures.key}
        with httpx.Client(base_url=url, headers=headers, timeout=5) as http:
            yield http


def test_a_rate_limit_refuses_past_its_rate_in_any_second(dataset, path):
    """Three a second: the fourth within the second gets 429 without Retry-After, and one
    more goes through once the first has left the window."""
    clock = Clock()
    with behind(dataset, "rate-429:3", clock) as http:
        statuses = [http.get(path).status_code for _ in range(4)]
        refused = http.get(path)
        clock.now = 1.01
        statuses.append(http.get(path).status_code)
    assert statuses == [200, 200, 200, 429, 200]
    assert "retry-after" not in refused.headers
    assert read_quota(refused.headers) is None


@pytest.mark.parametrize("mode", ["ratelimit-headers:3", "x-ratelimit:3"])
def test_rate_headers_say_what_is_left(dataset, path, mode):
    """Every answer says what is left of the window; the refused one, nothing."""
    clock = Clock()
    with behind(dataset, mode, clock) as http:
        quotas = [read_quota(http.get(path).headers) for _ in range(4)]
    assert [q.remaining for q in quotas if q] == [2, 1, 0, 0]
    if mode.startswith("ratelimit-headers"):
        assert {q.policy_rps for q in quotas if q} == {3}
    assert quotas[3] is not None
    assert quotas[3].reset_s is not None
    assert 0 < quotas[3].reset_s <= 2


def test_load_shedding_answers_503_every_other_with_retry_after(dataset, path):
    clock = Clock()
    with behind(dataset, "shed-503:1", clock) as http:
        answers = [http.get(path) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 503, 503]
    assert [a.headers.get("retry-after") for a in answers[1:]] == ["1", None]


def test_the_load_balancer_answers_one_request_in_25_with_its_page(dataset, path):
    with behind(dataset, "lb-502", Clock()) as http:
        answers = [http.get(path) for _ in range(2 * LB_EVERY)]
    bad = [n for n, a in enumerate(answers, 1) if a.status_code == 502]
    assert bad == [LB_EVERY, 2 * LB_EVERY]
    assert answers[LB_EVERY - 1].headers["content-type"] == "text/html"
    assert b"502 Bad Gateway" in answers[LB_EVERY - 1].content


def test_a_refusing_gateway_refuses_everything(dataset, path):
    with behind(dataset, "refuse-429", Clock()) as http:
        assert {http.get(path).status_code for _ in range(3)} == {429}


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("nginx", "unknown gateway mode"),
        ("rate-429:x", "not a number"),
        ("rate-429:-1", "positive"),
    ],
)
def test_a_bad_mode_is_named(spec, problem):
    with pytest.raises(ValueError, match=problem):
        parse_gateway(spec)
