"""The suite's single HTTP client: auth, budget, pacing, retries, bounded reads, recording.

Exceptions end what is left of a test (and, for some, the run); each `str()` is one line::

    ClientError
    ├── BudgetExceeded      the request budget is spent
    ├── DeadlineExceeded    the run's deadline has passed, also while an answer was awaited
    │                                                                         (stops the run)
    ├── TargetUnreachable   no connection to the target, retries included   (stops the run)
    ├── TargetUnresponsive  the last 3 requests in a row got no whole answer (stops the run)
    ├── RateLimited         429s the run cannot wait out                      (stops the run)
    └── Refused             one request refused or shed past its allowance of waiting

How fast requests leave is `pacing.Pace`'s: the configured rate, the target's rate headers,
and a rate learned from its refusals. A 429 is waited out (its Retry-After in full, else
backoff with jitter) and sent again, for as long as the request's allowance and the run's
deadline allow; a 502, 503 or 504, or a connection closed before any answer, is sent again
up to `max_retries` times within the same bounds, and a 5xx given on the last try is the
answer. A retry takes nothing from the budget: it is counted apart (`Traffic`), so what is
sent and judged does not depend on what the target made the run wait for.

Nothing a server sends raises out of this module: a slow, dropped, oversized or unreadable
answer, or a request its values cannot make (a cursor too long for a URL), comes back as an
`Exchange` whose `error` says what happened, so the test that asked can judge the evidence.
One that got no whole answer (a timeout, a dropped connection) is not `answered`: no evidence
either way; the probe makes the check that needed it inconclusive.
Keys are held in `Secret`s: no argument or local of the code that reads an answer holds one,
so a traceback that shows locals shows no key.
"""

from __future__ import annotations

import enum
import math
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import ClassVar, Final, Literal
from urllib.parse import quote

import httpx

from layers_conformance import __version__
from layers_conformance.core.exchange import (
    BODY_EXCERPT_CHARS,
    EXPANSIONS,
    KEY_PLACEHOLDER,
    SHOWN_URL_CHARS,
    Exchange,
    Query,
    RawQuery,
    address_of,
    expansion,
    shorten,
    why_unsendable,
)
from layers_conformance.core.redaction import Redactor, redact_exchange
from layers_conformance.core.results import Traffic
from layers_conformance.core.stops import StopKind
from layers_conformance.core.targets import Secret
from layers_conformance.probing.pacing import Pace, backoff_s, read_quota, retry_after
from layers_conformance.probing.transport import (
    ACCEPT_ENCODING,
    Body,
    BoundedTransport,
    Deadline,
    describe,
    read_body,
)

__all__ = ["AS_CONFIGURED", "NO_CREDENTIALS", "BudgetExceeded", "Client", "ClientError"]
__all__ += ["ClientSettings", "KeyForm"]
__all__ += ["Credentials", "DeadlineExceeded", "RateLimited", "TargetUnreachable", "list_url"]
__all__ += ["Refused", "TargetUnresponsive", "query_url", "request_headers", "unsent"]

SHED_STATUSES = frozenset({502, 503, 504})  # a gateway's, sent again before they are judged
MAX_RETRIES = 2  # a 5xx given on every one of 1 + this many tries is the answer
# ... but a 503 only after this many: a gateway shedding load refuses a burst's every try
# until one is got past (then `_tries_left`); backing off, these wait 4-8 s in all.
SHED_RETRIES = 4
CLOSED = "closed"  # a connection closed or reset before any answer, as a retry's cause
USER_AGENT = f"layers-conformance/{__version__}"
UNANSWERED_IN_A_ROW = 3  # then the target is unresponsive and the run stops
Params = Sequence[tuple[str, str]] | Mapping[str, str] | RawQuery


@dataclass(frozen=True)
class KeyForm:
    """How a key is written in its header: changed (`change`, one of `EXPANSIONS`; "" as it
    is) and followed by `more`, spelled (`template`, the header's value with `{key}` where
    the key goes; None: the
    scheme's own, `Bearer {key}` or `{key}`), and sent once or twice (`repeated`: again under
    the header's name in lower case, which HTTP reads as the same name). `open`: the page
    leaves room to read it as the key itself (RFC 9110's case-blind scheme, say)."""

    kind: str = "as configured"
    change: str = ""
    more: str = ""  # characters written right after the key: `${NAME}x` in the recording
    template: str | None = None
    repeated: bool = False
    open: bool = False


