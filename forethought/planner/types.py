"""Small value types the planner and the roles exchange: scores, costs, events."""

from __future__ import annotations

from dataclasses import dataclass, fields
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
    """What one or more LLM calls spent: calls, tokens, time and speculative acceptance.

    The one usage record, per call and summed per decision, step, episode and run; costs
    add up with ``+``. ``cached_tokens`` counts the prompt tokens the server reused from
    its prefix cache (already included in ``prompt_tokens``); ``draft_tokens`` and
    ``accepted_tokens`` are the speculative decoder's drafted and accepted tokens.
    """

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    cached_tokens: int = 0
    draft_tokens: int = 0
    accepted_tokens: int = 0

    @property
    def tokens(self) -> int:
        """Prompt plus completion tokens: what token budgets count."""
        return self.prompt_tokens + self.completion_tokens

    @property
    def read_tokens(self) -> int:
        """Prompt tokens the server really read (not served from its prefix cache)."""
        return self.prompt_tokens - self.cached_tokens

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted over drafted tokens; ``None`` when nothing was drafted."""
        return self.accepted_tokens / self.draft_tokens if self.draft_tokens else None

    def __add__(self, other: Cost) -> Cost:
        if not isinstance(other, Cost):
            return NotImplemented
        return Cost(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Cost)))

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(Cost)}


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
