"""The suite's single HTTP client: auth, budget, pacing, retries, bounded reads, recording.

Exceptions stop the run; each `str()` is one line::

    ClientError
    ├── BudgetExceeded      the request budget is spent
    ├── DeadlineExceeded    the run's deadline has passed
    ├── TargetUnreachable   no connection to the target, retries included
    └── TargetUnresponsive  the target left the last 3 requests in a row unanswered

A slow, dropped or oversized response is not an exception: it comes back as an `Exchange`
whose `error` says what happened. One that got no whole answer (a timeout, a dropped
connection) is not `answered`: no evidence either way; the probe makes the check that
needed it inconclusive.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final, Literal
from urllib.parse import quote

import httpx

from layers_conformance import __version__
from layers_conformance.core.exchange import KEY_PLACEHOLDER, Exchange
from layers_conformance.core.redaction import redact_exchange

__all__ = ["NO_CREDENTIALS", "BudgetExceeded", "Client", "ClientError", "ClientSettings"]
__all__ += ["Credentials", "DeadlineExceeded", "TargetUnreachable", "TargetUnresponsive"]
__all__ += ["list_url", "request_headers"]

RETRY_STATUSES = frozenset({429, 503})
BACKOFF_S = 0.5
USER_AGENT = f"layers-conformance/{__version__}"
UNANSWERED_IN_A_ROW = 3  # then the target is unresponsive and the run stops


@dataclass(frozen=True)
class Credentials:
    """A key and the way it travels."""

    scheme: Literal["x-api-key", "bearer"]
    key: str = field(repr=False)


class _NoCredentials(enum.Enum):
    NO_CREDENTIALS = "no credentials"


NO_CREDENTIALS: Final = _NoCredentials.NO_CREDENTIALS
CallCredentials = Credentials | None | Literal[_NoCredentials.NO_CREDENTIALS]


class ClientError(Exception):
    """The run cannot go on; the message is one line."""


class BudgetExceeded(ClientError):
    """Sending one more request would spend more than the budget."""


class DeadlineExceeded(ClientError):
    """The run's deadline has passed."""


class TargetUnreachable(ClientError):
    """No connection could be made to the target, retries included."""


class TargetUnresponsive(ClientError):
    """The target connected but left several requests in a row without an answer."""


@dataclass(frozen=True)
class ClientSettings:
    """Limits that keep a run polite to the target and bounded in time."""

    budget: int
    rate_limit_rps: float | None = None
    connect_timeout_s: float = 5
    read_timeout_s: float = 10
    request_deadline_s: float = 20
    max_body_bytes: int = 5_000_000
    max_retries: int = 2
    max_retry_wait_s: float = 5
    run_deadline: float | None = None