AS_CONFIGURED = KeyForm()


@dataclass(frozen=True)
class Credentials:
    """A key, the way it travels, and how it is written there."""

    scheme: Literal["x-api-key", "bearer"]
    key: Secret
    form: KeyForm = AS_CONFIGURED


class _NoCredentials(enum.Enum):
    NO_CREDENTIALS = "no credentials"


NO_CREDENTIALS: Final = _NoCredentials.NO_CREDENTIALS
CallCredentials = Credentials | None | Literal[_NoCredentials.NO_CREDENTIALS]


class ClientError(Exception):
    """The run cannot go on; the message is one line."""

    stops_run: ClassVar[bool] = False  # True: nothing more is sent, from any thread
    # True: no further test runs either. Where False, the tests left still judge what came
    # before the stop (answers fetched ahead, walks already made); a request they need
    # fails at once.
    ends_pytest: ClassVar[bool] = False
    kind: ClassVar[StopKind]  # what a report records of it, and a replay repeats


class BudgetExceeded(ClientError):
    """Sending one more request would spend more than the budget."""

    kind = StopKind.BUDGET


class DeadlineExceeded(ClientError):
    """The run's deadline has passed."""

    stops_run = True  # no further test can send a request: the run ends with its reports
    ends_pytest = True
    kind = StopKind.DEADLINE


class TargetUnreachable(ClientError):
    """No connection could be made to the target, retries included."""

    stops_run = True
    ends_pytest = True
    kind = StopKind.UNREACHABLE


class RateLimited(ClientError):
    """The target answers 429 and asks for a wait the run cannot give, or asks unreadably."""

    stops_run = True
    ends_pytest = True
    kind = StopKind.RATE_LIMITED


class Refused(ClientError):
    """One request was refused or shed for longer than it may wait; the run goes on."""

    kind = StopKind.REFUSED


class TargetUnresponsive(ClientError):
    """The target connected but left several requests in a row without an answer."""

    stops_run = True  # what was fetched before it still gets judged
    kind = StopKind.UNRESPONSIVE


@dataclass(frozen=True)
class ClientSettings:
    """Limits that keep a run polite to the target and bounded in time."""

    budget: int
    rate_limit_rps: float | None = None
    connect_timeout_s: float = 5
    read_timeout_s: float = 10
    request_deadline_s: float = 20  # connect, headers, body and decoding, all told
    max_body_bytes: int = 5_000_000
    max_retries: int = MAX_RETRIES  # of a 502, 503, 504 or a connection closed before any answer
    max_retry_wait_s: float = 5  # for those; a 429's Retry-After is honoured in full
    retry_allowance_s: float = 60  # one request's waits after refusals, all told
    run_deadline: float | None = None
    proxy: str | None = None  # an HTTP proxy's URL (see `transport.proxy_for`); None: direct


