"""The replay: a recorded run's answers to the same requests, and the same refusals where it
was cut short; never an answer it did not record."""

from __future__ import annotations

import json
from dataclasses import asdict

import httpx
import pytest

from layers_conformance.core.exchange import KEY_PLACEHOLDER, Exchange, RawQuery
from layers_conformance.core.stops import StopKind
from layers_conformance.core.targets import Secret
from layers_conformance.probing.client import (
    NO_CREDENTIALS,
    BudgetExceeded,
    Client,
    ClientSettings,
    Credentials,
    DeadlineExceeded,
    KeyForm,
    RateLimited,
    Refused,
    TargetUnreachable,
    TargetUnresponsive,
)
from layers_conformance.probing.replay import REFUSALS, NotRecorded, RecordingEnds, Replay
from layers_conformance.reporting.json_report import ReportError
from layers_conformance.run.replay import STOP_KIND, recorded_refusal, stop_note
from layers_conformance.run.tally import ABORTED
from streamed import streamed

KEY = "lk_live_SECRET_0123456789"
BASE = "https://api.example.com"
PROJECT = "6f1c2b1e-8a51-4c3e-9f0a-2d4b6c8e0a11"


def numbered(request: httpx.Request) -> httpx.Response:
    """Each answer names the request it answers, so a replayed answer shows whose it is."""
    key = request.headers.get("x-api-key") or request.headers.get("authorization", "")
    return httpx.Response(200, json={"asked": f"{request.url.query.decode()} {key}"})


def recorded(calls, handler=numbered, base=BASE, **settings):
    """The exchanges a real client recorded making `calls` (params, credentials) with KEY."""
    kept: list[Exchange] = []
    client = Client(
        base,
        Credentials("x-api-key", Secret(KEY)),
        ClientSettings(**{"budget": 100, "max_retry_wait_s": 0, **settings}),
        transport=httpx.MockTransport(streamed(handler)),
        on_exchange=kept.append,
    )
    with client:
        for params, credentials in calls:
            client.list_influencers(PROJECT, params, credentials=credentials)
    return kept


def replay(exchanges, **kwargs):
    """The replay's key is the placeholder the recording shows, as `verify` builds it."""
    return Replay(BASE, Credentials("x-api-key", Secret(KEY_PLACEHOLDER)), exchanges, **kwargs)


CALLS = [
    ((("limit", "7"),), None),
    ((("limit", "7"), ("cursor", "a/b+c")), None),
    ((), NO_CREDENTIALS),
    ((), Credentials("bearer", Secret(KEY))),
    ((), Credentials("x-api-key", Secret(KEY + "x"))),
    ((), Credentials("x-api-key", Secret(KEY), KeyForm(change="%?"))),
    ((), Credentials("bearer", Secret(KEY), KeyForm(change="~~"))),
    ((), Credentials("x-api-key", Secret(KEY), KeyForm(repeated=True))),
    ((), Credentials("bearer", Secret(KEY), KeyForm(template="bearer {key}"))),
    ((), Credentials("bearer", Secret(KEY), KeyForm(more="x"))),
]


def placeholder(credentials):
    """The credentials as a replay asks with them: the key replaced by its placeholder."""
    if not isinstance(credentials, Credentials):
        return credentials
    return Credentials(
        credentials.scheme,
        Secret(credentials.key.value.replace(KEY, KEY_PLACEHOLDER)),
        credentials.form,
    )


