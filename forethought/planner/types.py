"""Small value types the planner and the roles exchange: scores, costs, events."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class Score:
    """A critic's judgement of an imagined path: ``value`` and ``confidence`` in [0, 1]."""

    value: float
    confidence: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.value <= 1.0:
            raise ValueError(f"Score.value must be in [0, 1], got {self.value!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"Score.confidence must be in [0, 1], got {self.confidence!r}")


@dataclass(frozen=True, slots=True)
class Cost:
    """What one or more role calls spent. Costs add up with ``+``.

    ``cached_tokens`` counts the prompt tokens the server reused from its prefix cache
    (already included in ``prompt_tokens``), so ``prompt_tokens - cached_tokens`` is
    what it really read.
    """

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    cached_tokens: int = 0

    @property
    def tokens(self) -> int:
        """Prompt plus completion tokens: what token budgets count."""
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Cost) -> Cost:
        if not isinstance(other, Cost):
            return NotImplemented
        return Cost(
            self.calls + other.calls,
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.seconds + other.seconds,
            self.cached_tokens + other.cached_tokens,
        )

    def as_dict(self) -> dict[str, float]:
        return {
            "calls": self.calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "seconds": self.seconds,
            "cached_tokens": self.cached_tokens,
        }


ZERO_COST = Cost()


class StopReason(StrEnum):
    """Why a decision's search ended."""

    COMPLETED = "completed"
    BUDGET_SIMULATIONS = "budget_simulations"
    BUDGET_TOKENS = "budget_tokens"
    BUDGET_SECONDS = "budget_seconds"
    CONFIDENT = "confident"
    AGREE = "agree"
    NO_CANDIDATES = "no_candidates"


class EventKind(StrEnum):
    PROPOSED = "proposed"
    SIMULATED = "simulated"
    SCORED = "scored"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class PlanEvent:
    """One step of a running search, for live views (``plan(..., on_event=...)``).

    ``node``/``parent`` are ids in the decision's :class:`SearchTree`. ``actions`` is set
    for ``proposed``; ``action`` and ``memo_hit`` for ``simulated``; ``score`` for
    ``scored``; ``reason`` for ``stopped``.
    """

    kind: EventKind
    node: int
    parent: int | None = None
    action: Any = None
    actions: tuple[tuple[Any, float], ...] = ()
    score: Score | None = None
    cost: Cost = ZERO_COST
    memo_hit: bool = False
    reason: StopReason | None = None