class Client:
    """GETs the influencer list within the settings' limits, recording each exchange."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        settings: ClientSettings,
        *,
        secrets: Mapping[str, str] = {},
        transport: httpx.BaseTransport | None = None,
        on_exchange: Callable[[Exchange], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.requests_sent = 0
        self._base_url = base_url.rstrip("/")
        self._credentials = credentials
        self._settings = settings
        self._redactor = Redactor({credentials.key.value: KEY_PLACEHOLDER, **secrets})
        self._on_exchange = on_exchange
        self._clock, self._sleep = clock, sleep
        # Requests may be sent from several threads at once (the probe's prefetch): the budget
        # and the pacing are shared state, decided under this lock so both stay exact; each
        # thread's request has its own deadline.
        self._admission = threading.Lock()
        self._admitted = 0
        self._pace = Pace(settings.rate_limit_rps, clock)
        self._jitter = random.Random()  # the waits' own: what is sent never depends on it
        self._retries: Counter[str] = Counter()
        # Some request shed with a 503 got through on a later try: the target sheds load, and
        # a 503 is then a refusal to wait out, not an answer (see `_tries_left`).
        self._shedding = False
        self._waiting = 0  # threads waiting on a refusal now, and since when
        self._waiting_since = 0.0
        self._waited_s = 0.0
        self._stopped: ClientError | None = None
        # Unanswered requests in a row and the last answered one: shared state too, kept
        # under the same lock.
        self._unanswered_in_row = 0
        self._last_answered = 0
        self._sending = threading.local()  # the number of the request this thread sent last
        self._deadline = Deadline(clock)
        self._headers = _SharedHeaders()
        # The transport is called directly: no redirect is followed (it is the answer to
        # record, and the key stays on this host), nor its Location even parsed; no cookie
        # is kept from one request to the next.
        self._transport = (
            transport if transport is not None else BoundedTransport(self._deadline, settings.proxy)
        )
        self._timeouts = {
            "connect": settings.connect_timeout_s,
            "read": settings.read_timeout_s,
            "write": settings.read_timeout_s,
            "pool": None,
        }

    def __repr__(self) -> str:
        return f"Client({self._base_url}, {self.requests_sent} requests sent)"

    @property
    def traffic(self) -> Traffic:
        """What the target's refusals have cost so far."""
        with self._admission:
            return Traffic(
                tuple(sorted(self._retries.items())),
                round(self._waited_s, 3),
                self._pace.suggested_rps,
            )

    def list_influencers(
        self,
        project_id: str,
        params: Params = (),
        *,
        credentials: CallCredentials = None,
    ) -> Exchange:
        """One GET of the list, sent again after a refusal, a shed or a refused connection;
        a `RawQuery` is sent as written."""
        try:
            return self._list(project_id, params, credentials)
        except ClientError as error:
            if error.stops_run:  # the run is over: no thread sends anything after this
                with self._admission:
                    self._stopped = self._stopped or error
            raise

    def _list(
        self,
        project_id: str,
        params: Params,
        credentials: CallCredentials,
    ) -> Exchange:
        url = list_url(self._base_url, project_id)
        query = _query(params)
        chosen = self._credentials if credentials is None else credentials
        prepared = self._prepare(url, query, chosen)
        if isinstance(prepared, Exchange):
            return self._keep(prepared, None)  # its URL abbreviates what could not be sent
        request, shown = prepared
        attempt, refused, first = 0, False, math.inf
        # Tries the target failed (a 5xx, a connection closed before any answer): the tries
        # a 429 refused before them spend none of theirs.
        failed = 0
        shed: float | None = None  # when the first try the target shed (a 503) was sent
        while True:
            outcome = self._attempt(request, query, shown, retry=attempt > 0, refused=refused)
            first = min(first, self._clock())  # the allowance runs from the first answer
            shed = self._shed(outcome, shed)
            wait = self._retry_wait(outcome, attempt, self._clock() - first, failed)
            if wait is None:
                return self._count_answer(self._result(outcome))
            self._wait(wait)
            attempt += 1
            refused = isinstance(outcome, Exchange) and outcome.status == 429
            failed += isinstance(outcome, Exchange) and not refused

    def _shed(self, outcome: Exchange | Exception, shed: float | None) -> float | None:
        """When the request was first shed (a 503), until a try gets through: then the pace
        slows, as for a 429. A 503 on every try is the server's answer, not load shedding,
        and leaves the pace alone."""
        if not isinstance(outcome, Exchange):
            return shed
        if outcome.status == 503:
            return shed if shed is not None else self._clock() - outcome.elapsed_s
        if shed is not None and outcome.answered:
            with self._admission:
                self._pace.refused(shed, None)
                self._shedding = True
        return None

    def close(self) -> None:
        """Close the connections."""
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- the request -----------------------------------------------------------------------

    def _prepare(
        self, url: str, query: Query, credentials: Credentials | _NoCredentials
    ) -> tuple[httpx.Request, dict[str, str]] | Exchange:
        """The request, and its headers as recorded; or, when it cannot be made from these
        values, an unsent exchange that says why."""
        shown = self._shown_headers(credentials)
        problem = why_unsendable(url, query)
        if problem is not None:
            return unsent(url, query, shown, problem)
        try:
            request = httpx.Request(
                "GET",
                query_url(url, query),
                headers={**request_headers(credentials), "Accept-Encoding": ACCEPT_ENCODING},
                extensions={"timeout": self._timeouts},
            )
        except Exception as error:  # a value httpx will not put in a request line
            return unsent(url, query, shown, f"httpx refuses it: {_line(error)}")
        return request, shown

    def _shown_headers(self, credentials: Credentials | _NoCredentials) -> dict[str, str]:
        headers = request_headers(credentials, self._redactor.redact).items()
        return {name: self._redactor.redact(value) for name, value in headers}

    def _attempt(
        self,
        request: httpx.Request,
        query: Query,
        shown: dict[str, str],
        *,
        retry: bool,
        refused: bool,
    ) -> Exchange | Exception:
        """Send once; a failed connect comes back as the error, anything else as an Exchange.
        `refused`: the try before was refused (a 429)."""
        started = self._admit(retry=retry, refused=refused)
        self._deadline.at = self._request_deadline(started)
        failure: Exception | None = None
        try:
            response = self._transport.handle_request(request)
        except Exception as error:  # whatever the server did, it is described, never raised
            failure = error
        if failure is not None:
            connect = isinstance(failure, httpx.ConnectError | httpx.ConnectTimeout)
            if connect and not self._deadline.passed:
                return failure  # retried, then TargetUnreachable
            failed = Body(b"", failure=failure)
            return self._record(request, query, shown, started, None, failed)
        body = read_body(response, self._settings.max_body_bytes, self._deadline)
        return self._record(request, query, shown, started, response, body)

    def _request_deadline(self, started: float) -> float:
        own = started + self._settings.request_deadline_s
        run = self._settings.run_deadline
        return own if run is None else min(own, run)

    def _count_answer(self, exchange: Exchange) -> Exchange:
        """The exchange, unless it is the last of too many unanswered in a row."""
        with self._admission:
            if exchange.answered:
                number = getattr(self._sending, "number", 0)
                self._unanswered_in_row = 0
                self._last_answered = max(self._last_answered, number)
                return exchange
            self._unanswered_in_row += 1
            if self._unanswered_in_row < UNANSWERED_IN_A_ROW:
                return exchange
            last_answered = self._last_answered
        raise TargetUnresponsive(_stopped_answering(last_answered))

    def _admit(self, *, retry: bool, refused: bool = False) -> float:
        """Take one request of the budget (a retry takes none) and a send slot within the
        pace, or raise; when it left. A retry of a 429 that the deadline overtakes means
        the target refused until the deadline: RateLimited."""
        settings = self._settings
        with self._admission:
            if self._stopped is not None:
                raise type(self._stopped)(*self._stopped.args)
            if not retry and self._admitted >= settings.budget:
                raise BudgetExceeded(f"request budget of {settings.budget} requests is spent")
            self._admitted += 0 if retry else 1
            slot = self._pace.slot()
        deadline = math.inf if settings.run_deadline is None else settings.run_deadline
        wait = slot - self._clock()
        if wait > 0 and slot <= deadline:  # a slot past the deadline is not waited for
            self._sleep(wait)
        now = self._clock()
        if max(now, slot) > deadline:
            if refused:
                raise RateLimited("rate limited: HTTP 429 on every try until the run's deadline")
            raise DeadlineExceeded("the run's deadline has passed; no further requests are sent")
        with self._admission:
            self._pace.sent(now)
            if not retry:
                self.requests_sent += 1
                self._sending.number = self.requests_sent
        return now

    # --- the answer ------------------------------------------------------------------------

    def _record(
        self,
        request: httpx.Request,
        query: Query,
        shown: dict[str, str],
        started: float,
        response: httpx.Response | None,
        body: Body,
    ) -> Exchange:
        problem = body.problem
        if body.failure is not None:
            problem = self._explain(body.failure, body.raw_bytes)
        text, encoding_error = _text(body.data, response, complete=problem is None)
        if problem is not None:
            # An answer that cannot be read is shown, never judged: its start is all a person
            # needs, and 5 MB of it kept per answer would add up over a run.
            text = text[:BODY_EXCERPT_CHARS]
        raw = Exchange(
            method=request.method,
            address=str(request.url),
            request_headers=shown,
            status=None if response is None else response.status_code,
            response_headers={} if response is None else dict(response.headers.items()),
            body=text,
            elapsed_s=self._clock() - started,
            error=problem,
            encoding_error=encoding_error,
            # A timeout or a cut connection mid-body: what came is no statement of the server's.
            cut_short=body.failure is not None,
            number=getattr(self._sending, "number", 0),
            answered_at=self.requests_sent,
        )
        # The unredacted record goes no further than this line.
        return self._keep(redact_exchange(raw, self._redactor), query)

    def _explain(self, failure: Exception, received: int) -> str:
        """The transport's failure in words; the run's deadline passing is no answer at all."""
        if self._deadline.passed:
            if self._deadline.at == self._settings.run_deadline:
                raise DeadlineExceeded("the run's deadline passed while an answer was awaited")
            return f"no complete answer within {self._settings.request_deadline_s:g} s"
        return describe(failure, received, self._settings.read_timeout_s)

    def _keep(self, exchange: Exchange, query: Query | None) -> Exchange:
        # Told, not kept: a run's memory must not grow with its length (the HAR is on disk).
        # What the caller keeps shares its headers with the exchanges before it, and its
        # URL's query with the caller (`address_of`).
        exchange = replace(
            exchange,
            method=sys.intern(exchange.method),
            address=exchange.address if query is None else address_of(exchange.url, query),
            request_headers=self._headers.shared(exchange.request_headers),
            response_headers=self._headers.shared(exchange.response_headers),
        )
        if self._on_exchange is not None:
            self._on_exchange(exchange)
        return exchange

    def _retry_wait(
        self, outcome: Exchange | Exception, attempt: int, waited: float, failed: int = 0
    ) -> float | None:
        """Seconds to wait before sending again, or None when the outcome stands; `waited`
        is the time since the request's first try came back, `failed` how many tries
        before the target failed (a 5xx given again on each of its tries is the answer; the
        tries a 429 refused are not its)."""
        if not isinstance(outcome, Exchange):  # no connection: tried again, then unreachable
            if attempt >= self._settings.max_retries:
                return None
            return min(self._backoff(attempt), self._settings.max_retry_wait_s)
        cause = retry_cause(outcome)
        self._heed(outcome, cause)
        if cause is None:
            return None
        if outcome.status == 429:
            return self._rate_limit_wait(outcome, attempt, waited)
        if failed >= self._tries_left(outcome):
            return None  # a 5xx given again on every try is the answer, and is judged
        asked = retry_after(outcome.response_headers)
        wait = (
            self._backoff(attempt) if asked is None else min(asked, self._settings.max_retry_wait_s)
        )
        return self._counted(self._bounded(wait, cause, attempt, waited), cause)

    def _tries_left(self, outcome: Exchange) -> float:
        """The retries a 5xx gets before it is judged as the answer. A 503 from a target seen
        shedding load (another request's 503 was got past) is never judged: it is waited out
        within the request's allowance and the deadline. Before that, a 503 gets more tries
        than other 5xx: a burst from the run's threads may be shed on every one of a
        request's first tries. A 503 that persists where nothing is shed is the answer."""
        if outcome.status != 503:
            return self._settings.max_retries
        with self._admission:
            return math.inf if self._shedding else max(SHED_RETRIES, self._settings.max_retries)

    def _heed(self, outcome: Exchange, cause: str | None) -> None:
        """Tell the pace what the answer says of the target's rate."""
        quota = read_quota(outcome.response_headers)
        with self._admission:
            if outcome.status == 429:
                self._pace.refused(self._clock() - outcome.elapsed_s, quota)
            elif cause is None and outcome.answered:
                self._pace.answered(quota)
            elif quota is not None:
                self._pace.heed(quota)

    def _rate_limit_wait(self, outcome: Exchange, attempt: int, waited: float) -> float:
        """A 429's wait: its Retry-After in full, from every thread, when the run has the
        time (else the run stops, RateLimited); without one, backoff within the bounds."""
        asked = retry_after(outcome.response_headers)
        if asked is None:
            wait = self._bounded(self._backoff(attempt), "429", attempt, waited)
            return self._counted(wait, "429")
        if asked > self._time_left():
            raise RateLimited(f"rate limited (server asked for {asked:.0f} s)")
        with self._admission:  # the server asked the client, not one request: all threads wait
            self._pace.hold(asked)
        return self._counted(asked, "429")

    def _backoff(self, attempt: int) -> float:
        with self._admission:
            return backoff_s(attempt, self._jitter)

    def _bounded(self, wait: float, cause: str, attempt: int, waited: float) -> float:
        """`wait`, when the run's deadline and the request's allowance leave room for it and
        a try after it; otherwise the reason it cannot be waited, raised."""
        what = _cause_words(cause)
        tries = f"{attempt + 1} {'try' if attempt == 0 else 'tries in a row'}"
        if wait >= self._time_left() and cause == "429":
            raise RateLimited(f"rate limited: {what} on {tries}, until the run's deadline")
        if wait >= self._time_left():
            raise DeadlineExceeded(f"the run's deadline came before {what} could be retried")
        if waited + wait > self._settings.retry_allowance_s:
            raise Refused(
                f"{what} on {tries} over {waited:.0f} s: more than one request may wait "
                f"({self._settings.retry_allowance_s:g} s)"
            )
        return wait

    def _counted(self, wait: float, cause: str) -> float:
        with self._admission:
            self._retries[cause] += 1
        return wait

    def _wait(self, seconds: float) -> None:
        """Sleep before a retry, counting the time during which any request waited."""
        with self._admission:
            if self._waiting == 0:
                self._waiting_since = self._clock()
            self._waiting += 1
        try:
            self._sleep(seconds)
        finally:
            with self._admission:
                self._waiting -= 1
                if self._waiting == 0:
                    self._waited_s += self._clock() - self._waiting_since

    def _time_left(self) -> float:
        run = self._settings.run_deadline
        return math.inf if run is None else run - self._clock()

    def _result(self, outcome: Exchange | Exception) -> Exchange:
        if isinstance(outcome, Exchange):
            return outcome
        if isinstance(outcome, httpx.ConnectTimeout):
            reason = f"connect timed out after {self._settings.connect_timeout_s:g} s"
        else:
            reason = "connection refused" if "refused" in str(outcome).lower() else _line(outcome)
        raise TargetUnreachable(f"cannot reach {self._base_url}: {reason}")