class TestAnswers:
    def test_the_same_requests_get_the_recorded_answers(self):
        """Asked with the placeholder for the key, each request meets its own recorded answer."""
        exchanges = recorded(CALLS)
        replayed = replay(exchanges)
        answers = [
            replayed.list_influencers(PROJECT, p, credentials=placeholder(c)) for p, c in CALLS
        ]
        assert answers == exchanges

    def test_a_raw_query_meets_its_own_answer_and_no_other(self):
        """A request sent as a raw query is answered by its recording; the same values as
        pairs (encoded otherwise on the wire) are another request."""
        calls = [
            (RawQuery("%6cimit=7"), None),
            (RawQuery("limit"), None),
            ((("limit", "7"),), None),
        ]
        exchanges = recorded(calls)
        replayed = replay(exchanges)
        assert [replayed.list_influencers(PROJECT, p) for p, _ in calls] == exchanges
        with pytest.raises(NotRecorded, match=r"\?limit= "):
            replayed.list_influencers(PROJECT, (("limit", ""),))

    def test_an_unrecorded_request_is_not_answered(self):
        """Another query, or another key, is named in one line and never guessed."""
        replayed = replay(recorded(CALLS))
        with pytest.raises(NotRecorded, match=r"limit=8 \(x-api-key: \$LAYERS_API_KEY\)"):
            replayed.list_influencers(PROJECT, (("limit", "8"),))
        with pytest.raises(NotRecorded, match="authorization: Bearer other"):
            replayed.list_influencers(
                PROJECT, (), credentials=Credentials("bearer", Secret("other"))
            )

    def test_a_retried_request_is_answered_by_its_last_attempt(self):
        """The client recorded a 503 and then the answer it returned: so does the replay."""
        statuses = iter([503, 200])

        def flaky(request):
            return httpx.Response(next(statuses), json={})

        exchanges = recorded([((), None)], handler=flaky)
        assert [e.status for e in exchanges] == [503, 200]
        assert replay(exchanges).list_influencers(PROJECT).status == 200

    def test_a_request_the_client_gave_up_shed_is_refused_again(self):
        """The client waited out a target seen shedding, past the tries a 503 answer takes,
        and gave the request up: the replay refuses it too, never answers it with the 503."""
        statuses = iter([503, 200, *[503] * 40])
        kept: list[Exchange] = []
        now = [1000.0]  # the client's clock, moved by its waits: nothing sleeps

        def shedding(request):
            return httpx.Response(next(statuses), json={})

        client = Client(
            BASE,
            Credentials("x-api-key", Secret(KEY)),
            ClientSettings(budget=100),
            transport=httpx.MockTransport(streamed(shedding)),
            on_exchange=kept.append,
            clock=lambda: now[0],
            sleep=lambda seconds: now.__setitem__(0, now[0] + seconds),
        )
        with client:
            assert client.list_influencers(PROJECT).status == 200
            with pytest.raises(Refused):
                client.list_influencers(PROJECT, (("limit", "7"),))
        replayed = replay(kept)
        assert replayed.list_influencers(PROJECT).status == 200
        with pytest.raises(Refused, match="shed on"):
            replayed.list_influencers(PROJECT, (("limit", "7"),))

    def test_a_request_asked_again_is_answered_as_it_was_then(self):
        """The closing walk asks the widest walk's requests once more, and a list in use may
        answer otherwise: each asking gets the next answer recorded, the last one after."""
        statuses = iter([200, 503, 201])

        def changing(request):
            return httpx.Response(next(statuses), json={})

        exchanges = recorded([((), None), ((), None)], handler=changing)
        assert [e.status for e in exchanges] == [200, 503, 201]
        replayed = replay(exchanges)
        asked = [replayed.list_influencers(PROJECT).status for _ in range(3)]
        assert asked == [200, 201, 201]

    def test_the_host_is_no_part_of_the_request(self):
        """The same request to the target at another address is the same request."""
        exchanges = recorded([((("limit", "7"),), None)], base="http://127.0.0.1:41234")
        assert replay(exchanges).list_influencers(PROJECT, (("limit", "7"),)) == exchanges[0]

    def test_each_answer_is_passed_on_as_the_client_passes_its_exchanges(self):
        seen = []
        replayed = replay(recorded(CALLS[:1]), on_exchange=seen.append)
        answer = replayed.list_influencers(PROJECT, CALLS[0][0])
        assert seen == [answer] == replayed.exchanges
        assert replayed.requests_sent == 1


class TestCutShort:
    """A run that stopped sending is replayed up to where it stopped, then refused alike."""

    def test_after_as_many_requests_as_recorded_even_a_recorded_one_is_refused(self):
        """The run sent N requests; a later request it asked again was refused, not answered."""
        exchanges = recorded(CALLS[:2])
        replayed = replay(exchanges, cut_short=BudgetExceeded("request budget of 2 is spent"))
        for params, credentials in CALLS[:2]:
            replayed.list_influencers(PROJECT, params, credentials=credentials)
        with pytest.raises(BudgetExceeded, match="request budget of 2 is spent"):
            replayed.list_influencers(PROJECT, CALLS[0][0])

    def test_an_unrecorded_request_meets_the_refusal(self):
        replayed = replay(recorded(CALLS[:2]), cut_short=DeadlineExceeded("the deadline passed"))
        with pytest.raises(DeadlineExceeded, match="the deadline passed"):
            replayed.list_influencers(PROJECT, (("limit", "99"),))


