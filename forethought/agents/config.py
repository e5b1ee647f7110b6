"""Agent configuration: which agent, the gate, speculation, the step limit, the planner."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, create_model, model_validator

from forethought.envs.types import Task
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

#: Real steps for a task without a reference solution (``meta["min_actions"]``).
DEFAULT_MAX_STEPS = 8
#: The rule of ``max_steps="auto"``, in words (for ``--help``).
AUTO_STEPS_RULE = (
    "auto: twice the task's reference actions plus its final stop, at least 6 "
    f"(max(6, 2 × (min_actions + 1))); {DEFAULT_MAX_STEPS} for tasks without a reference solution"
)

#: A step limit: a positive number, or ``"auto"`` (from the task; see :func:`auto_steps`).
MaxSteps = Annotated[int, Field(ge=1)] | Literal["auto"]


def auto_steps(task: Task) -> int:
    """The step limit ``auto`` gives ``task``: ``max(6, 2 * (min_actions + 1))`` when the
    task knows the page actions of its reference solution (``meta["min_actions"]``; the
    +1 is the final stop), else :data:`DEFAULT_MAX_STEPS`."""
    least = task.meta.get("min_actions")
    if not isinstance(least, int) or isinstance(least, bool) or least < 0:
        return DEFAULT_MAX_STEPS
    return max(6, 2 * (least + 1))


def parse_max_steps(text: str) -> int | Literal["auto"]:
    """``--max-steps``: ``auto`` or a positive integer; a one-line ``ValueError`` otherwise."""
    value = text.strip().lower()
    if value == "auto":
        return "auto"
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise ValueError(f"--max-steps takes auto or a positive integer, not {text!r}")


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
    #: Real steps at most: a number, or ``"auto"`` (per task: :meth:`steps_for`).
    max_steps: MaxSteps = "auto"
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

    def steps_for(self, task: Task) -> int:
        """The step limit for ``task``: ``max_steps``, or :func:`auto_steps` for ``auto``."""
        return auto_steps(task) if self.max_steps == "auto" else self.max_steps

    def planner_options(self) -> PlannerOptions:
        preset = _PRESET.get(self.agent, "default")
        return PlannerOptions.preset(preset, **self.planner.model_dump(exclude_none=True))

    def fingerprint(self) -> str:
        """A short hash of the configuration (resume refuses a changed one)."""
        blob = json.dumps(self.model_dump(mode="json", exclude_none=True), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]
