"""The HTTP client: requests as documented, limits kept, failures recorded, keys never stored."""

from __future__ import annotations

import gc
import itertools
import pprint
import sys
import threading
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import FrameType

import httpx
import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from layers_conformance.core.exchange import KEY_PLACEHOLDER, Exchange, RawQuery
from layers_conformance.core.targets import Secret
from layers_conformance.probing.client import (
    NO_CREDENTIALS,
    USER_AGENT,
    BudgetExceeded,
    Client,
    ClientSettings,
    Credentials,
    DeadlineExceeded,
    KeyForm,
    RateLimited,
    Refused,
    TargetUnresponsive,
    list_url,
    query_url,
)
from streamed import streamed

KEY = "lk_live_SECRET_0123456789"
NO_SCOPE = "lk_live_NOSCOPE_987654"
BASE = "https://api.example.com"
PROJECT = "6f1c2b1e-8a51-4c3e-9f0a-2d4b6c8e0a11"
Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class FakeTime:
    """A monotonic clock that only moves when the client sleeps (or a test says so)."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def ok(_request: httpx.Request | None = None) -> httpx.Response:
    return httpx.Response(200, json={"items": [], "nextCursor": None})


def make_client(handler: Handler = ok, fake: FakeTime | None = None, on_exchange=None, **settings):
    fake = fake or FakeTime()
    return Client(
        BASE,
        Credentials("x-api-key", Secret(KEY)),
        ClientSettings(**{"budget": 100, **settings}),
        secrets={NO_SCOPE: "$LAYERS_API_KEY_NO_SCOPE"},
        transport=httpx.MockTransport(streamed(handler)),
        on_exchange=on_exchange,
        clock=fake.clock,
        sleep=fake.sleep,
    )


def replies(*responses: httpx.Response, seen: list[httpx.Request]) -> Handler:
    """A handler that answers with `responses` in turn (the last one repeats)."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        reply = responses[min(len(seen), len(responses)) - 1]
        return httpx.Response(reply.status_code, headers=reply.headers, content=reply.content)

    return handler


