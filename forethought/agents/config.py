"""Agent configuration: which agent, the gate, speculation, the step limit, the planner."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from forethought.planner import PlannerOptions

AgentName = Literal["reactive", "lookahead", "mcts", "beam", "webdreamer"]
AGENTS: tuple[str, ...] = ("reactive", "lookahead", "mcts", "beam", "webdreamer")
OnIrreversible = Literal["allow-scored", "deny", "ask"]

#: The planner preset each planning agent starts from.
_PRESET = {"lookahead": "default", "mcts": "mcts", "beam": "beam", "webdreamer": "webdreamer"}


class AgentConfig(BaseModel):
    """How an agent behaves. Planner fields left ``None`` come from the agent's preset."""

    agent: AgentName = "lookahead"
    gate: bool = True
    gate_threshold: float = Field(0.75, ge=0, le=1)
    on_irreversible: OnIrreversible = "allow-scored"
    dry_run: bool = False
    speculate: bool = True
    #: Next-state F1 a real page must reach against the imagined one to keep going.
    speculate_threshold: float = Field(0.9, ge=0, le=1)
    max_steps: int = Field(8, ge=1)
    #: Overrides of the preset's planner options (candidates, depth, budgets, …).
    planner: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_spec(cls, spec: str, **fields: Any) -> AgentConfig:
        """``reactive``, ``lookahead:gate-off``, ``mcts:no-speculate`` …"""
        name, *flags = spec.split(":")
        if name not in AGENTS:
            raise ValueError(f"unknown agent {name!r}; choose from {', '.join(AGENTS)}")
        known = {"gate-off": ("gate", False), "no-speculate": ("speculate", False)}
        for flag in flags:
            if flag not in known:
                raise ValueError(
                    f"unknown agent flag {flag!r} in {spec!r}; known: {', '.join(known)}"
                )
            key, value = known[flag]
            fields[key] = value
        return cls(agent=name, **fields)

    @property
    def planning(self) -> bool:
        return self.agent != "reactive"

    def planner_options(self) -> PlannerOptions:
        preset = _PRESET.get(self.agent, "default")
        overrides = {k: v for k, v in self.planner.items() if v is not None}
        return PlannerOptions.preset(preset, **overrides)

    def fingerprint(self) -> str:
        """A short hash of the configuration (resume refuses a changed one)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]