class _SharedHeaders:
    """Headers as exchanges keep them: an equal set of names and values is one dict, read
    only (as an `Exchange` is), its strings interned. A run's exchanges mostly carry the same
    few (the suite's own request headers; a server's, the same within a second), and a run's
    memory must not grow by a copy of them for every request it sends. The `size` sets seen
    last are remembered; one seen before those is a new dict again, and so is one longer
    than `LONGEST` characters (a hostile server's: 256 of 100 KB would be 25 MB)."""

    LONGEST: ClassVar[int] = 4_096

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._seen: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
        self._lock = threading.Lock()  # answers are recorded from several threads at once

    def shared(self, headers: Mapping[str, str]) -> dict[str, str]:
        pairs = tuple((sys.intern(name), sys.intern(value)) for name, value in headers.items())
        if sum(len(name) + len(value) for name, value in pairs) > self.LONGEST:
            return dict(pairs)
        with self._lock:
            found = self._seen.get(pairs)
            if found is None:
                if len(self._seen) >= self._size:
                    del self._seen[next(iter(self._seen))]
                found = self._seen[pairs] = dict(pairs)
            return found


def list_url(base_url: str, project_id: str) -> str:
    """The endpoint's URL for one project, without the query."""
    return f"{base_url.rstrip('/')}/v1/projects/{quote(project_id, safe='')}/influencers"