class TestRequest:
    def test_url_and_query(self):
        """The project id is one path segment; params keep their order and repeats."""
        with make_client() as client:
            exchange = client.list_influencers(
                "a/b c", [("limit", "5"), ("status", "x"), ("status", "y")]
            )
        assert exchange.url == f"{BASE}/v1/projects/a%2Fb%20c/influencers?limit=5&status=x&status=y"

    def test_mapping_params(self):
        with make_client() as client:
            assert client.list_influencers(PROJECT, {"cursor": ""}).url.endswith(
                "/influencers?cursor="
            )

    @pytest.mark.parametrize(
        ("credentials", "header", "value"),
        [
            (None, "x-api-key", KEY),
            (Credentials("bearer", Secret(NO_SCOPE)), "authorization", f"Bearer {NO_SCOPE}"),
            (Credentials("x-api-key", Secret("")), "x-api-key", ""),
        ],
    )
    def test_auth_header(self, credentials, header, value):
        """The key travels the way its scheme says, and only that way."""
        seen: list[httpx.Request] = []
        with make_client(replies(ok(None), seen=seen)) as client:
            client.list_influencers(PROJECT, credentials=credentials)
        assert seen[0].headers[header] == value
        assert {"x-api-key", "authorization"} - {header} & set(seen[0].headers) == set()

    @pytest.mark.parametrize(
        "raw", ["limit", "limit&status=ready", "%6cimit=7", "status=%72eady", "status=ready+"]
    )
    def test_a_raw_query_goes_on_the_wire_as_written(self, raw):
        """A bare name or a percent-encoded name or value reaches the server byte for byte,
        and the exchange's URL (its HAR entry, its curl line) is that very request."""
        seen: list[httpx.Request] = []
        with make_client(replies(ok(None), seen=seen)) as client:
            exchange = client.list_influencers(PROJECT, RawQuery(raw))
        assert seen[0].url.raw_path.endswith(b"/influencers?" + raw.encode())
        assert exchange.url.endswith("/influencers?" + raw)
        assert f"'{exchange.url}'" in exchange.curl() or exchange.url in exchange.curl()

    def test_a_raw_query_no_request_line_carries_is_not_sent(self):
        """A raw query with a character a request line cannot carry as written is an unsent
        exchange saying so, costing no budget."""
        seen: list[httpx.Request] = []
        with make_client(replies(ok(None), seen=seen)) as client:
            exchange = client.list_influencers(PROJECT, RawQuery("limit=%D9%A7"))
            unsendable = client.list_influencers(PROJECT, RawQuery("limit=\u0667"))
        assert len(seen) == 1
        assert exchange.status == 200
        assert unsendable.error is not None
        assert unsendable.error.startswith("not sent: the raw query holds a character")

    @pytest.mark.parametrize(
        ("form", "scheme", "sent", "recorded"),
        [
            (KeyForm(change="%?"), "x-api-key", [KEY[:-1]], ["${LAYERS_API_KEY%?}"]),
            (
                KeyForm(change="~~"),
                "bearer",
                [f"Bearer {KEY.swapcase()}"],
                ["Bearer ${LAYERS_API_KEY~~}"],
            ),
            (
                KeyForm(template="bearer {key}"),
                "bearer",
                [f"bearer {KEY}"],
                ["bearer $LAYERS_API_KEY"],
            ),
            (
                KeyForm(template="Bearer\t{key}"),
                "bearer",
                [f"Bearer\t{KEY}"],
                ["Bearer\t$LAYERS_API_KEY"],
            ),
            (KeyForm(template=""), "bearer", [""], [""]),
            (
                KeyForm(repeated=True),
                "x-api-key",
                [KEY, KEY],
                ["$LAYERS_API_KEY", "$LAYERS_API_KEY"],
            ),
            (KeyForm(more="x"), "bearer", [f"Bearer {KEY}x"], ["Bearer ${LAYERS_API_KEY}x"]),
        ],
        ids=["cut", "swapped", "lower-scheme", "tab", "empty", "repeated", "extended"],
    )
    def test_a_form_of_the_key_is_sent_and_recorded_as_its_expansion(
        self, form, scheme, sent, recorded
    ):
        """The server gets the key in its form; the recording (HAR, curl line) says which
        form by the shell expansion that makes it, never the key."""
        seen: list[httpx.Request] = []
        with make_client(replies(ok(None), seen=seen)) as client:
            exchange = client.list_influencers(
                PROJECT, credentials=Credentials(scheme, Secret(KEY), form)
            )
        name = "authorization" if scheme == "bearer" else "x-api-key"
        assert seen[0].headers.get_list(name) == sent
        shown = [v for n, v in exchange.request_headers.items() if n.lower() == name]
        assert shown == recorded
        assert KEY[1:-1].lower() not in (exchange.curl() + repr(exchange)).lower()

    def test_no_credentials(self):
        """NO_CREDENTIALS sends no key at all."""
        seen: list[httpx.Request] = []
        with make_client(replies(ok(None), seen=seen)) as client:
            exchange = client.list_influencers(PROJECT, credentials=NO_CREDENTIALS)
        assert not {"x-api-key", "authorization"} & set(seen[0].headers)
        assert "Key" not in exchange.curl()

    def test_redirect_not_followed(self):
        """A 3xx is the recorded answer; the key never reaches the other host."""
        seen: list[httpx.Request] = []
        moved = httpx.Response(302, headers={"location": "https://evil.example/steal"})
        with make_client(replies(moved, seen=seen)) as client:
            exchange = client.list_influencers(PROJECT)
        assert exchange.status == 302
        assert [request.url.host for request in seen] == ["api.example.com"]