def client_refusal(**settings):
    """The refusal a real client raises under these settings, as the run's report words it."""

    def refused(request):
        raise httpx.ConnectError("connection refused")

    with pytest.raises((BudgetExceeded, DeadlineExceeded, TargetUnreachable)) as raised:
        recorded([((), None)], handler=refused, **settings)
    return raised.value


def report_of(error, **overrides):
    """What conformance.json says of a run this refusal cut short."""
    return {"aborted": f"{ABORTED}{error}", STOP_KIND: error.kind.value, **overrides}


class TestRecordedRefusal:
    """The report's `stop_kind` gives back the refusal that cut the run short; its words,
    whatever they are, only say it again."""

    @pytest.mark.parametrize(
        "settings",
        [{"budget": 0}, {"run_deadline": -1.0}, {"max_retries": 0}],
        ids=["budget", "deadline", "unreachable"],
    )
    def test_each_refusal_of_the_client_is_repeated(self, settings):
        error = client_refusal(**settings)
        again = recorded_refusal(report_of(error))
        assert type(again) is type(error)
        assert str(again) == str(error)

    @pytest.mark.parametrize(
        "refused", [TargetUnresponsive, RateLimited, BudgetExceeded, RecordingEnds]
    )
    def test_the_kind_decides_not_the_words(self, refused):
        """Reworded, or worded like another refusal, the stop replayed is the recorded kind."""
        report = report_of(refused("x"), aborted=f"{ABORTED}the run's deadline has passed")
        assert type(recorded_refusal(report)) is refused

    def test_a_run_that_finished_has_no_refusal(self):
        assert recorded_refusal({"aborted": "", STOP_KIND: None}) is None

    @pytest.mark.parametrize("kind", [k for k in StopKind if not k.refusal])
    def test_a_run_that_went_on_has_no_refusal(self, kind):
        """The run went on after it: the recorded exchanges alone say what was answered."""
        report = {"aborted": f"{ABORTED}no answer: GET http://t/x", STOP_KIND: kind.value}
        assert recorded_refusal(report) is None

    def test_every_kind_that_stops_sending_has_its_refusal(self):
        """One list of what stops a run (`StopKind.refusal`), one class each to repeat it."""
        assert set(REFUSALS) == {kind for kind in StopKind if kind.refusal}
        assert all(REFUSALS[kind].kind is kind for kind in REFUSALS)

    def test_an_unknown_kind_is_a_malformed_report(self):
        with pytest.raises(ReportError, match="unknown stop_kind 'gone fishing'"):
            recorded_refusal({"aborted": "x", STOP_KIND: "gone fishing"})


class TestOlderReports:
    """A report written before stop kinds were recorded: no stop is guessed from its words."""

    def test_no_refusal_is_guessed_from_the_words(self):
        old = {"aborted": f"{ABORTED}the run's deadline has passed; no further requests"}
        assert recorded_refusal(old) is None

    def test_verify_notes_it_in_one_line(self):
        note = stop_note({"aborted": f"{ABORTED}target stopped answering after request 20"})
        assert note.startswith("note: conformance.json records no stop_kind")
        assert "\n" not in note

    def test_no_note_for_a_run_that_finished_or_records_its_kind(self):
        assert stop_note({"aborted": ""}) == ""
        assert stop_note(report_of(BudgetExceeded("spent"))) == ""

    def test_unrecorded_requests_are_not_answered(self):
        """With no stop to repeat, a request past the recording is not answered: the test
        that asked is inconclusive, never judged on an answer that was not recorded."""
        replayed = replay(recorded(CALLS[:1]), cut_short=recorded_refusal({"aborted": "x"}))
        with pytest.raises(NotRecorded):
            replayed.list_influencers(PROJECT, (("limit", "99"),))


def test_a_recorded_key_never_reaches_the_replay():
    """What the replay answers from is redacted: no exchange holds the key."""
    text = json.dumps([asdict(e) for e in recorded(CALLS)])
    assert KEY not in text