def query_url(url: str, query: Query) -> httpx.URL:
    """The URL with its query: pairs encoded as httpx encodes them, a raw query as written."""
    if isinstance(query, RawQuery):
        return httpx.URL(url).copy_with(query=query.text.encode("ascii"))
    if "?" not in url:  # the pairs are the whole query: one parse, not two (60 us a request)
        return httpx.URL(url, params=query)
    return httpx.URL(url).copy_merge_params(query)


def _query(params: Params) -> Query:
    if isinstance(params, RawQuery):
        return params
    return tuple(params.items()) if isinstance(params, Mapping) else tuple(params)


def request_headers(
    credentials: Credentials | _NoCredentials, shown: Callable[[str], str] | None = None
) -> dict[str, str]:
    """The headers the suite chooses for a request: who it is, and the key in its form.

    With `shown` (a key's placeholder, its redaction), the headers as recorded: the key is
    its placeholder, a changed key the shell expansion that changes it (`${NAME%?}`), so the
    recording, its curl line and a replay say which form was sent, and none holds the key."""
    headers = {"User-Agent": USER_AGENT}
    if not isinstance(credentials, Credentials):
        return headers
    form, key = credentials.form, credentials.key.value
    changed = (EXPANSIONS[form.change](key) if form.change else key) + form.more
    if shown is None:
        written = changed
    elif form.change or form.more:
        written = expansion(shown(key), form.change, form.more) or shown(changed)
    else:
        written = shown(key)
    bearer = credentials.scheme == "bearer"
    name = "Authorization" if bearer else "X-Api-Key"
    own = "Bearer {key}" if bearer else "{key}"
    template = own if form.template is None else form.template
    # An empty key still says "Bearer": h11 refuses a header value ending in a blank.
    headers[name] = template.replace("{key}", written).rstrip()
    if form.repeated:
        headers[name.lower()] = headers[name]
    return headers


