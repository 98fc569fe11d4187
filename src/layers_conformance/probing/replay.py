"""A target that is a recording: answers from recorded exchanges, sending nothing.

`layers-conformance verify` runs the same suites over a `Replay` in place of the `Client`.
With the run's seed the suites ask the same requests, so every check sees the same pages
and answers and must reach the same verdict. A request that was never recorded is not
answered: the check that asked fails with `NotRecorded`, which verify reports as a
difference. A recorded run that was cut short (budget, deadline, target gone) sent as many
requests as it recorded: the replay answers as many, then refuses as the run's client did.

Requests are matched as they were recorded, after redaction: the replay's keys are the
placeholders themselves (`$LAYERS_API_KEY`), so a request built with them is the recorded one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlsplit

from layers_conformance.core.exchange import Exchange, RawQuery, why_unsendable
from layers_conformance.core.results import Traffic
from layers_conformance.core.stops import StopKind
from layers_conformance.probing.client import (
    SHED_RETRIES,
    BudgetExceeded,
    CallCredentials,
    ClientError,
    Credentials,
    DeadlineExceeded,
    RateLimited,
    Refused,
    TargetUnreachable,
    TargetUnresponsive,
    list_url,
    query_url,
    request_headers,
    retry_cause,
    unsent,
)

__all__ = ["NotRecorded", "RecordingEnds", "Replay", "refusal", "request_key"]

SHED_TRIES = SHED_RETRIES + 1  # a 503 given on every one of these is an answer (the client's)

# The request headers an answer may depend on; the User-Agent (the suite's version) is not one.
KEY_HEADERS = ("authorization", "x-api-key")
RequestKey = tuple[str, str, tuple[tuple[str, str], ...]]


class NotRecorded(ClientError):
    """The recording holds no answer to this request."""

    kind = StopKind.NOT_RECORDED


class RecordingEnds(ClientError):
    """The recorded run stopped sending here for a reason of pytest's (an interrupt)."""

    stops_run = True
    ends_pytest = True
    kind = StopKind.PYTEST_STOPPED


REFUSALS: dict[StopKind, type[ClientError]] = {
    refused.kind: refused
    for refused in (
        BudgetExceeded,
        DeadlineExceeded,
        TargetUnreachable,
        TargetUnresponsive,
        RateLimited,
        RecordingEnds,
    )
}


def refusal(kind: StopKind | None, reason: str) -> ClientError | None:
    """The refusal a replay repeats for a run that stopped this way (None: it went on)."""
    refused = REFUSALS.get(kind) if kind is not None else None
    return None if refused is None else refused(reason)


def request_key(exchange: Exchange) -> RequestKey:
    """What identifies a request: method, path and query, and the credentials it carried.

    Not the scheme and host: where the target was is no part of what it was asked.
    """
    headers = exchange.request_headers.items()
    # A header sent twice is there twice (under its name in two cases): another request.
    credentials = tuple(sorted((n.lower(), v) for n, v in headers if n.lower() in KEY_HEADERS))
    url = urlsplit(exchange.url)
    return exchange.method, f"{url.path}?{url.query}", credentials


class Replay:
    """The client's interface (`list_influencers`), answered from recorded exchanges."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        recorded: Iterable[Exchange],
        *,
        cut_short: ClientError | None = None,
        on_exchange: Callable[[Exchange], None] | None = None,
    ) -> None:
        self.requests_sent = 0
        self.exchanges: list[Exchange] = []
        self._base_url = base_url
        self._credentials = credentials
        recorded = list(recorded)
        self._sent_before_cut = len(recorded)
        # A retried request is recorded once per attempt: the last attempt is its answer. A
        # request asked again later (the closing walk reads the widest walk once more; a
        # recheck) was answered afresh: each asking gets the next answer, in the order sent.
        self._answers: dict[RequestKey, deque[Exchange]] = {}
        self._tries: dict[int, int] = {}  # by an answer's number: the tries that led to it
        for exchange in sorted(recorded, key=lambda e: e.number):
            answers = self._answers.setdefault(request_key(exchange), deque())
            tries = 1
            if answers and retry_cause(answers[-1]) is not None:
                tries += self._tries.pop(answers.pop().number, 1)  # sent again: not an answer
            answers.append(exchange)
            self._tries[exchange.number] = tries
        self._cut_short = cut_short
        self._on_exchange = on_exchange

    def list_influencers(
        self,
        project_id: str,
        params: Sequence[tuple[str, str]] | RawQuery = (),
        *,
        credentials: CallCredentials = None,
    ) -> Exchange:
        """The recorded answer to this request."""
        # The replay's keys are their placeholders: the headers as the client recorded them.
        chosen = self._credentials if credentials is None else credentials
        headers = request_headers(chosen, shown=str)
        query = params if isinstance(params, RawQuery) else tuple(params)
        problem = why_unsendable(list_url(self._base_url, project_id), query)
        if problem is not None:  # the client did not send it either, and said so the same way
            return unsent(list_url(self._base_url, project_id), query, headers, problem)
        url = str(query_url(list_url(self._base_url, project_id), query))
        asked = Exchange("GET", url, headers)
        answers = self._answers.get(request_key(asked))
        answer = (answers.popleft() if len(answers) > 1 else answers[0]) if answers else None
        if answer is not None and answer.status == 429:
            # The client never returns a 429: it waits and asks again, stops the run, or
            # gives the request up (Refused).
            if isinstance(self._cut_short, RateLimited):
                raise RateLimited(*self._cut_short.args)
            raise Refused("refused: the recording ends with a 429 to this request")
        tries = self._tries[answer.number] if answer is not None else 0
        if answer is not None and answer.status == 503 and tries > SHED_TRIES:
            # More tries than a 503 answer takes: the client waited out a target seen
            # shedding, and gave the request up (Refused).
            raise Refused(f"refused: the recording ends with a 503, shed on {tries} tries")
        if self._cut_short is not None and (
            answer is None or self.requests_sent >= self._sent_before_cut
        ):
            raise type(self._cut_short)(*self._cut_short.args)  # the run's refusal, afresh
        if answer is None:
            raise NotRecorded(f"no recorded answer to {_described(asked)}")
        self.requests_sent += 1
        self.exchanges.append(answer)
        if self._on_exchange is not None:
            self._on_exchange(answer)
        return answer

    @property
    def traffic(self) -> Traffic:
        """A replay waits for nothing and sends nothing again."""
        return Traffic()

    def close(self) -> None:
        """Nothing to close: the replay holds no connection."""

    def __enter__(self) -> Replay:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _described(asked: Exchange) -> str:
    credentials = ", ".join(f"{name}: {value}" for name, value in request_key(asked)[2])
    return f"GET {asked.url} ({credentials or 'no credentials'})"
