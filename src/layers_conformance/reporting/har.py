"""`exchanges.har`: every exchange of a run as HAR 1.2, and the reader `verify` replays from.

HAR is what browsers' developer tools and HAR viewers open, and what a support ticket can
carry. The exchanges reach this module already redacted (`core.exchange`), so the file
holds `$LAYERS_API_KEY` where a key was sent. Two custom fields, which HAR allows with a
leading underscore, keep what HAR has no place for: `_error` (the transport error that
cut an answer short; an entry with no answer at all has status 0), `_encodingError` (why
the body's bytes were not UTF-8: the text alone cannot show it) and `_worker` (the
pytest-xdist worker that asked).

A run holds none of its exchanges for the HAR: each goes to a `Spool` on disk as it comes
(one entry a line, through the redactor on its way out, as every report), and `write_har`
makes the file from the spools at the end, a line at a time, so memory does not grow with
the length of the run.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, urlsplit

from layers_conformance import __version__
from layers_conformance.core.exchange import Exchange
from layers_conformance.core.redaction import REDACTOR
from layers_conformance.reporting.json_report import ReportError, write_atomically

HAR_VERSION = "1.2"
HTTP_VERSION = "HTTP/1.1"
NOT_MEASURED = -1  # HAR's value for a timing or size that was not measured

Entry = dict[str, Any]


def har_entry(exchange: Exchange, answered_at: datetime, worker: str = "main") -> Entry:
    """One exchange as a HAR entry; `answered_at` is when its answer was recorded."""
    milliseconds = round(exchange.elapsed_s * 1000, 3)
    entry: Entry = {
        "startedDateTime": _timestamp(answered_at - timedelta(seconds=exchange.elapsed_s)),
        "time": milliseconds,
        "request": _request(exchange),
        "response": _response(exchange),
        "cache": {},
        "timings": {"send": 0, "wait": milliseconds, "receive": 0},
        "_worker": worker,
    }
    if exchange.error is not None:
        entry["_error"] = exchange.error
    if exchange.encoding_error is not None:
        entry["_encodingError"] = exchange.encoding_error
    if exchange.cut_short:  # what came is no answer: a replay must not judge it either
        entry["_cutShort"] = True
    if exchange.number:  # the order the server saw the requests in: a replay judges by it
        entry["_number"], entry["_answeredAt"] = exchange.number, exchange.answered_at
    return entry


class Spool:
    """HAR entries on disk as they come, from any thread: one JSON line each, redacted
    before it is written (the file is where they leave the process)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._file: IO[bytes] | None = None

    def add(self, entry: Entry) -> None:
        """Write one entry (`har_entry`'s, whose first key is `startedDateTime`)."""
        text = REDACTOR.redact(json.dumps(entry, ensure_ascii=False))
        line = text.encode("utf-8", "backslashreplace") + b"\n"
        with self._lock:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("wb")  # a crashed run's leftovers go
            self._file.write(line)

    def close(self) -> None:
        """Flush and close; the entries stay on disk for `write_har`."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


_STARTED = re.compile(rb'^\{"startedDateTime": "([^"]*)"')


def write_har(spools: Iterable[Path], path: Path) -> None:
    """One HAR file, all or nothing, of the entries of every spool (a run's workers'),
    oldest first (HAR's order), read back a line at a time; the spools are removed."""
    spools = [spool for spool in spools if spool.is_file()]
    order = sorted(_index(spools))
    creator = {"name": "layers-conformance", "version": __version__}
    log = json.dumps({"version": HAR_VERSION, "creator": creator, "pages": []})[:-1]

    def chunks() -> Iterator[bytes]:
        yield f'{{"log": {log}, "entries": [\n'.encode()
        files = [spool.open("rb") for spool in spools]
        try:
            for number, (_, which, offset) in enumerate(order):
                files[which].seek(offset)
                yield (b",\n" if number else b"") + files[which].readline().rstrip(b"\n")
        finally:
            for file in files:
                file.close()
        yield b"\n]}}\n"

    write_atomically(path, chunks())
    for spool in spools:
        spool.unlink()


def _index(spools: list[Path]) -> Iterator[tuple[bytes, int, int]]:
    """(startedDateTime, spool, offset) of every entry: all `write_har` keeps in memory."""
    for which, spool in enumerate(spools):
        offset = 0
        with spool.open("rb") as file:
            for line in file:
                started = _STARTED.match(line)
                if started is not None:
                    yield started.group(1), which, offset
                offset += len(line)


def read_har(path: Path) -> list[Exchange]:
    """The exchanges of a HAR file written by `write_har`, in its order."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ReportError(f"{path}: cannot read: {error.strerror or error}") from None
    except ValueError as error:
        raise ReportError(f"{path}: not a HAR file: invalid JSON ({error})") from None
    log = document.get("log") if isinstance(document, dict) else None
    if not isinstance(log, dict) or log.get("version") != HAR_VERSION:
        raise ReportError(f"{path}: not a HAR {HAR_VERSION} file: no log.version {HAR_VERSION}")
    entries = log.get("entries")
    if not isinstance(entries, list):
        raise ReportError(f"{path}: log.entries must be a list")
    exchanges = []
    for index, entry in enumerate(entries):
        try:
            exchanges.append(exchange_of(entry))
        except (KeyError, TypeError, ValueError) as error:
            raise ReportError(f"{path}: log.entries[{index}] is malformed: {error!r}") from None
    return exchanges


def exchange_of(entry: Mapping[str, Any]) -> Exchange:
    """The exchange a HAR entry records (the inverse of `har_entry`, timing aside)."""
    request, response = entry["request"], entry["response"]
    error = entry.get("_error")
    return Exchange(
        method=str(request["method"]),
        address=str(request["url"]),
        request_headers=_headers_of(request["headers"]),
        status=int(response["status"]) or None,
        response_headers=_headers_of(response["headers"]),
        body=str(response["content"].get("text", "")),
        elapsed_s=float(entry["time"]) / 1000,
        error=None if error is None else str(error),
        encoding_error=_text_or_none(entry.get("_encodingError")),
        cut_short=entry.get("_cutShort") is True,
        number=_count(entry.get("_number")),
        answered_at=_count(entry.get("_answeredAt")),
    )


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _request(exchange: Exchange) -> Entry:
    query = parse_qsl(urlsplit(exchange.url).query, keep_blank_values=True)
    return {
        "method": exchange.method,
        "url": exchange.url,
        "httpVersion": HTTP_VERSION,
        "cookies": [],
        "headers": _pairs(exchange.request_headers.items()),
        "queryString": _pairs(query),
        "headersSize": NOT_MEASURED,
        "bodySize": 0,
    }


def _response(exchange: Exchange) -> Entry:
    size = len(exchange.body_text.encode("utf-8"))
    return {
        "status": exchange.status or 0,
        "statusText": _reason(exchange.status),
        "httpVersion": HTTP_VERSION if exchange.status is not None else "",
        "cookies": [],
        "headers": _pairs(exchange.response_headers.items()),
        "content": {"size": size, "mimeType": exchange.content_type, "text": exchange.body_text},
        "redirectURL": exchange.response_headers.get("location", ""),
        "headersSize": NOT_MEASURED,
        "bodySize": size if exchange.status is not None else NOT_MEASURED,
    }


def _pairs(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in pairs]


def _headers_of(pairs: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {str(pair["name"]): str(pair["value"]) for pair in pairs}


def _reason(status: int | None) -> str:
    try:
        return HTTPStatus(status).phrase if status is not None else ""
    except ValueError:  # a status code Python does not name
        return ""


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")
