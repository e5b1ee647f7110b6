"""Episode memo: (state key, action, sample) -> prediction, and state key -> proposals.

The agent keeps one :class:`Memo` per episode and passes it to every ``plan`` call, so a
prediction made while planning one step is reused at the next (and on transpositions
within a step). ``sample`` numbers independent imaginings of the same action: lookahead
with ``simulations=3`` asks for samples 0, 1, 2, so sampling world models still give
three different futures.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic

from .protocols import A, S
from .types import Cost


class Memo(Generic[S, A]):
    """Predictions and proposals already paid for in this episode."""

    def __init__(self) -> None:
        self._predictions: dict[tuple[Hashable, A, int], tuple[S, Cost]] = {}
        self._proposals: dict[Hashable, tuple[list[tuple[A, float]], int]] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._predictions)

    def prediction(self, key: Hashable, action: A, sample: int = 0) -> tuple[S, Cost] | None:
        """The stored ``(next_state, cost_when_made)``, counting hits and misses."""
        found = self._predictions.get((key, action, sample))
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def store_prediction(
        self, key: Hashable, action: A, state: S, cost: Cost, sample: int = 0
    ) -> None:
        self._predictions[(key, action, sample)] = (state, cost)

    def proposals(self, key: Hashable, k: int) -> list[tuple[A, float]] | None:
        """Stored proposals for ``key`` if they were asked with at least ``k``."""
        found = self._proposals.get(key)
        if found is None or found[1] < k:
            return None
        return found[0][:k]

    def store_proposals(self, key: Hashable, k: int, proposals: list[tuple[A, float]]) -> None:
        old = self._proposals.get(key)
        if old is None or old[1] < k:
            self._proposals[key] = (proposals, k)

    def clear(self) -> None:
        self._predictions.clear()
        self._proposals.clear()
        self.hits = self.misses = 0
