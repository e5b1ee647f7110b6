"""Small deterministic worlds with a known best action, and roles that drive them."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from forethought.planner import Cost, Score

CALL = Cost(calls=1, prompt_tokens=8, completion_tokens=2, seconds=0.0)  # 10 tokens a call


@dataclass
class GraphWorld:
    """States are strings. ``moves[state]`` lists ``(action, prior, next_state)``; a state
    without moves is terminal. ``values[state]`` is what the critic says about it."""

    moves: dict[str, list[tuple[str, float, str]]]
    values: dict[str, float]
    confidence: float = 1.0

    def propose(self, state: str, k: int) -> list[tuple[str, float]]:
        return [(a, p) for a, p, _ in self.moves.get(state, [])][:k]

    def step(self, state: str, action: str) -> str:
        return next(n for a, _, n in self.moves[state] if a == action)

    def value(self, state: str) -> float:
        return self.values.get(state, 0.0)


#: The best first action ("good") looks worst after one step; only depth 2 reveals it.
TRAP = GraphWorld(
    moves={
        "start": [("decoy", 0.4, "D1"), ("meh", 0.3, "M1"), ("good", 0.3, "G1")],
        "D1": [("d-next", 0.5, "D2"), ("d-alt", 0.5, "D3")],
        "M1": [("m-next", 1.0, "M2")],
        "G1": [("g-next", 0.6, "G2"), ("g-bad", 0.4, "G3")],
    },
    values={"D1": 0.6, "D2": 0.5, "D3": 0.4, "M1": 0.3, "M2": 0.3, "G1": 0.1, "G2": 1.0},
)


@dataclass
class TreeWorld:
    """An endless world: a state is the tuple of actions taken; ``branching`` actions
    everywhere, so every simulation yields a new state. Values are a fixed hash."""

    branching: int = 3

    def propose(self, state: tuple[str, ...], k: int) -> list[tuple[str, float]]:
        return [(f"a{i}", 1.0) for i in range(self.branching)][:k]

    def step(self, state: tuple[str, ...], action: str) -> tuple[str, ...]:
        return (*state, action)

    def value(self, state: tuple[str, ...]) -> float:
        return (zlib.crc32(repr(state).encode()) % 1000) / 999


@dataclass
class Roles:
    """Policy, world model and critic over a world, counting calls and in-flight overlap."""

    world: GraphWorld | TreeWorld
    delay: float = 0.0
    critic_value: Callable[[object], float] | None = None
    simulate_calls: list[tuple[object, object]] = field(default_factory=list)
    propose_calls: int = 0
    score_calls: int = 0
    in_flight: int = 0
    max_in_flight: int = 0

    async def propose(self, goal: str, state, k: int):
        self.propose_calls += 1
        return self.world.propose(state, k), CALL

    async def simulate(self, state, action):
        self.simulate_calls.append((state, action))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            else:
                await asyncio.sleep(0)
            return self.world.step(state, action), CALL
        finally:
            self.in_flight -= 1

    async def score(self, goal: str, path, outcome):
        self.score_calls += 1
        value = (self.critic_value or self.world.value)(outcome)
        confidence = getattr(self.world, "confidence", 1.0)
        return Score(value, confidence), CALL

    @property
    def args(self):
        """(policy, world_model, critic) for ``plan``."""
        return self, self, self
