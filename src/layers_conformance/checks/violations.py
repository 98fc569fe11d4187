"""What a check returns, and how it ends when it does not simply pass.

A check is a pure function returning every `Violation` it finds; `expect` turns them into a
`ConformanceFailure` that prints well, and `inconclusive` ends a check that the data cannot decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from layers_conformance.core.exchange import Exchange, shorten
from layers_conformance.core.results import Divergence, FieldRow

SHOWN_VIOLATIONS = 5
# A message quotes what the server sent; a 5 MB value must not make a 5 MB message, printed
# once per place a failure is shown.
MESSAGE_CHARS = 500


@dataclass(frozen=True)
class Violation:
    """One broken rule, said so a person can find it.

    `conclusive` is False when the violation only says that the answer which would show
    the rule could not be read (see `unreadable`): that is no evidence either way.
    """

    rule: str
    message: str
    exchange: Exchange | None = None
    # The drawing of where a sequence goes wrong, or the fields of an answer that differ.
    divergence: Divergence | None = None
    field_diff: tuple[FieldRow, ...] = ()
    conclusive: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", shorten(self.message, MESSAGE_CHARS))


class ConformanceFailure(AssertionError):
    """The server broke a rule; carries the violations that show it."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        # The conclusive ones first: they decide, and the first one is the headline.
        self.violations = tuple(sorted(violations, key=lambda v: not v.conclusive))
        super().__init__(describe(self.violations))

    @property
    def conclusive(self) -> bool:
        """Whether any violation is evidence of a broken rule (not only an unread answer)."""
        return any(violation.conclusive for violation in self.violations)


class Inconclusive(Exception):
    """The target's data could not show whether the rule holds (never a silent pass)."""


def expect(violations: Sequence[Violation]) -> None:
    """Fail the check with every violation found, or return when there are none."""
    if violations:
        raise ConformanceFailure(violations)


def unreadable(rule: str, expected: str, exchange: Exchange) -> Violation:
    """`expected` could not be seen because the answer could not be read (no evidence)."""
    problem = exchange.error or "the answer could not be read"
    got = problem if exchange.status is None else f"HTTP {exchange.status}, {problem}"
    return Violation(rule, f"{expected}, but no readable answer: {got}", exchange, conclusive=False)


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
