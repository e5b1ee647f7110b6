"""Agent configuration: which agent, the gate, speculation, the step limit, the planner."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any

from pydantic import Field, create_model, model_validator

from forethought.planner import PlannerOptions, StrictModel


class AgentKind(StrEnum):
    """The agents: one reacts, the others plan by imagining outcomes."""

    REACTIVE = "reactive"
    LOOKAHEAD = "lookahead"
    MCTS = "mcts"
    BEAM = "beam"
    WEBDREAMER = "webdreamer"


AGENTS: tuple[str, ...] = tuple(kind.value for kind in AgentKind)


class OnIrreversible(StrEnum):
    """What the gate does with an irreversible action whose outcome scored high enough."""

    ALLOW_SCORED = "allow-scored"
    DENY = "deny"
    ASK = "ask"


#: The planner preset each planning agent starts from.
_PRESET = {
    AgentKind.LOOKAHEAD: "default",
    AgentKind.MCTS: "mcts",
    AgentKind.BEAM: "beam",
    AgentKind.WEBDREAMER: "webdreamer",
}

#: Overrides of an agent's planner preset: every :class:`PlannerOptions` field, optional.
PlannerOverrides = create_model(
    "PlannerOverrides",
    __base__=StrictModel,
    __doc__="Planner options that override the agent's preset (unset ones: the preset's).",
    **{
        name: (info.annotation | None, None)  # type: ignore[operator]
        for name, info in PlannerOptions.model_fields.items()
    },
)

#: Agent flags in specs such as ``reactive:gate-off``.
_FLAGS = {"gate-off": ("gate", False), "no-speculate": ("speculate", False)}


class AgentConfig(StrictModel):
    """How an agent behaves. Planner options left unset come from the agent's preset.

    Unknown keys are refused with the nearest valid one named.
    """

    agent: AgentKind = AgentKind.LOOKAHEAD
    gate: bool = True
    gate_threshold: float = Field(0.75, ge=0, le=1)
    on_irreversible: OnIrreversible = OnIrreversible.ALLOW_SCORED
    dry_run: bool = False
    speculate: bool = True
    #: Next-state F1 a real page must reach against the imagined one to keep going.
    speculate_threshold: float = Field(0.9, ge=0, le=1)
    max_steps: int = Field(8, ge=1)
    planner: PlannerOverrides = Field(default_factory=PlannerOverrides)  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _planner_valid(self) -> AgentConfig:
        self.planner_options()  # a bad value (candidates=0, say) fails here, not mid-run
        return self

    @classmethod
    def from_spec(cls, spec: str, **fields: Any) -> AgentConfig:
        """``reactive``, ``lookahead:gate-off``, ``mcts:no-speculate`` …"""
        name, *flags = spec.split(":")
        if name not in AGENTS:
            raise ValueError(f"unknown agent {name!r}; choose from {', '.join(AGENTS)}")
        for flag in flags:
            if flag not in _FLAGS:
                raise ValueError(
                    f"unknown agent flag {flag!r} in {spec!r}; known: {', '.join(_FLAGS)}"
                )
            key, value = _FLAGS[flag]
            fields[key] = value
        return cls(agent=name, **fields)

    @property
    def planning(self) -> bool:
        return self.agent is not AgentKind.REACTIVE

    def planner_options(self) -> PlannerOptions:
        preset = _PRESET.get(self.agent, "default")
        return PlannerOptions.preset(preset, **self.planner.model_dump(exclude_none=True))

    def fingerprint(self) -> str:
        """A short hash of the configuration (resume refuses a changed one)."""
        blob = json.dumps(self.model_dump(mode="json", exclude_none=True), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]
