"""`verify BUNDLE --against URL`: a sample of the bundle's recorded requests sent again to the
server it claims, and whether the answers are the ones recorded.

A bundle proves its verdict follows from its answers, not that the answers came from the
server it names: this ties the two. The sample is spread over the recording and leaves out
requests that carry a cursor (a cursor is the server's token, and may be tied to when it was
issued). The keys come from the environment, as for a run, in place of the placeholders the
recording holds. A list in use changes between the recording and now (influencers created,
archived, moved), so an answer matches when its status is the same, an error's code is the
same, a page has the same fields, and a page's items that are in both answers come in the
same order and make at least half of the shorter page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from layers_conformance.core.exchange import expand
from layers_conformance.core.redaction import Redactor, excerpt
from layers_conformance.core.strict_json import parse
from layers_conformance.core.targets import ConfigError

__all__ = ["SAMPLE", "Answer", "against", "difference", "sample"]

SAMPLE = 24
TIMEOUT_S = 10.0
SENT_HEADERS = ("x-api-key", "authorization", "accept")
Answer = tuple[int | None, Any]  # the status (None: no answer) and the JSON body, or None


def sample(entries: Sequence[Any], base_url: str, size: int = SAMPLE) -> list[dict[str, Any]]:
    """Up to `size` recorded GETs to `base_url` without a cursor, spread over the recording,
    each request (URL and headers) once."""
    chosen: dict[str, dict[str, Any]] = {}
    for entry in entries:
        request = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(request, dict):
            continue
        url = request.get("url")
        if not isinstance(url, str) or not url.startswith(base_url + "/"):
            continue
        if request.get("method") != "GET" or "cursor" in parse_qs(urlsplit(url).query):
            continue
        chosen.setdefault(f"{url} {_headers(request)}", entry)
    every = list(chosen.values())
    step = max(1, len(every) // size)
    return every[::step][:size]


def against(
    entries: Sequence[dict[str, Any]], base_url: str, url: str, environ: Mapping[str, str]
) -> tuple[int, list[str]]:
    """Send each recorded request of `entries` to `url` in place of `base_url`: how many were
    answered alike, and a line for each that was not (keys never in it)."""
    redactor = Redactor({value: f"${name}" for name, value in environ.items() if "KEY" in name})
    differences = []
    with httpx.Client(timeout=TIMEOUT_S, follow_redirects=False) as client:
        for entry in entries:
            request = entry["request"]
            path = request["url"][len(base_url) :]
            live = _send(client, url.rstrip("/") + path, _headers(request), environ)
            problem = difference(_recorded(entry), live)
            if problem is not None:
                differences.append(redactor.clean(f"GET {excerpt(path, 160)}: {problem}"))
    return len(entries) - len(differences), differences


def _headers(request: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The key and accept headers as recorded, each as often as it was sent."""
    headers = request.get("headers")
    pairs = headers if isinstance(headers, list) else []
    return [
        (str(pair["name"]), str(pair["value"]))
        for pair in pairs
        if isinstance(pair, dict) and str(pair.get("name", "")).lower() in SENT_HEADERS
    ]


def _send(
    client: httpx.Client, url: str, headers: Sequence[tuple[str, str]], environ: Mapping[str, str]
) -> Answer:
    # A key's placeholder, or the shell expansion of a form of it (`${NAME%?}`), as sent.
    keyed = [(name, expand(value, partial(_key, environ))) for name, value in headers]
    try:
        answer = client.get(url, headers=keyed)
    except httpx.HTTPError as error:
        return None, type(error).__name__
    body, _ = parse(answer.text)
    return answer.status_code, body


def _key(environ: Mapping[str, str], name: str) -> str:
    if name not in environ:
        raise ConfigError(f"--against: the recording sent ${name}, and {name} is not set")
    return environ[name]


def _recorded(entry: Mapping[str, Any]) -> Answer:
    response = entry.get("response", {})
    status = response.get("status") if isinstance(response, dict) else None
    content = response.get("content", {}) if isinstance(response, dict) else {}
    text = content.get("text", "") if isinstance(content, dict) else ""
    body, _ = parse(text if isinstance(text, str) else "")
    return (status or None) if isinstance(status, int) else None, body


def difference(recorded: Answer, live: Answer) -> str | None:
    """Why the live answer is not the recorded one, allowing what a list in use changes;
    None when it matches."""
    (was, before), (now, after) = recorded, live
    if was != now:
        return f"status {was} recorded, {now} now"
    if _code(before) != _code(after):
        return f"error code {_code(before)!r} recorded, {_code(after)!r} now"
    if isinstance(before, dict) and isinstance(after, dict):
        if set(before) != set(after):
            return f"fields {sorted(before)} recorded, {sorted(after)} now"
        return _items_difference(before.get("items"), after.get("items"))
    return None


def _code(body: Any) -> Any:
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


def _items_difference(before: Any, after: Any) -> str | None:
    if not isinstance(before, list) or not isinstance(after, list):
        return None
    was, now = _ids(before), _ids(after)
    if len(was) != len(now) and min(len(was), len(now)) == 0:
        return f"{len(was)} items recorded, {len(now)} now"
    shared = set(was) & set(now)
    if 2 * len(shared) < min(len(was), len(now)):
        return f"{len(shared)} of {min(len(was), len(now))} items in both answers"
    if [i for i in was if i in shared] != [i for i in now if i in shared]:
        return "the items in both answers come in another order"
    return None


def _ids(items: list[Any]) -> list[Any]:
    return [item.get("influencerId") for item in items if isinstance(item, dict)]