class TestRecording:
    def test_key_never_recorded(self):
        """A server echoing the keys in headers and body leaves no key in any record."""

        def echo(request: httpx.Request) -> httpx.Response:
            key = request.headers.get("x-api-key", "")
            return httpx.Response(
                401, headers={"x-echo": key}, text=f"bad key {key} at {request.url}"
            )

        recorded: list[Exchange] = []
        with make_client(echo, on_exchange=recorded.append) as client:
            client.list_influencers(PROJECT, [("cursor", KEY)])
            client.list_influencers(PROJECT, credentials=Credentials("x-api-key", Secret(NO_SCOPE)))
        assert len(recorded) == 2
        for exchange in recorded:
            assert KEY not in repr(exchange) + exchange.curl()
            assert NO_SCOPE not in repr(exchange) + exchange.curl()
        assert '-H "X-Api-Key: $LAYERS_API_KEY"' in recorded[0].curl()
        assert recorded[0].body_text.startswith("bad key $LAYERS_API_KEY at ")
        assert '-H "X-Api-Key: $LAYERS_API_KEY_NO_SCOPE"' in recorded[1].curl()

    def test_exchanges_kept_share_their_headers(self):
        """Memory flat in the length of a run (issue 23): a thousand exchanges with equal
        headers hold one dict of them, not a copy each, and little else beyond their own URL
        and body; the HAR (`on_exchange`) is told the same."""
        told: list[Exchange] = []
        with make_client(on_exchange=told.append, budget=1001) as client:
            client.list_influencers(PROJECT)  # httpx's and the redactor's caches, filled once
            tracemalloc.start()
            try:
                kept = [client.list_influencers(PROJECT, [("n", str(n))]) for n in range(1000)]
                retained, _ = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        assert told[1:] == kept
        assert kept[-1].request_headers == {"User-Agent": USER_AGENT, "X-Api-Key": KEY_PLACEHOLDER}
        assert kept[-1].response_headers == dict(ok().headers)
        assert len({id(exchange.request_headers) for exchange in kept}) == 1
        assert len({id(exchange.response_headers) for exchange in kept}) == 1
        own = sum(len(exchange.url) + len(exchange.body) for exchange in kept)
        assert retained - own < 1000 * 500  # a copy of the headers each: over 1,000 bytes

    def test_exchanges_kept_share_their_query(self):
        """Memory flat in the length of a run (issue 23): an exchange kept holds its URL as
        the endpoint's one string and the query the caller asked (a walk's cursor, ~250
        characters, which the page before keeps anyway), not as the text of each URL; the
        text read back is the URL sent."""
        cursors = [(("limit", "10"), ("cursor", f"{n:04d}" + "c" * 246)) for n in range(500)]
        with make_client(budget=501) as client:
            client.list_influencers(PROJECT)  # httpx's and the redactor's caches, filled once
            gc.collect()
            tracemalloc.start()
            try:
                kept = [client.list_influencers(PROJECT, query) for query in cursors]
                gc.collect()  # a full collection empties CPython's lists of freed tuples too
                retained, _ = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        endpoint = list_url(BASE, PROJECT)
        sent = [str(query_url(endpoint, query)) for query in cursors]
        assert [exchange.url for exchange in kept] == sent
        assert "cursor=0499cccc" in kept[-1].describe()
        own = sum(len(exchange.body) for exchange in kept)
        assert retained - own < 500 * 550  # CPython 3.11: ~325 bytes each; the URL text: 775

    def test_a_walks_pages_share_its_query_and_their_cursors(self):
        """Memory flat in the length of a run (issue 23): a walk asks each page with its own
        query and the cursor the page before handed out; what an exchange keeps of them is
        the walk's query, one for all its pages, and the cursor's text, which the page
        before keeps anyway: not a tuple of them each (the query's and the cursor's pair)."""
        walk = (("limit", "10"), ("status", "ready"))
        cursors = [f"{n:04d}" + "c" * 246 for n in range(500)]
        with make_client(budget=501) as client:
            client.list_influencers(PROJECT, (*walk, ("cursor", "first")))  # caches, once
            gc.collect()
            tracemalloc.start()
            try:
                kept = [client.list_influencers(PROJECT, (*walk, ("cursor", c))) for c in cursors]
                gc.collect()  # a full collection empties CPython's lists of freed tuples too
                retained, _ = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        endpoint = list_url(BASE, PROJECT)
        sent = [str(query_url(endpoint, (*walk, ("cursor", c)))) for c in cursors]
        assert [exchange.url for exchange in kept] == sent
        own = sum(len(exchange.body) for exchange in kept)
        assert retained - own < 500 * 385  # CPython 3.11: ~330 bytes each; ~437 with the tuples

    def test_long_headers_are_not_remembered(self):
        """A server's 50 KB of headers on every answer: what the run does not keep of them,
        the client does not keep either (the last 256 sets would be 12 MB)."""

        def padded(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, headers={"x-pad": "p" * 50_000 + request.url.query.decode()})

        with make_client(padded, budget=300) as client:
            client.list_influencers(PROJECT)
            tracemalloc.start()
            try:
                for n in range(299):
                    client.list_influencers(PROJECT, [("n", str(n))])
                retained, _ = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        assert retained < 1_000_000

    def test_body_cap(self):
        """A body over the cap is cut, and the exchange says so."""
        with make_client(
            lambda _: httpx.Response(200, content=b"x" * 10_000), max_body_bytes=1000
        ) as client:
            exchange = client.list_influencers(PROJECT)
        assert (exchange.status, exchange.error) == (200, "body larger than 1,000 bytes")
        assert len(exchange.body_text) == 1000  # its first 2,000 characters at most are kept


