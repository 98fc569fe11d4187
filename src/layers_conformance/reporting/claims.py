"""What a bundle's report claims about its run, checked against the run's own recording.

`conformance.json` says where the run went (`base_url`), how many requests it sent, when it
started and how long it took; `run.json` and `exchanges.har` recorded the same run. Each
claim the recording can decide is re-derived from it (pure: the parsed files in, the
problems out); `verify` says which claims it re-derived and which it could only read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeGuard

from layers_conformance.core.redaction import excerpt

__all__ = ["READ_ONLY", "RECORDED", "recorded_claim_problems"]

# Clocks are read at the run's start and end and at each exchange: a little slack between.
SLACK = timedelta(seconds=1)
MAX_SECONDS = 1e9  # about 30 years: anything longer is no run's
RECORDED = ("base_url", "requests", "started_at", "duration_s")
READ_ONLY = "the target's name, the budget, waivers, coverage and evidence excerpts"


def recorded_claim_problems(
    claimed: Mapping[str, Any], described: Mapping[str, Any], entries: Sequence[Any]
) -> list[str]:
    """Each claim of the report that its recording (`run.json`, the HAR's entries) contradicts."""
    return [
        *_base_url_problems(claimed.get("base_url"), described.get("base_url"), entries),
        *_count_problems(claimed.get("requests"), entries),
        *_timing_problems(claimed.get("started_at"), claimed.get("duration_s"), entries),
    ]


def _base_url_problems(claimed: Any, described: Any, entries: Sequence[Any]) -> list[str]:
    if claimed != described:
        return [f"base_url: claimed {excerpt(claimed)}, run.json recorded {excerpt(described)}"]
    if not isinstance(claimed, str):
        return [f"base_url: {excerpt(claimed)} is not a URL"]
    urls = [_url(entry) for entry in entries]
    elsewhere = [url for url in urls if url != claimed and not url.startswith(claimed + "/")]
    if not elsewhere:
        return []
    return [
        f"base_url: claimed {excerpt(claimed)}, but {len(elsewhere)} of the {len(urls)} "
        f"recorded requests went elsewhere (first: {excerpt(elsewhere[0], 120)})"
    ]


def _count_problems(claimed: Any, entries: Sequence[Any]) -> list[str]:
    if claimed == len(entries) and not isinstance(claimed, bool):
        return []
    return [f"requests: claimed {excerpt(claimed)}, the recording holds {len(entries)} exchanges"]


def _timing_problems(started_at: Any, duration_s: Any, entries: Sequence[Any]) -> list[str]:
    start = _moment(started_at)
    if start is None:
        return [f"started_at: {excerpt(started_at)} is not a time"]
    if not _seconds(duration_s):
        return [f"duration_s: {excerpt(duration_s)} is not a duration"]
    spans = [_span(entry) for entry in entries]
    if any(span is None for span in spans):
        return ["exchanges.har: an entry has no readable startedDateTime and time"]
    known = [span for span in spans if span is not None]
    if not known:
        return []
    first, last = min(begin for begin, _ in known), max(end for _, end in known)
    problems = []
    if first < start - SLACK:
        problems.append(f"started_at: claimed {started_at}, the first exchange began {first}")
    if start + timedelta(seconds=duration_s) + SLACK < last:
        took = (last - start).total_seconds()
        problems.append(
            f"duration_s: claimed {duration_s} s, the recorded exchanges end {took:.3f} s "
            "after the claimed start"
        )
    return problems


def _url(entry: Any) -> str:
    request = entry.get("request") if isinstance(entry, dict) else None
    url = request.get("url") if isinstance(request, dict) else None
    return url if isinstance(url, str) else ""


def _span(entry: Any) -> tuple[datetime, datetime] | None:
    if not isinstance(entry, dict):
        return None
    begin, took = _moment(entry.get("startedDateTime")), entry.get("time")
    if begin is None or not _seconds(took):
        return None
    return begin, begin + timedelta(milliseconds=took)


def _seconds(value: Any) -> TypeGuard[float]:
    """A number of seconds (or milliseconds) a timedelta can hold: finite, not negative."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and 0 <= value < MAX_SECONDS


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
