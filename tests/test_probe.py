"""The probe: each request sent once at any concurrency, work fetched ahead, tasks side by side;
walks within the plan, what each test took (`Use`), and no answer as no evidence."""

from __future__ import annotations

import gc
import json
import threading
import time
import tracemalloc
from dataclasses import replace

import httpx
import pytest

from layers_conformance.checks.violations import Inconclusive
from layers_conformance.core.exchange import Bodies, Exchange, Stored, cursor_key
from layers_conformance.core.index import DiskIndex, MemoryIndex
from layers_conformance.core.targets import Fixtures, Secret
from layers_conformance.probing.client import BudgetExceeded, Client, ClientSettings, Credentials
from layers_conformance.probing.keys import Keys
from layers_conformance.probing.memo import KeptAnswers, Memo
from layers_conformance.probing.plan import plan_run
from layers_conformance.probing.probe import NoAnswer, Probe
from layers_conformance.probing.profiles import PROFILES
from layers_conformance.probing.warmup import send_ahead, walk_prefixes
from streamed import streamed

PROJECT = "6f1c2b1e-8a51-4c3e-9f0a-2d4b6c8e0a11"


class SlowClient:
    """Answers every request with an empty last page after a short wait, counting them."""

    def __init__(self) -> None:
        self.requests_sent = 0
        self.lock = threading.Lock()

    def list_influencers(self, project_id, params=(), *, credentials=None):
        time.sleep(0.02)  # long enough for several threads to ask at once
        with self.lock:
            self.requests_sent += 1
        body = json.dumps({"items": [], "nextCursor": None})
        return Exchange("GET", f"http://t/{project_id}?{params}", {}, 200, {}, body)


class OneAnswer(SlowClient):
    """A client that gives every request the same answer, counting them."""

    answer = Exchange("GET", "http://t/", {}, 200, {}, '{"items": []}')

    def list_influencers(self, project_id, params=(), *, credentials=None):
        self.requests_sent += 1
        return self.answer


def _answering_alike():
    """A probe (no work ahead, no evidence kept) whose client answers everything alike."""
    probe, _ = make_probe(concurrency=1)
    probe.client = OneAnswer()
    probe.on_answer = lambda _exchange: None
    return probe


def make_probe(concurrency=4):
    keys = Keys(Credentials("x-api-key", Secret("k")), None)
    fixtures = Fixtures(PROJECT, None, None, None)
    told = []
    plan = plan_run(PROFILES["standard"], 1500)
    probe = Probe(SlowClient(), fixtures, plan, keys, 1, concurrency)
    probe.on_answer = told.append
    return probe, told


