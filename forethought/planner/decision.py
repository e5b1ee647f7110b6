"""The outcome of one planning step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic

from .candidates import Candidate
from .options import PlannerOptions
from .protocols import A, S
from .tree import SearchTree
from .types import Cost, Score, StopReason


@dataclass(slots=True)
class Decision(Generic[S, A]):
    """The chosen action and everything the search learned on the way.

    ``path`` is the best imagined path under the chosen action, ``[(action, imagined
    state), ...]``, starting with ``action`` itself (empty if it was never simulated).
    ``action`` is ``None`` only when the policy proposed nothing at the real state.
    """

    action: A | None
    score: Score | None
    path: list[tuple[A, S]]
    tree: SearchTree[S, A]
    cost: Cost
    #: World-model calls made (memo hits excluded).
    simulations: int
    stop_reason: StopReason
    candidates: list[Candidate[A]]
    memo_hits: int
    seconds: float
    options: PlannerOptions

    @property
    def prediction(self) -> S | None:
        """The imagined state after ``action`` (to compare with the real one: fidelity)."""
        return self.path[0][1] if self.path else None
