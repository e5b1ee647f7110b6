"""Planner options (one pydantic model for ``solve``, ``eval`` and the API) and presets.

Also :class:`StrictModel`, the base for configuration models that refuse an unknown key
and name the nearest valid one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .budget import Budget

Algorithm = Literal["lookahead", "mcts", "beam"]
CriticRubric = Literal["continuous", "coarse"]


class WMFormat(StrEnum):
    """How the world model writes the next state."""

    DIFF = "diff"  # changed, added and removed elements (default: fewest tokens)
    NL = "nl"  # a short description, as in WebDreamer
    FULL = "full"  # the whole next accessibility tree


class ProposalMode(StrEnum):
    """How the policy makes its K candidate actions."""

    LIST = "list"  # the model writes K actions in one constrained reply
    RANK = "rank"  # every valid action of the page, ranked by the model's likelihood


def unknown_key_message(key: str, valid: Iterable[str]) -> str:
    """``unknown option 'max_step'; did you mean 'max_steps'?`` (or the valid keys)."""
    valid = sorted(valid)
    close = difflib.get_close_matches(key, valid, n=1)
    if close:
        return f"unknown option {key!r}; did you mean {close[0]!r}?"
    return f"unknown option {key!r}; valid options: {', '.join(valid)}"


class StrictModel(BaseModel):
    """A configuration model that refuses unknown keys, naming the nearest valid one.

    Subclasses may add to ``model_config`` (e.g. ``frozen=True``); extra keys stay
    forbidden.
    """

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            valid = set(cls.model_fields)
            valid |= {f.alias for f in cls.model_fields.values() if f.alias}
            unknown = [key for key in data if isinstance(key, str) and key not in valid]
            if unknown:
                raise ValueError("; ".join(unknown_key_message(k, valid) for k in unknown))
        return data


class PlannerOptions(StrictModel):
    """How one decision searches. The LLM roles read ``proposals``, ``wm_format``,
    ``critic_samples`` and ``critic_rubric``; the planner only carries them."""

    model_config = ConfigDict(frozen=True)

    algorithm: Algorithm = "lookahead"
    candidates: int = Field(default=3, ge=1, description="K: actions proposed at a state")
    depth: int = Field(default=1, ge=1, description="d: imagined steps per path (the horizon)")
    simulations: int = Field(
        default=1, ge=1, description="lookahead: imagined rollouts per candidate"
    )
    iterations: int = Field(default=32, ge=1, description="mcts: selection-expansion-backup rounds")
    beam_width: int = Field(default=2, ge=1, description="beam: paths kept per depth")

    # Read by the LLM roles.
    proposals: ProposalMode = ProposalMode.LIST
    critic_samples: int = Field(default=1, ge=1, description="judge samples averaged per score")
    critic_rubric: CriticRubric = "continuous"
    wm_format: WMFormat = WMFormat.DIFF

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
        """A named preset (see :data:`PRESETS`), with field overrides (an unknown one is
        refused like an unknown key: naming the nearest option)."""
        try:
            base = PRESETS[name]
        except KeyError:
            known = sorted(PRESETS)
            raise ValueError(f"unknown planner preset {name!r}; choose one of {known}") from None
        return cls.model_validate({**base.model_dump(), **overrides}) if overrides else base


#: MCTS's default wall-clock budget per decision, in seconds.
MCTS_SECONDS = 60.0

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
    # MCTS stops starting role calls after 60 s a decision (calls in flight finish): on
    # 2 cores with the 1.5B model an 8-step episode then fits the 900 s episode timeout
    # (measured: `results/mcts-budget.md`).
    "mcts": PlannerOptions(
        algorithm="mcts", candidates=3, depth=3, iterations=32, budget_seconds=MCTS_SECONDS
    ),
    "beam": PlannerOptions(algorithm="beam", candidates=3, depth=2, beam_width=2),
}
