"""What a check returns, and how it ends when it does not simply pass.

A check is a pure function returning every `Violation` it finds; `expect` turns them into a
`ConformanceFailure` that prints well, and `inconclusive` ends a check that the data cannot decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from layers_conformance.core.exchange import Exchange
from layers_conformance.core.results import Divergence, FieldRow

SHOWN_VIOLATIONS = 5


@dataclass(frozen=True)
class Violation:
    """One broken rule, said so a person can find it."""

    rule: str
    message: str
    exchange: Exchange | None = None
    # The drawing of where a sequence goes wrong, or the fields of an answer that differ.
    divergence: Divergence | None = None
    field_diff: tuple[FieldRow, ...] = ()


class ConformanceFailure(AssertionError):
    """The server broke a rule; carries the violations that show it."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = tuple(violations)
        super().__init__(describe(self.violations))


class Inconclusive(Exception):
    """The target's data could not show whether the rule holds (never a silent pass)."""


def expect(violations: Sequence[Violation]) -> None:
    """Fail the check with every violation found, or return when there are none."""
    if violations:
        raise ConformanceFailure(violations)


def inconclusive(reason: str) -> NoReturn:
    """End the check without a verdict, saying why the data could not show it."""
    raise Inconclusive(reason)


def describe(violations: Sequence[Violation]) -> str:
    """The violations as a person reads them, ending with the curl line of the first."""
    lines = [f"{len(violations)} violation(s) of rule {violations[0].rule}:"]
    lines += [f"  - {v.message}" for v in violations[:SHOWN_VIOLATIONS]]
    if len(violations) > SHOWN_VIOLATIONS:
        lines.append(f"  … and {len(violations) - SHOWN_VIOLATIONS} more")
    exchange = next((v.exchange for v in violations if v.exchange is not None), None)
    if exchange is not None:
        lines.append(f"request: {exchange.describe()}")
        lines.append(f"reproduce: {exchange.curl()}")
    return "\n".join(lines)
