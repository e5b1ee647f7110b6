"""The one imagining service: the planner and the gate ask it what an action would do.

It wraps the episode's world model and critic. The planner calls it through the
planner's protocols; the gate calls :meth:`ImaginingService.assess`. Within one decision
it remembers every outcome imagined and every score given, so the gate never asks a role
again for a (page, action) the planner already imagined and scored, and everything it
spends is charged to the decision's budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from forethought.envs.types import Action, Observation
from forethought.planner import Budget, BudgetTracker, Cost, Critic, Score, WorldModel

PathKey = tuple[tuple[tuple[str, str], ...], str]


@dataclass(frozen=True)
class Assessment:
    """The gate's view of one action: its imagined outcome and that outcome's score."""

    outcome: Observation
    score: Score


class ImaginingService:
    """Memoised, budgeted imagination for one episode (see the module's docstring)."""

    def __init__(
        self, world_model: WorldModel[Observation, Action], critic: Critic[Observation, Action]
    ) -> None:
        self.world_model = world_model
        self.critic = critic
        self.begin_decision(Budget())

    def begin_decision(self, budget: Budget) -> None:
        """Forget the last decision's outcomes and scores; start spending ``budget``."""
        self._outcomes: dict[tuple[str, str], Observation] = {}
        self._scores: dict[PathKey, Score] = {}
        self._tracker = BudgetTracker(budget)

    # --- the planner's protocols ---------------------------------------------------------

    async def simulate(self, state: Observation, action: Action) -> tuple[Observation, Cost]:
        """Always a fresh imagining (the planner asks again only for another sample)."""
        outcome, cost = await self.world_model.simulate(state, action)
        self._tracker.simulations += 1
        self._tracker.charge(cost)
        self._outcomes.setdefault((state.key, action.key), outcome)
        return outcome, cost

    async def score(
        self, goal: str, path: list[tuple[Observation, Action]], outcome: Observation
    ) -> tuple[Score, Cost]:
        """The critic's score of ``path`` ending in ``outcome``, once per decision."""
        key = _path_key(path, outcome)
        known = self._scores.get(key)
        if known is not None:
            return known, Cost()
        score, cost = await self.critic.score(goal, path, outcome)
        self._tracker.charge(cost)
        self._scores[key] = score
        return score, cost

    # --- the gate ------------------------------------------------------------------------

    async def assess(
        self, goal: str, page: Observation, action: Action
    ) -> tuple[Assessment | None, Cost]:
        """The imagined outcome of ``action`` on ``page`` and its score, reusing what this
        decision already imagined. ``None`` when the decision's budget is spent first."""
        spent = Cost()
        outcome = self._outcomes.get((page.key, action.key))
        if outcome is None:
            if not self._tracker.can_start() or self._tracker.simulations_left == 0:
                return None, spent
            outcome, cost = await self.simulate(page, action)
            spent += cost
        path = [(page, action)]
        if _path_key(path, outcome) not in self._scores and not self._tracker.can_start():
            return None, spent
        score, cost = await self.score(goal, path, outcome)
        return Assessment(outcome, score), spent + cost


def _path_key(path: list[tuple[Observation, Action]], outcome: Observation) -> PathKey:
    return tuple((state.key, action.key) for state, action in path), outcome.key
