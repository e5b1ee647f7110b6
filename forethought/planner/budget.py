"""Per-decision budgets: simulations (exact), tokens and wall-clock seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from .types import Cost, StopReason

_N = TypeVar("_N", int, float)


def _tighter(a: _N | None, b: _N | None) -> _N | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


@dataclass(frozen=True, slots=True)
class Budget:
    """Limits for one decision; ``None`` means unlimited. Combine with ``&`` (tightest wins).

    - ``simulations``: world-model calls, exact (memo hits are free).
    - ``tokens``: prompt + completion tokens over all roles.
    - ``seconds``: wall-clock time since the decision started.

    For tokens and seconds no new call starts once spent; calls already in flight finish,
    so the overshoot is bounded by them.
    """

    simulations: int | None = None
    tokens: int | None = None
    seconds: float | None = None

    def __and__(self, other: Budget) -> Budget:
        return Budget(
            _tighter(self.simulations, other.simulations),
            _tighter(self.tokens, other.tokens),
            _tighter(self.seconds, other.seconds),
        )


class BudgetTracker:
    """Spends a :class:`Budget` during one decision. Not thread-safe; asyncio-safe because
    reservations happen synchronously before a call is awaited."""

    def __init__(self, budget: Budget, clock: Callable[[], float] = time.monotonic) -> None:
        self.budget = budget
        self._clock = clock
        self.started = clock()
        self.simulations = 0
        self.tokens = 0
        #: Set to the first limit that refused a call.
        self.exhausted: StopReason | None = None

    @property
    def elapsed(self) -> float:
        return self._clock() - self.started

    def can_start(self) -> bool:
        """Whether a new call (of any role) may start now."""
        b = self.budget
        if b.tokens is not None and self.tokens >= b.tokens:
            self.exhausted = self.exhausted or StopReason.BUDGET_TOKENS
            return False
        if b.seconds is not None and self.elapsed >= b.seconds:
            self.exhausted = self.exhausted or StopReason.BUDGET_SECONDS
            return False
        return True

    def reserve_simulation(self) -> bool:
        """Claims one simulation before the call starts; ``False`` when none is left."""
        if not self.can_start():
            return False
        limit = self.budget.simulations
        if limit is not None and self.simulations >= limit:
            self.exhausted = self.exhausted or StopReason.BUDGET_SIMULATIONS
            return False
        self.simulations += 1
        return True

    def release_simulation(self) -> None:
        """Returns a reservation whose call never happened."""
        self.simulations -= 1

    @property
    def simulations_left(self) -> int | None:
        limit = self.budget.simulations
        return None if limit is None else max(0, limit - self.simulations)

    def charge(self, cost: Cost) -> None:
        self.tokens += cost.tokens