class TestLimits:
    def test_budget_never_exceeded(self):
        """The request after the budget raises, naming it, and never leaves."""
        seen: list[httpx.Request] = []
        with make_client(replies(ok(None), seen=seen), budget=3) as client:
            for _ in range(3):
                client.list_influencers(PROJECT)
            with pytest.raises(BudgetExceeded, match="request budget of 3 requests is spent"):
                client.list_influencers(PROJECT)
        assert client.requests_sent == len(seen) == 3

    def test_retries_take_nothing_from_the_budget(self):
        """A request sent again after a shed is one request of the budget, its retries
        counted apart: what is sent and judged does not depend on the gateway's moods."""
        seen: list[httpx.Request] = []
        client = make_client(replies(httpx.Response(503), seen=seen), budget=1)
        with client:
            assert client.list_influencers(PROJECT).status == 503
            with pytest.raises(BudgetExceeded):
                client.list_influencers(PROJECT)
        assert (client.requests_sent, len(seen)) == (1, 5)
        assert client.traffic.retries == (("503", 4),)

    def test_run_deadline(self):
        """After the run's deadline no request leaves."""
        fake = FakeTime()
        with make_client(fake=fake, run_deadline=fake.now + 10) as client:
            client.list_influencers(PROJECT)
            fake.now += 11
            with pytest.raises(DeadlineExceeded, match="deadline has passed"):
                client.list_influencers(PROJECT)
        assert client.requests_sent == 1

    def test_rate_never_exceeded(self):
        """Requests leave at least 1/rps apart on the monotonic clock."""
        fake = FakeTime()
        stamps: list[float] = []

        def stamp(request: httpx.Request) -> httpx.Response:
            stamps.append(fake.now)
            fake.now += 0.01  # the server takes a little time
            return ok(request)

        with make_client(stamp, fake=fake, rate_limit_rps=4) as client:
            for _ in range(10):
                client.list_influencers(PROJECT)
        gaps = [later - earlier for earlier, later in itertools.pairwise(stamps)]
        assert min(gaps) == pytest.approx(0.25)
        assert all(gap >= 0.25 - 1e-9 for gap in gaps)


def http_date(ahead: timedelta) -> str:
    return format_datetime(datetime.now(UTC) + ahead, usegmt=True)


