"""Look once more before reporting a failure: after a pause, with fresh requests.

A nightly check at 3 a.m. should not page anyone for a blip. A failing check is run again
after a pause, with the probe's memory bypassed for that check alone (every other check
keeps the answers already seen, so the run's budget is spent only on the recheck itself).
If it holds, the requirement is `flaky`, with both looks as evidence; if it fails again, or
cannot look (budget, deadline, target gone), the first failure stands.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from layers_conformance.core.exchange import Exchange, held_exchange
from layers_conformance.probing.probe import Probe


@dataclass(frozen=True)
class Recheck:
    """What the second look saw: whether it held, and the exchanges it made."""

    held: bool
    pause_s: float
    exchanges: tuple[Exchange, ...] = ()


def recheck(check: Callable[[], object], probe: Probe, pause_s: float) -> Recheck:
    """Run `check` again after `pause_s` seconds, on fresh answers from the target."""
    time.sleep(pause_s)
    with probe.uncached() as fresh:
        try:
            check()
        except Exception:  # failed again, or could not look: either way no second opinion
            return Recheck(held=False, pause_s=pause_s)
    return Recheck(held=True, pause_s=pause_s, exchanges=tuple(map(held_exchange, fresh.results())))