class TestMemo:
    def test_a_key_asked_from_many_threads_is_computed_once(self):
        """Whoever asks first computes; the others wait for the same result."""
        memo, calls = Memo(), []

        def compute():
            calls.append(1)
            time.sleep(0.02)
            return "answer"

        results = []
        threads = [
            threading.Thread(target=lambda: results.append(memo.get("k", compute)))
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert (len(calls), results) == (1, ["answer"] * 8)

    def test_an_error_is_the_remembered_answer(self):
        """A spent budget stays spent: the next asker gets the same error, nothing is resent."""
        memo, calls = Memo(), []

        def compute():
            calls.append(1)
            raise ValueError("spent")

        for _ in range(2):
            with pytest.raises(ValueError, match="spent"):
                memo.get("k", compute)
        assert len(calls) == 1

    def test_a_value_is_kept_bare(self):
        """Memory flat in the length of a run (issue 23): the memo holds every answer of a
        run, each by its key alone, no wrapper around it (64 bytes each)."""
        keys, values = [("k", n) for n in range(10_000)], [object() for _ in range(10_000)]
        memo: Memo[object] = Memo()
        tracemalloc.start()
        try:
            for key, value in zip(keys, values, strict=True):
                memo.get(key, lambda value=value: value)
            kept, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert memo.results() == values
        assert kept < 10_000 * 60  # the dict alone; with a wrapper each, over 75 bytes

    def test_an_answer_kept_on_disk_is_remembered_as_numbers_by_its_digest(self, tmp_path):
        """Memory flat in the length of a run (issue 23): a run remembers each of its walks'
        pages by its cursor's digest, and the answer of each is kept on disk (a `Stored`).
        Both are numbers in a table's arrays (~50 bytes), not a bytes object and an int in
        a dict (~150); read back, the answer is the same `Stored`. Other keys and answers
        (an answer in memory, an error) are remembered as any memo remembers them."""
        bodies = Bodies.in_folder(tmp_path / "run")
        try:
            memo = KeptAnswers()
            tracemalloc.start()
            try:
                for n in range(2_000):
                    memo.get(cursor_key(f"c{n}"), lambda n=n: bodies.set_aside(f"answer {n}"))
                kept, _ = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            assert kept < 2_000 * 80
            again = memo.get(cursor_key("c1234"), lambda: pytest.fail("asked again"))
            assert (type(again), again.read()) == (Stored, "answer 1234")
            answer = Exchange("GET", "http://t/x", {}, 200, {}, "{}")
            assert memo.get(b"\0" * 16, lambda: answer) is answer
            assert memo.get(b"\0" * 16, lambda: pytest.fail("asked again")) is answer
            with pytest.raises(ValueError, match="nope"):
                memo.get(("a", "tuple"), lambda: (_ for _ in ()).throw(ValueError("nope")))
            with pytest.raises(ValueError, match="nope"):
                memo.get(("a", "tuple"), lambda: pytest.fail("asked again"))
            assert len(memo) == 2_002
            assert memo.results()[1234] == again
        finally:
            bodies.close()

    def test_an_answer_is_remembered_by_its_query_alone(self):
        """Memory flat in the length of a run (issue 23): an answer for the project under
        test with the configured key is remembered by the query the caller asked, the tuple
        it keeps anyway (a walk's page has it), not by a tuple more that names the project
        and the key (64 bytes); another project's or key's answer is not taken for it."""

        probe = _answering_alike()
        queries = [(("limit", "1"), ("status", str(n))) for n in range(2_000)]
        probe.get(queries[0])  # a first answer: whatever is made once per run
        tracemalloc.start()
        try:
            for query in queries[1:]:
                probe.get(query)
            kept, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert kept < 1_999 * 60  # the memo's dict alone; with a key tuple each, over 90
        probe.get(queries[0], project_id="other")
        probe.get(queries[0], credentials=probe.no_credentials)
        probe.get(queries[0])
        assert probe.client.requests_sent == 2_002

    def test_a_walks_page_is_remembered_by_its_cursor_among_the_walks(self):
        """Memory flat in the length of a run (issue 23): a page asked with the walk's query
        and a cursor is remembered by the cursor's digest alone, among the walk's pages: not
        by a tuple of the query and the cursor each, nor by the cursor's text (~250
        characters, which the page keeps on disk); asked by anyone with the same query and
        cursor, it is the same answer, sent once."""

        def cursor(n: int) -> str:
            return f"{n:06d}" + "c" * 244

        probe = _answering_alike()
        walk = (("limit", "7"),)
        probe.get((*walk, ("cursor", "first")))  # whatever is made once per run
        gc.collect()
        tracemalloc.start()
        try:
            for n in range(1, 2_000):
                probe.get((*walk, ("cursor", cursor(n))))
            gc.collect()  # a full collection empties CPython's lists of freed tuples too
            kept, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert kept < 1_999 * 120  # CPython 3.11: ~90 bytes each; ~330 keeping the text
        probe.get((("limit", "7"), ("cursor", cursor(5))))
        probe.get((("cursor", cursor(5)),))
        probe.get((("limit", "7"), ("cursor", cursor(5)), ("cursor", "x")))
        assert probe.client.requests_sent == 2_002


class TestPrefetch:
    def test_prefetched_requests_are_sent_once_and_told_only_when_asked(self):
        """Work fetched ahead is sent once, whoever asks first, and is nobody's evidence
        until a test asks for it."""
        probe, told = make_probe()
        queries = [(("limit", str(n)),) for n in range(1, 9)]
        probe.prefetch([lambda p, q=q: p.get(q) for q in queries])
        for query in reversed(queries):  # the test asks while the prefetch is under way
            probe.get(query)
        probe.close()
        assert probe.client.requests_sent == 8
        assert len(told) == 8

    def test_closing_drops_work_not_started(self):
        """When the run ends, nothing more is sent ahead of tests that will never ask."""
        probe, _ = make_probe(concurrency=2)
        probe.prefetch([lambda p, n=n: p.get((("limit", str(n)),)) for n in range(1, 50)])
        probe.close()
        assert probe.client.requests_sent < 49

    def test_work_a_test_waits_for_goes_before_work_not_started(self):
        """`first=True` jobs start before those queued earlier and not yet started."""
        probe, _ = make_probe(concurrency=2)  # one thread ahead of the tests
        started, release = [], threading.Event()
        probe.prefetch([lambda p: release.wait(5)])  # keeps the one thread busy
        probe.prefetch([lambda p, n=n: started.append(n) for n in ("later", "later")])
        probe.prefetch([lambda p, n=n: started.append(n) for n in (1, 2)], first=True)
        release.set()
        deadline = time.monotonic() + 5
        while len(started) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        probe.close()
        assert started == [1, 2, "later", "later"]

    def test_sent_ahead_at_concurrency_one_is_sent_at_once(self):
        """What a test fetches ahead with `send_ahead` is sent at any concurrency: at 1, one
        by one before it returns, so the requests sent do not depend on the concurrency."""
        probe, told = make_probe(concurrency=1)
        send_ahead(probe, [lambda p, n=n: p.get((("limit", str(n)),)) for n in (1, 2, 3)])
        assert (probe.client.requests_sent, len(told)) == (3, 3)

    def test_sent_ahead_at_concurrency_one_an_error_waits_for_the_test_that_asks(self):
        """A request sent ahead that the budget refuses raises only when a test asks for it,
        as a job fetched ahead in the background would: the asking order decides."""
        probe, _ = make_probe(concurrency=1)
        probe.client = Client(
            "https://api.test",
            KEY,
            ClientSettings(1),
            transport=httpx.MockTransport(streamed(listing(3))),
        )
        send_ahead(probe, [lambda p, n=n: p.get((("limit", str(n)),)) for n in (1, 2)])
        assert probe.get((("limit", "1"),)).status == 200
        with pytest.raises(BudgetExceeded):
            probe.get((("limit", "2"),))

    def test_a_walk_prefix_stops_at_its_depth_or_the_last_page(self):
        """One chain per (limit, status): its first `pages` pages by cursor, no more."""
        probe, _ = make_probe(concurrency=1)
        send_ahead(probe, walk_prefixes({(7, None): 3, (1, "ready"): 1}))
        assert probe.client.requests_sent == 2  # SlowClient's first page is the last

    def test_at_concurrency_one_nothing_is_fetched_ahead(self):
        """`--concurrency 1` sends each request when a test asks for it, as before."""
        probe, _ = make_probe(concurrency=1)
        probe.prefetch([lambda p: p.get()])
        probe.close()
        assert probe.client.requests_sent == 0


KEY = Credentials("x-api-key", Secret("lk_test"))


def listing(size: int, *, silent_cursors: bool = False):
    """A list of `size` influencers, newest first, paged by offset cursors."""

    def handler(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        cursor = params.get("cursor")
        if cursor is not None and silent_cursors:
            raise httpx.ReadTimeout("timed out", request=request)
        start = int(cursor or 0)
        limit = int(params.get("limit", 25))
        end = min(start + limit, size)
        items = [_item(n) for n in range(start, end)]
        return httpx.Response(
            200, json={"items": items, "nextCursor": str(end) if end < size else None}
        )

    return handler


def _item(n: int) -> dict[str, str]:
    return {"influencerId": f"inf_{n:05d}", "createdAt": f"2026-04-01T{23 - n // 3600 % 24:02d}"}


def planned_probe(handler, profile: str = "standard", budget: int | None = None) -> Probe:
    budget = budget or PROFILES[profile].budget
    client = Client(
        "https://api.test",
        KEY,
        ClientSettings(budget),
        transport=httpx.MockTransport(streamed(handler)),
    )
    fixtures = Fixtures(PROJECT, None, None, ())
    return Probe(client, fixtures, plan_run(PROFILES[profile], budget), Keys(KEY, None))


class TestWalksFollowThePlan:
    def test_a_walk_stops_at_its_share_as_a_prefix(self):
        """The walk at limit 1 stops after its planned pages, a prefix, not a failure."""
        probe = planned_probe(listing(5_000))
        walked = probe.traverse(1)
        assert len(walked.pages) == probe.plan.walk(1, None).pages
        assert walked.prefix
        assert not walked.stopped

    def test_the_walk_to_the_end_reaches_null(self):
        """The widest walk goes on to nextCursor null when its share allows."""
        probe = planned_probe(listing(5_000))
        assert probe.widest().complete

    def test_a_walk_is_made_once(self):
        """Two tests asking for the same walk share one set of requests."""
        probe = planned_probe(listing(300))
        probe.traverse(7)
        sent = probe.client.requests_sent
        probe.traverse(7)
        assert probe.client.requests_sent == sent


class TestUse:
    def test_counts_the_requests_of_each_test(self):
        """`take_use` gives the requests sent since the last call, walks included."""
        probe = planned_probe(listing(300))
        probe.traverse(100)
        assert probe.take_use().requests == 3
        probe.get((("limit", "3"),))
        assert probe.take_use().requests == 1
        probe.traverse(100)  # already walked
        assert probe.take_use().requests == 0

    def test_says_what_a_check_read(self):
        """The use names the walks read and how much of the list each held."""
        probe = planned_probe(listing(5_000))
        probe.traverse(100)
        probe.traverse(1)
        checked = probe.take_use().checked
        assert "all 5,000 influencers at limit 100" in checked
        share = probe.plan.walk(1, None).pages  # one influencer a page: as the plan gives
        assert f"the first {share} of 5,000 influencers at limit 1" in checked

    def test_a_floor_when_no_walk_reached_the_end(self):
        """Without a complete walk, the list's size is given as at least what was seen."""
        probe = planned_probe(listing(500_000), "smoke")
        probe.traverse(None)
        probe.traverse(100)
        assert "of ≥ 1,000 influencers" in probe.take_use().checked


class TestNoAnswer:
    def test_a_request_without_answer_ends_the_check_inconclusive(self):
        """get() raises NoAnswer (an Inconclusive) naming the request; the test's use is
        marked as unanswered, which makes the run incomplete."""
        probe = planned_probe(listing(300, silent_cursors=True))
        with pytest.raises(NoAnswer, match=r"no answer: GET .*cursor=3 -> read timed out"):
            probe.get((("cursor", "3"),))
        assert probe.take_use().unanswered

    def test_a_walk_cut_by_no_answer_is_a_gap(self):
        """A walk whose second page got no answer keeps its first page and leaves a gap in
        the use of every test that reads it."""
        probe = planned_probe(listing(300, silent_cursors=True))
        walked = probe.traverse(100)
        assert (len(walked.pages), walked.stop_kind) == (1, "no-answer")
        use = probe.take_use()
        assert use.unanswered
        assert use.gaps == [walked.stopped]
        probe.traverse(100)
        assert probe.take_use().gaps == [walked.stopped]


class TestExpectEnd:
    def test_passes_a_complete_walk(self):
        probe = planned_probe(listing(300))
        probe.expect_end(probe.widest())

    def test_a_list_longer_than_the_plan_is_inconclusive_with_advice(self):
        """The end beyond the walk's share: inconclusive, naming the budget that reaches it."""
        probe = planned_probe(listing(10**6), budget=300)
        widest = probe.widest()
        with pytest.raises(Inconclusive, match=r"did not end within .* each 1,000 requests more"):
            probe.expect_end(widest)

    def test_a_prefix_walk_says_it_read_only_its_share(self):
        """Asked of a walk that is not the one to the end, the reason names its share."""
        probe = planned_probe(listing(5_000), "smoke")
        with pytest.raises(Inconclusive, match=r"first 100 influencers, .* its end was not"):
            probe.expect_end(probe.traverse(None))


class TestSample:
    def test_reads_the_first_pages_and_the_last(self):
        """Of a long walk, checks of every item read the profile's sample: first and last."""
        probe = planned_probe(listing(20_000))
        walked = probe.widest()
        sample = probe.sample(walked)
        wanted = probe.profile.sample_pages
        assert len(sample) == wanted
        assert sample[-1] is walked.pages[-1]
        assert sample[:-1] == walked.pages[: wanted - 1]
        assert "items read on 50 of 200 pages" in probe.take_use().checked

    def test_a_short_walk_is_read_whole(self):
        probe = planned_probe(listing(300))
        walked = probe.widest()
        assert probe.sample(walked) == walked.pages


def test_the_profile_is_the_planned_one():
    """The generated cases the probe's profile names are those the budget pays for."""
    probe = planned_probe(listing(10), budget=300)
    assert probe.profile == probe.plan.profile
    assert probe.profile != replace(PROFILES["standard"])


def test_the_probe_prints_as_counts_not_bodies():
    """pytest renders the `conformance` fixture in a failure's locals: with 5 MB bodies
    remembered, its repr is still one line of counts, and its keys are masked."""
    keys = Keys(Credentials("x-api-key", Secret("lk_probe_SECRET_1")), None)
    big = Exchange("GET", "http://t/", {}, 200, {}, "x" * 5_000_000)
    client = SlowClient()
    client.list_influencers = lambda *_args, **_kw: big
    fixtures = Fixtures(PROJECT, None, None, None)
    probe = Probe(client, fixtures, plan_run(PROFILES["standard"], 1500), keys)
    probe.get()
    probe.get((("limit", "7"),))
    assert len(repr(probe)) < 100
    assert "lk_probe_SECRET_1" not in repr(probe.keys)


def test_an_index_is_on_disk_where_the_bodies_are(tmp_path):
    """A run's indexes go where its bodies go (the run's folder); without one, in memory."""
    probe, _ = make_probe()
    assert isinstance(probe.index(), MemoryIndex)
    probe.bodies = Bodies.in_folder(tmp_path)
    try:
        assert isinstance(probe.index(), DiskIndex)
        assert list(tmp_path.iterdir()) == []
    finally:
        probe.bodies.close()