class TestRetries:
    @pytest.mark.parametrize(
        ("retry_after", "expected_wait"),
        [
            ("2", 2.0),
            ("120", 120.0),  # honoured in full: the run has 600 s left
            (timedelta(hours=-1), 0.0),  # an HTTP-date an hour ago
            (None, 0.375),  # none given: the first backoff step, 0.25-0.5 s with jitter
        ],
        # Ids from the parameters, never from the clock: xdist workers must collect the same.
        ids=["seconds", "long", "date-past", "absent"],
    )
    def test_a_429s_retry_after_is_honoured(self, retry_after, expected_wait):
        """Retry-After, in seconds or as an HTTP-date, is waited in full when the run can."""
        if isinstance(retry_after, timedelta):
            retry_after = http_date(retry_after)
        headers = {} if retry_after is None else {"retry-after": retry_after}
        fake, seen = FakeTime(), []
        busy, recorded = httpx.Response(429, headers=headers), []
        client = make_client(
            replies(busy, ok(None), seen=seen), fake, recorded.append, run_deadline=fake.now + 600
        )
        with client:
            exchange = client.list_influencers(PROJECT)
        assert exchange.status == 200
        assert fake.sleeps == [pytest.approx(expected_wait, abs=1)]
        assert [e.status for e in recorded] == [429, 200]
        assert client.traffic.retries == (("429", 1),)

    @pytest.mark.parametrize(
        ("retry_after", "message"),
        [
            ("3600", "rate limited (server asked for 3600 s)"),
            (timedelta(days=1), "rate limited (server asked for 86"),
            ("9" * 400, "rate limited (server asked for inf s)"),
        ],
        ids=["an-hour", "a-day-as-a-date", "huge"],
    )
    def test_a_429_the_run_cannot_wait_out_stops_it(self, retry_after, message):
        """A wait longer than the run has left stops the run at once: rate limiting is no
        conformance finding, and no request goes early."""
        if isinstance(retry_after, timedelta):
            retry_after = http_date(retry_after)
        fake, seen = FakeTime(), []
        busy = httpx.Response(429, headers={"retry-after": retry_after.encode()})
        client = make_client(replies(busy, seen=seen), fake, run_deadline=fake.now + 600)
        with client, pytest.raises(RateLimited) as stopped:
            client.list_influencers(PROJECT)
        assert str(stopped.value).startswith(message)
        assert RateLimited.stops_run
        assert (len(seen), fake.sleeps) == (1, [])

    @pytest.mark.parametrize(
        "retry_after", ["soon", "²", None], ids=["words", "superscript", "none"]
    )
    def test_429s_without_a_readable_wait_back_off_until_the_allowance(self, retry_after):
        """Without a Retry-After it can read, the client backs off exponentially, with
        jitter, until the request's allowance is spent: that request is given up
        (`Refused`: inconclusive, never a finding) and the run goes on."""
        fake, seen = FakeTime(), []
        headers = {} if retry_after is None else {"retry-after": retry_after.encode()}
        busy = httpx.Response(429, headers=headers)
        client = make_client(replies(busy, seen=seen), fake, run_deadline=fake.now + 600)
        with client, pytest.raises(Refused, match=r"HTTP 429 on .* tries in a row") as refused:
            client.list_influencers(PROJECT)
        assert not Refused.stops_run
        assert fake.now - 1000 <= 60, refused.value
        assert len(seen) > 5
        assert client.requests_sent == 1

    def test_429s_until_the_deadline_stop_the_run(self):
        """A target that refuses every try until the run's deadline stops the run there."""
        fake, seen = FakeTime(), []
        busy = httpx.Response(429)
        client = make_client(replies(busy, seen=seen), fake, run_deadline=fake.now + 5)
        with client, pytest.raises(RateLimited, match="until the run's deadline"):
            client.list_influencers(PROJECT)
        assert fake.now <= 1000 + 5

    @pytest.mark.parametrize("status", [502, 503, 504])
    def test_a_gateways_5xx_is_sent_again_and_a_repeated_one_is_the_answer(self, status):
        """A 502, 503 or 504 (JSON or a load balancer's page) is sent again; when the
        server gives it on every try, it is the answer, and is judged."""
        fake, seen = FakeTime(), []
        page = httpx.Response(status, html="<html><h1>Bad Gateway</h1></html>")
        with make_client(replies(page, ok(None), seen=seen), fake=fake) as client:
            assert client.list_influencers(PROJECT).status == 200
        with make_client(replies(page, seen=seen), fake=fake) as client:
            assert client.list_influencers(PROJECT).status == status
        # A 503 gets more tries: a gateway may shed a burst's every try (see below).
        assert client.traffic.retries == ((str(status), 4 if status == 503 else 2),)

    def test_a_5xx_after_429s_gets_its_own_retries(self):
        """A gateway that paced a request (429s) and then shed it (a 502 page): the 502 is
        tried again like any first 5xx, not judged because the 429s used the tries. (Seen
        against a gateway in front of the independent server: LIMIT-INTEGER-001 failed on
        its 502.)"""
        fake, seen = FakeTime(), []
        busy, page = httpx.Response(429), httpx.Response(502, html="<html>Bad Gateway</html>")
        answers = replies(busy, busy, busy, page, ok(None), seen=seen)
        with make_client(answers, fake, run_deadline=fake.now + 600) as client:
            assert client.list_influencers(PROJECT).status == 200
        assert dict(client.traffic.retries) == {"429": 3, "502": 1}

    def test_only_a_503_that_a_retry_gets_past_slows_the_pace(self):
        """A 503 that a later try gets past was load shed: the pace slows as for a 429. A
        503 on every try is the server's own answer, and leaves the pace alone."""
        shed = httpx.Response(503)
        with make_client(replies(shed, ok(None), seen=[])) as client:
            client.list_influencers(PROJECT)
        assert client.traffic.suggested_rps is not None
        with make_client(replies(shed, seen=[])) as client:
            client.list_influencers(PROJECT)
        assert client.traffic.suggested_rps is None

    @pytest.mark.parametrize(
        "failure",
        [
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            httpx.ReadError("[Errno 104] Connection reset by peer"),
        ],
        ids=["closed", "reset"],
    )
    def test_a_connection_closed_before_any_answer_is_sent_again(self, failure):
        """A connection closed or reset before the first byte is tried again, counted as
        `closed`."""
        seen: list[httpx.Request] = []

        def closes_once(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            if len(seen) == 1:
                raise failure
            return ok(request)

        with make_client(closes_once) as client:
            assert client.list_influencers(PROJECT).status == 200
        assert client.traffic.retries == (("closed", 1),)
        assert client.requests_sent == 1

    def test_a_target_seen_shedding_is_waited_out_past_the_retries(self):
        """Once a 503 was got past (load shed), a request shed on every one of its first tries
        is sent again until it gets through: never judged on a 503 of a burst. Where nothing
        was got past, a 503 on every try is still the answer."""
        fake, seen = FakeTime(), []
        shed = httpx.Response(503)
        answers = replies(shed, ok(None), *[shed] * 6, ok(None), seen=seen)
        with make_client(answers, fake=fake) as client:
            assert client.list_influencers(PROJECT).status == 200  # shed once, then through
            assert client.list_influencers(PROJECT).status == 200  # shed 6 times, then through
        assert len(seen) == 9
        assert client.traffic.retries == (("503", 7),)

    def test_a_shed_request_waits_no_longer_than_its_allowance(self):
        """Shed past its allowance, the request is given up (Refused: inconclusive), not
        judged on a 503."""
        fake, seen = FakeTime(), []
        shed = httpx.Response(503)
        answers = replies(shed, ok(None), *[shed] * 40, seen=seen)
        client = make_client(answers, fake=fake, run_deadline=fake.now + 600)
        with client:
            client.list_influencers(PROJECT)
            with pytest.raises(Refused, match=r"HTTP 503 on .* tries in a row"):
                client.list_influencers(PROJECT)
        assert not Refused.stops_run

    def test_a_503s_retry_after_is_capped(self):
        """A 503 is an answer, retried politely: its Retry-After is capped at 5 s."""
        fake, seen = FakeTime(), []
        busy = httpx.Response(503, headers={"retry-after": "120"})
        with make_client(replies(busy, ok(None), seen=seen), fake=fake) as client:
            assert client.list_influencers(PROJECT).status == 200
        assert fake.sleeps == [5.0]

    def test_gives_up_after_max_retries(self):
        """Without Retry-After the waits back off; the last 503 is returned."""
        fake, seen = FakeTime(), []
        with make_client(replies(httpx.Response(503), seen=seen), fake=fake) as client:
            exchange = client.list_influencers(PROJECT)
        assert (exchange.status, len(seen)) == (503, 5)
        for attempt, slept in enumerate(fake.sleeps):
            assert 0.25 * 2**attempt <= slept <= 0.5 * 2**attempt

    @pytest.mark.parametrize("status", [400, 401, 404, 500])
    def test_other_statuses_not_retried(self, status):
        seen: list[httpx.Request] = []
        with make_client(replies(httpx.Response(status), seen=seen)) as client:
            assert client.list_influencers(PROJECT).status == status
        assert len(seen) == 1


class TestServerInputNeverRaises:
    @pytest.mark.parametrize(
        ("cursor", "problem"),
        [
            ("c" * 1_000_000, "not sent: the URL would be too long: 1,000,"),
            ("ab\ud800cd", "not sent: the cursor holds a lone surrogate (U+D800 at character 2)"),
        ],
        ids=["1-mb", "lone-surrogate"],
    )
    def test_a_cursor_no_url_can_carry_is_not_sent(self, cursor, problem):
        """A server's cursor that no request can carry back gives an unsent exchange that
        says why (and costs no budget), never InvalidURL or UnicodeEncodeError."""
        seen: list[httpx.Request] = []
        recorded: list[Exchange] = []
        with make_client(replies(ok(None), seen=seen), on_exchange=recorded.append) as client:
            exchange = client.list_influencers(PROJECT, [("limit", "7"), ("cursor", cursor)])
        assert exchange.status is None
        assert exchange.error is not None
        assert exchange.error.startswith(problem)
        assert (seen, client.requests_sent) == ([], 0)
        assert len(exchange.url) < 300  # the value is named by its length, not repeated
        assert exchange in recorded

    @pytest.mark.parametrize(
        "location", ["http://xn--zz.com/", "http://é" + "x" * 70 + ".com/", "http://[::1/"]
    )
    def test_a_redirect_is_recorded_whatever_its_location(self, location):
        """The Location of a 3xx is never parsed (nor followed): an IDNA-breaking host is
        just part of the answer."""
        moved = httpx.Response(302, headers={"location": location.encode()})
        with make_client(replies(moved, seen=[])) as client:
            exchange = client.list_influencers(PROJECT)
        assert (exchange.status, exchange.error) == (302, None)

    @pytest.mark.parametrize(
        ("body", "problem"),
        [
            (b'{"name": "M\xfcller"}', "the body is not UTF-8: byte 0xfc at byte 11"),
            ('{"a": 1}'.encode("utf-16"), "the body is not UTF-8: byte 0xff at byte 0"),
            ('{"name": "Müller"}'.encode(), None),
        ],
        ids=["latin-1", "utf-16", "utf-8"],
    )
    def test_a_body_that_is_not_utf8_is_said_so(self, body, problem):
        """JSON between systems is UTF-8: the byte that is not is named, and the text is still
        shown (in the charset the answer declares, when Python knows it)."""
        answer = httpx.Response(200, content=body)
        with make_client(replies(answer, seen=[])) as client:
            exchange = client.list_influencers(PROJECT)
        assert exchange.encoding_error == problem
        assert exchange.json_error == problem if problem else exchange.json_error is None

    def test_no_key_in_any_frame_while_an_answer_is_read(self):
        """While the transport runs (where the server's input is read), no local or argument
        of the client's frames holds the key: a traceback with -l shows none."""
        shown: list[str] = []

        def look(request: httpx.Request) -> httpx.Response:
            frame: FrameType | None = sys._getframe(1)
            while frame is not None:
                if "src/layers_conformance" in frame.f_code.co_filename:
                    shown.extend(pprint.pformat(value) for value in frame.f_locals.values())
                frame = frame.f_back
            return ok(request)

        with make_client(look) as client:
            client.list_influencers(PROJECT)
            client.list_influencers(PROJECT, credentials=Credentials("bearer", Secret(NO_SCOPE)))
        assert shown
        assert not [text for text in shown if KEY in text or NO_SCOPE in text]

    def test_reprs_hold_no_key_and_stay_small(self):
        """Credentials and the client print masked, and as a line."""
        credentials = Credentials("x-api-key", Secret(KEY))
        assert KEY not in repr(credentials)
        with make_client() as client:
            client.list_influencers(PROJECT)
            assert repr(client) == f"Client({BASE}, 1 requests sent)"


def timing_out(answered: set[int]) -> Handler:
    """Answers the requests whose numbers are in `answered`; the others time out."""
    count = itertools.count(1)

    def handler(request: httpx.Request) -> httpx.Response:
        if next(count) in answered:
            return ok(request)
        raise httpx.ReadTimeout("timed out", request=request)

    return handler


class TestUnresponsive:
    """Three requests in a row without an answer: the target has stopped answering."""

    def test_an_unanswered_request_is_returned_not_raised(self):
        """One timeout is an exchange that is not `answered`; the run goes on."""
        client = make_client(timing_out({1, 3}))
        assert client.list_influencers(PROJECT).answered
        exchange = client.list_influencers(PROJECT)
        assert (exchange.answered, exchange.status) == (False, None)
        assert exchange.error == "read timed out after 10 s"
        assert client.list_influencers(PROJECT).answered

    def test_the_third_in_a_row_stops_the_run(self):
        """Requests 3, 4 and 5 unanswered: the fifth raises, naming the last answered."""
        client = make_client(timing_out({1, 2}))
        client.list_influencers(PROJECT)
        client.list_influencers(PROJECT)
        client.list_influencers(PROJECT)
        client.list_influencers(PROJECT)
        with pytest.raises(TargetUnresponsive) as caught:
            client.list_influencers(PROJECT)
        assert str(caught.value) == "target stopped answering after request 2"

    def test_once_stopped_nothing_more_is_sent(self):
        """After the stop, every call raises at once, without a request."""
        client = make_client(timing_out(set()))
        for _ in range(2):
            client.list_influencers(PROJECT)
        with pytest.raises(TargetUnresponsive, match="answered none of the first 3 requests"):
            client.list_influencers(PROJECT)
        with pytest.raises(TargetUnresponsive):
            client.list_influencers(PROJECT)
        assert client.requests_sent == 3

    def test_an_answer_resets_the_count(self):
        """Two unanswered, one answer, two unanswered: never three in a row."""
        client = make_client(timing_out({3}))
        for _ in range(5):
            client.list_influencers(PROJECT)
        assert client.requests_sent == 5

    def test_an_http_error_is_an_answer(self):
        """A 502 with an HTML body is the server's answer: evidence, judged as such."""
        bad = httpx.Response(502, text="<html>Bad Gateway</html>")
        client = make_client(replies(bad, seen=[]))
        for _ in range(5):
            assert client.list_influencers(PROJECT).answered


class TestConcurrency:
    """Several threads share one client: the budget and the rate stay exact."""

    def test_the_budget_is_exact_across_threads(self):
        """Eight threads asking until the budget of 30 is spent: exactly 30 are sent, and
        every thread is told the budget is spent."""
        seen: list[httpx.Request] = []
        lock = threading.Lock()

        def handler(request):
            with lock:
                seen.append(request)
            return ok()

        spent = []
        with make_client(handler, budget=30) as client:

            def ask():
                try:
                    while True:
                        client.list_influencers(PROJECT)
                except BudgetExceeded:
                    spent.append(True)

            threads = [threading.Thread(target=ask) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert (len(seen), client.requests_sent, len(spent)) == (30, 30, 8)

    def test_send_slots_keep_the_rate_across_threads(self):
        """Threads reserve send slots 1/rate apart: the rate holds whatever the concurrency.

        The clock stands still and `sleep` only records when each request may leave, so the
        slots themselves are compared, free of how this machine schedules threads.
        """
        wake_ups: list[float] = []
        lock = threading.Lock()

        def sleep(seconds):
            with lock:
                wake_ups.append(1000.0 + seconds)

        client = Client(
            BASE,
            Credentials("x-api-key", Secret(KEY)),
            ClientSettings(budget=100, rate_limit_rps=5),
            transport=httpx.MockTransport(streamed(ok)),
            clock=lambda: 1000.0,
            sleep=sleep,
        )
        with client:
            threads = [
                threading.Thread(
                    target=lambda: [client.list_influencers(PROJECT) for _ in range(5)]
                )
                for _ in range(8)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        slots = sorted([1000.0, *wake_ups])  # the first request leaves at once
        assert len(slots) == 40
        assert [round(b - a, 9) for a, b in itertools.pairwise(slots)] == [0.2] * 39


class TestQueryUrl:
    """A request's URL: its pairs encoded as httpx merges them into the URL, in one parse."""

    @given(
        base=st.sampled_from(["http://h.test/v1/projects/p/influencers", "http://h.test/x?a=1"]),
        pairs=st.lists(
            st.tuples(
                st.sampled_from(["limit", "status", "cursor", "a", "ä b", ""]),
                st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
            ),
            max_size=5,
        ),
    )
    @settings(max_examples=500, deadline=None, database=None)
    def test_the_pairs_are_encoded_as_httpx_merges_them(self, base, pairs):
        expected = httpx.URL(base).copy_merge_params(pairs)
        got = query_url(base, tuple(pairs))
        assert (str(got), got.raw_path) == (str(expected), expected.raw_path)
