"""exchanges.har: valid HAR 1.2, in time order, read back into the exchanges it was written from."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from layers_conformance.core.exchange import Exchange
from layers_conformance.core.redaction import REDACTOR
from layers_conformance.reporting.har import Spool, har_entry, read_har, write_har
from layers_conformance.reporting.json_report import ReportError

URL = "http://127.0.0.1:8000/v1/projects/p1/influencers"
T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
PAGE = Exchange(
    "GET",
    f"{URL}?limit=2&status=ready",
    {"User-Agent": "layers-conformance/0.1.0", "X-Api-Key": "$LAYERS_API_KEY"},
    200,
    {"content-type": "application/json", "x-request-id": "req_1"},
    '{"items": [{"influencerId": "inf_1", "name": "Zoë"}], "nextCursor": null}',
    0.0123,
)
ERROR = Exchange(
    "GET",
    URL,
    {"Authorization": "Bearer lc_not_a_key"},
    401,
    {"content-type": "application/json"},
    '{"error": {"code": "UNAUTHENTICATED", "message": "no", "requestId": "req_2"}}',
    0.002,
)
DROPPED = Exchange("GET", f"{URL}?cursor=abc", {}, None, {}, "", 1.5, "connection dropped: EOF")
CUT = Exchange("GET", f"{URL}?limit=100", {}, 200, {"content-type": "application/json"}, '{"it',
               0.4, "body larger than 4 bytes")  # fmt: skip
TIMED_OUT = Exchange("GET", f"{URL}?limit=25", {}, 200, {}, '{"items": [', 10.0,
                    "read timed out after 10 s", cut_short=True)  # fmt: skip
EXCHANGES = (PAGE, ERROR, DROPPED, CUT, TIMED_OUT)


def pairs_ok(pairs):
    return isinstance(pairs, list) and all(
        isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("value"), str)
        for p in pairs
    )


def request_problems(request):
    problems = [f"request.{key} missing" for key in
                ("method", "url", "httpVersion", "cookies", "headers", "queryString",
                 "headersSize", "bodySize") if key not in request]  # fmt: skip
    if problems:
        return problems
    if not (pairs_ok(request["headers"]) and pairs_ok(request["queryString"])):
        problems.append("request headers and queryString are lists of {name, value}")
    query = parse_qsl(urlsplit(request["url"]).query, keep_blank_values=True)
    if [(p["name"], p["value"]) for p in request["queryString"]] != query:
        problems.append("request.queryString is not the URL's query")
    if not all(isinstance(request[k], int) for k in ("headersSize", "bodySize")):
        problems.append("request sizes are integers")
    return problems


def response_problems(response):
    problems = [f"response.{key} missing" for key in
                ("status", "statusText", "httpVersion", "cookies", "headers", "content",
                 "redirectURL", "headersSize", "bodySize") if key not in response]  # fmt: skip
    if problems:
        return problems
    content = response["content"]
    if not isinstance(content.get("size"), int) or not isinstance(content.get("mimeType"), str):
        problems.append("response.content has an integer size and a mimeType")
    if not isinstance(response["status"], int) or not pairs_ok(response["headers"]):
        problems.append("response.status is an integer, its headers {name, value} pairs")
    return problems


def entry_problems(entry):
    """What HAR 1.2 requires of one entry (http://www.softwareishard.com/blog/har-12-spec/)."""
    problems = [f"{key} missing" for key in
                ("startedDateTime", "time", "request", "response", "cache", "timings")
                if key not in entry]  # fmt: skip
    if problems:
        return problems
    datetime.fromisoformat(entry["startedDateTime"])  # ISO 8601, or this raises
    timings = entry["timings"]
    if not all(isinstance(timings.get(k), int | float) for k in ("send", "wait", "receive")):
        problems.append("timings.send, wait and receive are numbers")
    measured = sum(v for k, v in timings.items() if k != "ssl" and v >= 0)
    if abs(measured - entry["time"]) > 1e-6:
        problems.append("time is the sum of the timings")
    return problems + request_problems(entry["request"]) + response_problems(entry["response"])


def har_problems(document):
    """Every way `document` falls short of HAR 1.2's required structure."""
    log = document.get("log", {})
    problems = [] if log.get("version") == "1.2" else ["log.version is not 1.2"]
    creator = log.get("creator", {})
    if not (isinstance(creator.get("name"), str) and isinstance(creator.get("version"), str)):
        problems.append("log.creator has a name and a version")
    if not isinstance(log.get("entries"), list):
        return [*problems, "log.entries is not a list"]
    for index, entry in enumerate(log["entries"]):
        problems += [f"entries[{index}]: {p}" for p in entry_problems(entry)]
    return problems


def spooled(path, entries):
    spool = Spool(path)
    for entry in entries:
        spool.add(entry)
    spool.close()
    return path


def written(tmp_path, exchanges=EXCHANGES):
    entries = [har_entry(e, T0 + timedelta(minutes=n), "gw0") for n, e in enumerate(exchanges)]
    path = tmp_path / "exchanges.har"
    write_har([spooled(tmp_path / ".exchanges-gw0.jsonl", entries)], path)
    return path


class TestWriteHar:
    def test_the_file_is_valid_har_1_2(self, tmp_path):
        """log.version, creator, and entries with request, response, timings, queryString."""
        document = json.loads(written(tmp_path).read_text())
        assert har_problems(document) == []
        assert len(document["log"]["entries"]) == len(EXCHANGES)

    def test_the_structural_check_catches_what_it_checks(self, tmp_path):
        """The check above is no rubber stamp: a broken entry is reported."""
        document = json.loads(written(tmp_path, [PAGE]).read_text())
        entry = document["log"]["entries"][0]
        del entry["request"]["queryString"]
        entry["time"] += 5
        assert har_problems(document) == [
            "entries[0]: time is the sum of the timings",
            "entries[0]: request.queryString missing",
        ]

    def test_entries_are_in_time_order_whatever_order_they_came_in(self, tmp_path):
        """Merged from several xdist workers' spools, the log still reads oldest first."""
        late, early = har_entry(PAGE, T0 + timedelta(seconds=9)), har_entry(ERROR, T0)
        latest = har_entry(DROPPED, T0 + timedelta(seconds=20), "gw1")
        spools = [spooled(tmp_path / "a", [latest, late]), spooled(tmp_path / "b", [early])]
        path = tmp_path / "exchanges.har"
        write_har(spools, path)
        entries = json.loads(path.read_text())["log"]["entries"]
        assert entries == [early, late, latest]

    def test_spools_are_on_disk_redacted_then_gone(self, tmp_path):
        """An entry is written to its spool as it comes, through the redactor; the spools
        are removed once the HAR is written, and a crashed run's leftover is overwritten."""
        spool_path = tmp_path / ".exchanges-main.jsonl"
        spool_path.write_text("left over\n")
        REDACTOR.add({"lc_SPOOLED_SECRET_42": "$LAYERS_API_KEY"})
        spool = Spool(spool_path)
        leak = Exchange("GET", URL, {"X-Api-Key": "lc_SPOOLED_SECRET_42"}, 200, {}, "{}", 0.01)
        spool.add(har_entry(leak, T0))
        spool.close()
        assert "lc_SPOOLED_SECRET_42" not in spool_path.read_text()
        assert spool_path.read_text().count("\n") == 1
        write_har([spool_path], tmp_path / "exchanges.har")
        assert not spool_path.exists()
        assert len(read_har(tmp_path / "exchanges.har")) == 1

    def test_an_exchange_without_answer_has_status_0_and_its_error(self, tmp_path):
        """HAR's convention for no response, and the reason kept in `_error`."""
        entry = har_entry(DROPPED, T0)
        assert entry["response"]["status"] == 0
        assert entry["_error"] == "connection dropped: EOF"

    def test_the_started_time_is_the_answer_time_less_the_elapsed(self):
        """`startedDateTime` is when the request left, not when its answer was recorded."""
        entry = har_entry(DROPPED, T0)
        assert datetime.fromisoformat(entry["startedDateTime"]) == T0 - timedelta(seconds=1.5)
        assert entry["time"] == 1500


class TestReadHar:
    def test_reading_gives_back_the_exchanges(self, tmp_path):
        """What verify replays is what the run recorded: every field but the timing exact."""
        back = read_har(written(tmp_path))
        assert [_recorded(e) for e in back] == [_recorded(e) for e in EXCHANGES]
        assert [e.elapsed_s for e in back] == pytest.approx([e.elapsed_s for e in EXCHANGES])
        # A body cut short is still no answer in the replay: verify must not judge it.
        assert [e.answered for e in back] == [True, True, False, True, False]

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("{not json", "not a HAR file: invalid JSON"),
            ('{"log": {"version": "1.1", "entries": []}}', "not a HAR 1.2 file"),
            ('{"log": {"version": "1.2", "entries": {}}}', "log.entries must be a list"),
            (
                '{"log": {"version": "1.2", "entries": [{"request": {}}]}}',
                r"entries\[0\] is malformed",
            ),
        ],
    )
    def test_a_broken_file_is_one_line_naming_it(self, tmp_path, text, message):
        path = tmp_path / "exchanges.har"
        path.write_text(text)
        with pytest.raises(ReportError, match=message) as raised:
            read_har(path)
        assert str(path) in str(raised.value)
        assert "\n" not in str(raised.value)


def _recorded(exchange: Exchange) -> dict[str, object]:
    """Every field a recording holds, the timing left out."""
    return {f.name: getattr(exchange, f.name) for f in fields(exchange) if f.init} | {
        "elapsed_s": 0
    }