def unsent(url: str, query: Query, shown: dict[str, str], problem: str) -> Exchange:
    """A request that was not sent, its over-long or unencodable values abbreviated (a replay
    of the run builds the same)."""
    if isinstance(query, RawQuery):
        shown_query = shorten(query.text, SHOWN_URL_CHARS)
    else:
        shown_query = "&".join(f"{name}={_shown_value(value)}" for name, value in query)
    return Exchange(
        method="GET",
        address=f"{url}?{shown_query}" if shown_query else url,
        request_headers=shown,
        error=f"not sent: {problem}",
    )


def _shown_value(value: str) -> str:
    encoded = quote(value, safe="", errors="backslashreplace")
    return encoded if len(encoded) <= 100 else f"<{len(value):,} characters>"


def retry_cause(exchange: Exchange) -> str | None:
    """Why the exchange is sent again: its status (429, 502, 503, 504), or `closed` for a
    connection closed or reset before any answer (no status line came: a keep-alive
    connection the other end had let go, most often); None when it is the answer."""
    if exchange.status == 429 or exchange.status in SHED_STATUSES:
        return str(exchange.status)
    error = exchange.error or ""
    closed = error == "connection closed before any answer"
    if exchange.status is None and (closed or error.startswith("connection dropped: ")):
        return CLOSED
    return None


def _cause_words(cause: str) -> str:
    return "connection closed before any answer" if cause == CLOSED else f"HTTP {cause}"


def _text(
    data: bytes, response: httpx.Response | None, *, complete: bool
) -> tuple[str, str | None]:
    """The body as text, and why its bytes are not UTF-8 (only said of a whole body)."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        problem = f"the body is not UTF-8: byte 0x{data[error.start]:02x} at byte {error.start}"
    charset = (response.charset_encoding if response is not None else None) or "utf-8"
    try:
        text = data.decode(charset, errors="replace")
    except Exception:  # a charset Python does not know, or one that is not text
        text = data.decode("utf-8", errors="replace")
    return text, problem if complete else None


def _stopped_answering(last_answered: int) -> str:
    if last_answered == 0:
        return f"the target answered none of the first {UNANSWERED_IN_A_ROW} requests"
    return f"target stopped answering after request {last_answered}"


def _line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
