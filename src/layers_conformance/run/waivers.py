"""Waivers: known deviations a team accepts until a date, so the gate can be adopted today.

A waivers file is YAML:

    waivers:
      - requirement: ORDER-NEWEST-001
        reason: sorted oldest first until API-123 ships
        expires: 2026-12-31        # the last day the waiver holds
        target: staging            # optional: only this target

Loading is strict (one-line `ConfigError`s naming the file, the entry and the rule); applying
is pure: a failing (or flaky) requirement under a valid waiver becomes `waived`, and every
waiver for the run's target says what it did: applied, unused (can be removed) or expired.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from layers_conformance.core.catalogue import load_catalogue
from layers_conformance.core.inputs import MAX_CONFIG_BYTES, InputError, load_yaml, read_text
from layers_conformance.core.redaction import excerpt
from layers_conformance.core.results import (
    RequirementResult,
    Status,
    Waiver,
    WaiverOutcome,
    WaiverUse,
)
from layers_conformance.core.targets import ConfigError

REQUIRED = ("requirement", "reason", "expires")
OPTIONAL = ("target",)
# `waived` too: the plugin marks each covered test so JUnit and the terminal agree, and the
# folded result then only needs its waiver attached.
WAIVABLE: tuple[Status, ...] = ("fail", "flaky", "waived")


class _Invalid(ValueError):
    """One rule broken by one entry; the loader adds the file and the entry's index."""


def load_waivers(path: Path, known: Collection[str]) -> tuple[Waiver, ...]:
    """The waivers of `path`, each naming a requirement of `known` at most once per target."""
    entries = _entries(path)
    waivers = []
    for index, raw in enumerate(entries):
        try:
            waivers.append(_waiver(raw, known, str(path)))
        except _Invalid as error:
            raise ConfigError(f"{path}: waivers[{index}]: {error}") from None
    _refuse_twice(path, waivers)
    return tuple(waivers)


def open_book(paths: Sequence[Path], target: str) -> WaiverBook:
    """The waivers of every file in `paths` that concern `target`, judged as of today (UTC)."""
    known = load_catalogue()
    waivers = tuple(waiver for path in paths for waiver in load_waivers(path, known))
    return WaiverBook(waivers, target, dt.datetime.now(dt.UTC).date())


def describe_use(outcome: WaiverOutcome) -> str:
    """One line for a waiver that did not simply apply: what to do about it."""
    waiver = outcome.waiver
    if outcome.use == "expired":
        return (
            f"waiver expired: {waiver.requirement} on {waiver.expires.isoformat()} "
            f"({waiver.source}): fix the deviation or renew the waiver; the run fails"
        )
    return (
        f"waiver unused: {waiver.requirement} ({waiver.source}): no failure to waive in this "
        "run; remove it once the deviation is fixed for good"
    )


def _entries(path: Path) -> list[Any]:
    try:
        document = load_yaml(read_text(path, MAX_CONFIG_BYTES))
    except InputError as error:
        raise ConfigError(f"{path}: the waivers file: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}: malformed YAML{line}") from None
    if not isinstance(document, dict) or set(document) != {"waivers"}:
        raise ConfigError(f"{path}: the top level must be a mapping with a 'waivers' key only")
    entries = document["waivers"]
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: 'waivers' must be a list of entries, got {excerpt(entries)}")
    return entries


def _waiver(raw: Any, known: Collection[str], source: str) -> Waiver:
    if not isinstance(raw, dict):
        raise _Invalid(f"must be a mapping, got {excerpt(raw)}")
    for key in raw:
        if key not in REQUIRED + OPTIONAL:
            raise _Invalid(f"unknown key {excerpt(key)} (known: {', '.join(REQUIRED + OPTIONAL)})")
    for key in REQUIRED:
        if key not in raw:
            raise _Invalid(f"missing required key {excerpt(key)}")
    requirement = _text("requirement", raw["requirement"])
    if requirement not in known:
        unknown = excerpt(requirement)
        raise _Invalid(f"unknown requirement id {unknown} (not in spec/requirements.yaml)")
    target = _text("target", raw["target"]) if "target" in raw else ""
    return Waiver(
        requirement, _text("reason", raw["reason"]), _date(raw["expires"]), target, source
    )


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(f"{key} must be a non-empty string, got {excerpt(value)}")
    return value.strip()


def _date(value: Any) -> dt.date:
    # YAML reads an unquoted 2026-12-31 as a date already; a quoted one is a string.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _Invalid(f"expires={excerpt(value)} must be a date (YYYY-MM-DD)") from None


def _refuse_twice(path: Path, waivers: Sequence[Waiver]) -> None:
    seen: set[tuple[str, str]] = set()
    for waiver in waivers:
        key = (waiver.requirement, waiver.target)
        if key in seen:
            where = f"target {waiver.target!r}" if waiver.target else "every target"
            raise ConfigError(f"{path}: {waiver.requirement} is waived twice for {where}")
        seen.add(key)


@dataclass(frozen=True)
class WaiverBook:
    """The waivers that concern one run: its target's, judged on the run's day."""

    waivers: tuple[Waiver, ...]
    target: str
    today: dt.date

    def concerning(self) -> Iterable[Waiver]:
        """The waivers for this run's target (or for every target)."""
        return (w for w in self.waivers if w.target in ("", self.target))

    def covering(self, requirement: str, status: Status) -> Waiver | None:
        """The waiver that turns this status of `requirement` into `waived`, if any."""
        return self.active(requirement) if status in WAIVABLE else None

    def active(self, requirement: str) -> Waiver | None:
        """The waiver that holds today for `requirement` on this target, if any."""
        return next(
            (w for w in self.concerning() if w.requirement == requirement and not self._expired(w)),
            None,
        )

    def apply(
        self, results: Sequence[RequirementResult]
    ) -> tuple[tuple[RequirementResult, ...], tuple[WaiverOutcome, ...]]:
        """`results` with waived failures marked, and what each concerning waiver did."""
        applied = tuple(self._waive(result) for result in results)
        used = {result.waiver for result in applied if result.waiver is not None}
        return applied, tuple(WaiverOutcome(w, self._use(w, used)) for w in self.concerning())

    def _waive(self, result: RequirementResult) -> RequirementResult:
        waiver = self.covering(result.id, result.status)
        return result if waiver is None else replace(result, status="waived", waiver=waiver)

    def _use(self, waiver: Waiver, used: Collection[Waiver]) -> WaiverUse:
        if self._expired(waiver):
            return "expired"
        return "applied" if waiver in used else "unused"

    def _expired(self, waiver: Waiver) -> bool:
        return self.today > waiver.expires
