"""Planner options (one pydantic model for ``solve``, ``eval`` and the API) and presets."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .budget import Budget

Algorithm = Literal["lookahead", "mcts", "beam"]
WorldModelFormat = Literal["diff", "nl", "full"]
CriticRubric = Literal["continuous", "coarse"]


class PlannerOptions(BaseModel):
    """How one decision searches. The LLM roles read ``wm_format``, ``critic_samples`` and
    ``critic_rubric``; the planner only carries them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    algorithm: Algorithm = "lookahead"
    candidates: int = Field(default=3, ge=1, description="K: actions proposed at a state")
    depth: int = Field(default=1, ge=1, description="d: imagined steps per path (the horizon)")
    simulations: int = Field(
        default=1, ge=1, description="lookahead: imagined rollouts per candidate"
    )
    iterations: int = Field(default=32, ge=1, description="mcts: selection-expansion-backup rounds")
    beam_width: int = Field(default=2, ge=1, description="beam: paths kept per depth")

    # Read by the LLM roles.
    critic_samples: int = Field(default=1, ge=1, description="judge samples averaged per score")
    critic_rubric: CriticRubric = "continuous"
    wm_format: WorldModelFormat = "diff"

    # Budgets per decision (None = unlimited).
    budget_sims: int | None = Field(default=None, ge=0)
    budget_tokens: int | None = Field(default=None, ge=0)
    budget_seconds: float | None = Field(default=None, ge=0)

    # Search details.
    aggregate: Literal["mean", "max"] = "mean"
    exploration: float = Field(default=1.0, ge=0, description="mcts: PUCT constant")
    widening: float = Field(
        default=2.0, gt=0, description="mcts: children allowed = widening * N^alpha"
    )
    widening_alpha: float = Field(default=0.5, ge=0, le=1)
    final_choice: Literal["visits", "value"] = "visits"
    rollout_depth: int = Field(
        default=0, ge=0, description="mcts: policy-continued steps past a leaf"
    )
    workers: int = Field(default=4, ge=1, description="mcts: selections in flight at once")
    concurrency: int | None = Field(default=None, ge=1, description="most role calls in flight")

    # Early stopping (on evaluations that reached the horizon).
    early_stop: bool = True
    stop_margin: float = Field(default=0.5, ge=0, le=1, description="best beats runner-up by this")
    stop_confidence: float = Field(default=0.8, ge=0, le=1, description="...with this confidence")
    agree_tolerance: float = Field(default=0.02, ge=0, le=1, description="all within this: agree")
    stop_min_samples: int = Field(default=1, ge=1, description="evaluations per candidate first")

    def budget(self) -> Budget:
        return Budget(self.budget_sims, self.budget_tokens, self.budget_seconds)

    @classmethod
    def preset(cls, name: str, **overrides: object) -> PlannerOptions:
        """A named preset (see :data:`PRESETS`), with field overrides."""
        try:
            base = PRESETS[name]
        except KeyError:
            known = sorted(PRESETS)
            raise ValueError(f"unknown planner preset {name!r}; choose one of {known}") from None
        return cls.model_validate({**base.model_dump(), **overrides}) if overrides else base


PRESETS: dict[str, PlannerOptions] = {
    # Cheap one-step lookahead: 3 candidates, one imagined step each, one judge sample.
    "default": PlannerOptions(),
    # WebDreamer's published configuration, run through our code (it never stops early).
    "webdreamer": PlannerOptions(
        algorithm="lookahead",
        candidates=4,
        simulations=3,
        depth=2,
        wm_format="nl",
        critic_samples=10,
        critic_rubric="coarse",
        early_stop=False,
    ),
    "mcts": PlannerOptions(algorithm="mcts", candidates=3, depth=3, iterations=32),
    "beam": PlannerOptions(algorithm="beam", candidates=3, depth=2, beam_width=2),
}
