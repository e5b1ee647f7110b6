"""The three roles the planner calls, and how it keys states.

The planner is generic over a state type ``S`` and a hashable action type ``A``. Every
call returns its result and the :class:`Cost` it spent; budgets are charged from it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Protocol, TypeVar

from .types import Cost, Score

S = TypeVar("S")
A = TypeVar("A", bound=Hashable)
S_contra = TypeVar("S_contra", contravariant=True)
A_contra = TypeVar("A_contra", bound=Hashable, contravariant=True)

#: Maps a state to a cheap key for transpositions and memoisation; ``None`` = no key.
StateKey = Callable[[Any], Hashable | None]


class Policy(Protocol[S_contra, A]):
    """Proposes up to ``k`` distinct candidate actions with priors (any non-negative
    weights; the planner normalises them). An empty list means "nothing to do here"."""

    async def propose(
        self, goal: str, state: S_contra, k: int
    ) -> tuple[list[tuple[A, float]], Cost]: ...


class WorldModel(Protocol[S, A_contra]):
    """Imagines the state after ``action``."""

    async def simulate(self, state: S, action: A_contra) -> tuple[S, Cost]: ...


class Critic(Protocol[S, A]):
    """Scores an imagined path (``[(state, action), ...]``) and its outcome toward the goal."""

    async def score(self, goal: str, path: list[tuple[S, A]], outcome: S) -> tuple[Score, Cost]: ...


def default_state_key(state: object) -> Hashable | None:
    """``state.key`` (attribute, property or method) if present, else the state itself when
    hashable, else ``None`` (no transpositions, no memo for that state)."""
    key: Hashable | None = getattr(state, "key", None)
    if callable(key):
        key = key()
    if key is not None:
        return key
    try:
        hash(state)
    except TypeError:
        return None
    return state
