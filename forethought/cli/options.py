"""Options shared by ``solve`` and ``eval``: declared once, as typed aliases."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from forethought.planner import ProposalMode, WMFormat


class Switch(StrEnum):
    on = "on"
    off = "off"


Candidates = Annotated[int | None, typer.Option(help="Candidate actions per decision (K).")]
Depth = Annotated[int | None, typer.Option(help="Imagined steps per rollout.")]
Simulations = Annotated[int | None, typer.Option(help="Rollouts per candidate.")]
BudgetSims = Annotated[int | None, typer.Option(help="Simulate calls per decision, at most.")]
BudgetTokens = Annotated[int | None, typer.Option(help="LLM tokens per decision, at most.")]
BudgetSeconds = Annotated[float | None, typer.Option(help="Seconds per decision, at most.")]
CriticSamples = Annotated[int | None, typer.Option(help="Critic samples averaged per score.")]
WMFormatOption = Annotated[WMFormat | None, typer.Option(help="World-model prediction format.")]
ProposalsOption = Annotated[
    ProposalMode | None,
    typer.Option(
        help="How the policy makes candidates: list (the model writes K actions in one "
        "reply) or rank (every valid action ranked by the model's likelihood; the "
        "embedded server only)."
    ),
]
GateThreshold = Annotated[float, typer.Option(help="Score an irreversible action needs.")]
NoSpeculate = Annotated[
    bool, typer.Option("--no-speculate", help="Plan again after every real step.")
]


def planner_overrides(
    candidates: int | None,
    depth: int | None,
    simulations: int | None,
    budget_sims: int | None,
    budget_tokens: int | None,
    budget_seconds: float | None,
    critic_samples: int | None,
    wm_format: WMFormat | None,
    proposals: ProposalMode | None = None,
) -> dict[str, Any]:
    """The planner options a user set (``AgentConfig.planner``)."""
    values = {
        "candidates": candidates,
        "depth": depth,
        "simulations": simulations,
        "budget_sims": budget_sims,
        "budget_tokens": budget_tokens,
        "budget_seconds": budget_seconds,
        "critic_samples": critic_samples,
        "wm_format": wm_format.value if wm_format else None,
        "proposals": proposals.value if proposals else None,
    }
    return {k: v for k, v in values.items() if v is not None}