@dataclass(frozen=True)
class _Sent:
    """A request as it left: the headers the suite chose, and when."""

    request: httpx.Request
    headers: dict[str, str]
    started: float


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
        self.exchanges: list[Exchange] = []
        self._base_url = base_url.rstrip("/")
        self._credentials = credentials
        self._settings = settings
        self._secrets = {credentials.key: KEY_PLACEHOLDER, **secrets}
        self._on_exchange = on_exchange
        self._clock, self._sleep = clock, sleep
        # Requests may be sent from several threads at once (the probe's prefetch): the budget
        # and the pacing are shared state, decided under this lock so both stay exact.
        self._admission = threading.Lock()
        self._admitted = 0
        self._next_slot: float | None = None
        # Unanswered requests in a row, the last answered one, and the stop they led to:
        # shared state too, kept under the same lock.
        self._unanswered_in_row = 0
        self._last_answered = 0
        self._stopped: TargetUnresponsive | None = None
        self._sending = threading.local()  # the number of the request this thread sent last
        timeout = httpx.Timeout(
            settings.read_timeout_s, connect=settings.connect_timeout_s, pool=None
        )
        # Never follow a redirect: it is the answer to record, and the key stays on this host.
        self._http = httpx.Client(transport=transport, timeout=timeout, follow_redirects=False)

    def list_influencers(
        self,
        project_id: str,
        params: Sequence[tuple[str, str]] | Mapping[str, str] = (),
        *,
        credentials: CallCredentials = None,
    ) -> Exchange:
        """One GET of the list, retried on 429/503 and refused connections."""
        headers = request_headers(self._credentials if credentials is None else credentials)
        url = list_url(self._base_url, project_id)
        query = tuple(params.items()) if isinstance(params, Mapping) else tuple(params)
        request = self._http.build_request("GET", url, params=query, headers=headers)
        attempt = 0
        while True:
            outcome = self._attempt(request, headers)
            wait = self._retry_wait(outcome, attempt)
            if wait is None:
                return self._count_answer(self._result(outcome))
            self._sleep(wait)
            attempt += 1

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _attempt(
        self, request: httpx.Request, headers: dict[str, str]
    ) -> Exchange | httpx.HTTPError:
        """Send once; a failed connect comes back as the error, anything else as an Exchange."""
        self._admit()
        sent = _Sent(request, headers, self._clock())
        try:
            response = self._http.send(request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            return error
        except httpx.TransportError as error:
            return self._record(sent, None, b"", self._describe(error))
        body, problem, cut_short = self._read(response, sent.started)
        return self._record(sent, response, body, problem, cut_short)

    def _count_answer(self, exchange: Exchange) -> Exchange:
        """The exchange, unless it is the last of too many unanswered in a row."""
        with self._admission:
            if exchange.answered:
                number = getattr(self._sending, "number", 0)
                self._unanswered_in_row = 0
                self._last_answered = max(self._last_answered, number)
                return exchange
            self._unanswered_in_row += 1
            if self._unanswered_in_row >= UNANSWERED_IN_A_ROW and self._stopped is None:
                self._stopped = TargetUnresponsive(_stopped_answering(self._last_answered))
            stopped = self._stopped
        if stopped is not None:
            raise stopped
        return exchange

    def _admit(self) -> None:
        """Take one request of the budget and a send slot within the rate, or raise."""
        if self._stopped is not None:
            raise self._stopped
        settings = self._settings
        with self._admission:
            if self._admitted >= settings.budget:
                raise BudgetExceeded(f"request budget of {settings.budget} requests is spent")
            self._admitted += 1
            slot = self._reserve_slot()
        wait = slot - self._clock()
        if wait > 0:
            self._sleep(wait)
        if settings.run_deadline is not None and self._clock() > settings.run_deadline:
            raise DeadlineExceeded("the run's deadline has passed; no further requests are sent")
        with self._admission:
            self.requests_sent += 1
            self._sending.number = self.requests_sent

    def _reserve_slot(self) -> float:
        """When this request may leave: 1/rate after the one before, whichever thread sent it."""
        now = self._clock()
        if self._settings.rate_limit_rps is None:
            return now
        slot = now if self._next_slot is None else max(now, self._next_slot)
        self._next_slot = slot + 1 / self._settings.rate_limit_rps
        return slot

    def _read(self, response: httpx.Response, started: float) -> tuple[bytes, str | None, bool]:
        """The body, stopped at the size cap or the request deadline, what stopped it, and
        whether it was cut short (a timeout or a dropped connection: no whole answer)."""
        limit, deadline = self._settings.max_body_bytes, self._settings.request_deadline_s
        body = bytearray()
        try:
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    return bytes(body[:limit]), f"body larger than {limit} bytes", False
                # Checked per chunk; a stall between chunks is bounded by the read timeout.
                if self._clock() - started > deadline:
                    return bytes(body), f"response not complete after {deadline:g} s", True
        except httpx.DecodingError as error:
            return bytes(body), self._describe(error), False
        except httpx.TransportError as error:
            return bytes(body), self._describe(error), True
        finally:
            response.close()
        return bytes(body), None, False

    def _record(
        self,
        sent: _Sent,
        response: httpx.Response | None,
        body: bytes,
        error: str | None,
        cut_short: bool = False,
    ) -> Exchange:
        raw = Exchange(
            method=sent.request.method,
            url=str(sent.request.url),
            request_headers=sent.headers,
            status=None if response is None else response.status_code,
            response_headers={} if response is None else dict(response.headers.items()),
            body_text=_decode(body, response),
            elapsed_s=self._clock() - sent.started,
            error=error,
            cut_short=cut_short,
        )
        # The unredacted record goes no further than this line.
        exchange = redact_exchange(raw, self._secrets)
        self.exchanges.append(exchange)
        if self._on_exchange is not None:
            self._on_exchange(exchange)
        return exchange

    def _retry_wait(self, outcome: Exchange | httpx.HTTPError, attempt: int) -> float | None:
        """Seconds to wait before trying again, or None when the outcome stands."""
        if attempt >= self._settings.max_retries:
            return None
        if isinstance(outcome, Exchange) and outcome.status not in RETRY_STATUSES:
            return None
        asked = _retry_after(outcome.response_headers) if isinstance(outcome, Exchange) else None
        wait = BACKOFF_S * 2**attempt if asked is None else asked
        return min(wait, self._settings.max_retry_wait_s)

    def _result(self, outcome: Exchange | httpx.HTTPError) -> Exchange:
        if isinstance(outcome, Exchange):
            return outcome
        if isinstance(outcome, httpx.ConnectTimeout):
            reason = f"connect timed out after {self._settings.connect_timeout_s:g} s"
        else:
            reason = "connection refused" if "refused" in str(outcome).lower() else _line(outcome)
        raise TargetUnreachable(f"cannot reach {self._base_url}: {reason}")

    def _describe(self, error: httpx.HTTPError) -> str:
        if isinstance(error, httpx.ReadTimeout):
            return f"read timed out after {self._settings.read_timeout_s:g} s"
        if isinstance(error, httpx.NetworkError | httpx.RemoteProtocolError):
            return f"connection dropped: {_line(error)}"
        return f"{type(error).__name__}: {_line(error)}"


def list_url(base_url: str, project_id: str) -> str:
    """The endpoint's URL for one project, without the query."""
    return f"{base_url.rstrip('/')}/v1/projects/{quote(project_id, safe='')}/influencers"


def request_headers(credentials: Credentials | _NoCredentials) -> dict[str, str]:
    """The headers the suite chooses for a request: who it is, and the key as configured."""
    headers = {"User-Agent": USER_AGENT}
    if isinstance(credentials, Credentials) and credentials.scheme == "bearer":
        # An empty key still says "Bearer": h11 refuses a header value ending in a blank.
        headers["Authorization"] = f"Bearer {credentials.key}".rstrip()
    elif isinstance(credentials, Credentials):
        headers["X-Api-Key"] = credentials.key
    return headers


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a `Retry-After` header asks for (a number or an HTTP-date), None if unreadable."""
    value = headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    when = when if when.tzinfo is not None else when.replace(tzinfo=UTC)  # HTTP-dates are GMT
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _decode(body: bytes, response: httpx.Response | None) -> str:
    encoding = (response.charset_encoding if response is not None else None) or "utf-8"
    try:
        return body.decode(encoding, errors="replace")
    except LookupError:  # a charset Python does not know
        return body.decode("utf-8", errors="replace")


def _stopped_answering(last_answered: int) -> str:
    if last_answered == 0:
        return f"the target answered none of the first {UNANSWERED_IN_A_ROW} requests"
    return f"target stopped answering after request {last_answered}"


def _line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
