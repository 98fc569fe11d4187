"""Why a run could not finish, as data: the kind beside the prose of `aborted`.

A kind travels from the error that cut a test short (`probing.client.ClientError.kind`)
through the test's record and the tally to `conformance.json` (`stop_kind`), where a replay
(`verify`) reads which refusal to repeat. Nothing reads a stop from the words of a message.
"""

from __future__ import annotations

import enum

__all__ = ["StopKind"]


class StopKind(enum.Enum):
    """Why a run could not finish."""

    # The client refused to send (a replay refuses alike, after as many requests).
    BUDGET = "budget"  # the request budget is spent
    DEADLINE = "deadline"  # the run's deadline passed
    UNREACHABLE = "unreachable"  # no connection to the target
    UNRESPONSIVE = "unresponsive"  # too many requests in a row got no answer
    RATE_LIMITED = "rate_limited"  # 429s the run cannot wait out
    PYTEST_STOPPED = "pytest_stopped"  # an interrupt, an internal or usage error: nothing after
    # The run went on: the recorded exchanges alone say what was answered.
    NO_ANSWER = "no_answer"  # a request got no whole answer
    UNREADABLE = "unreadable"  # an answer could not be read
    UNJUDGED = "unjudged"  # the suite could not judge (an error of its own)
    NOT_RECORDED = "not_recorded"  # a replay holds no answer to a request
    REFUSED = "refused"  # a request refused or shed for longer than it may wait

    @property
    def refusal(self) -> bool:
        """The run stopped sending here: a replay of it must stop at the same point."""
        return self in _REFUSALS

    @property
    def limit(self) -> bool:
        """One of the run's own limits, which a user can raise (the report says how)."""
        return self in (StopKind.BUDGET, StopKind.DEADLINE)


_REFUSALS = frozenset({
    StopKind.BUDGET, StopKind.DEADLINE, StopKind.UNREACHABLE, StopKind.UNRESPONSIVE,
    StopKind.RATE_LIMITED, StopKind.PYTEST_STOPPED,
})  # fmt: skip
