"""What an evaluation runs: the suite, agents, seeds, model and agent settings.

The configuration is stored with the results; a different one for the same folder is
refused. Operational choices (workers, backend, the server's URL) are not part of it.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from pydantic import BaseModel, Field, field_validator

from forethought.agents.config import AgentConfig, MaxSteps, OnIrreversible
from forethought.envs.types import Task
from forethought.settings import DEFAULT_MODEL


class EvalConfigError(ValueError):
    """The evaluation cannot run as asked; the message says what to change."""


class EvalConfig(BaseModel):
    """Every (task, agent, seed) of this runs as one episode."""

    suite: str = "builtin"
    tasks: list[str] | None = Field(None, description="task ids, in this order")
    limit: int | None = None
    tasks_file: str | None = None
    agents: list[str] = Field(min_length=1)
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)
    model: str = DEFAULT_MODEL
    #: Real steps per episode: a number, or ``"auto"`` (per task; see ``AgentConfig``).
    max_steps: MaxSteps = "auto"
    gate: bool = True
    gate_threshold: float = Field(0.75, ge=0, le=1)
    on_irreversible: OnIrreversible = OnIrreversible.ALLOW_SCORED
    speculate: bool = True
    #: Planner options given on the command line (``None`` values are dropped).
    planner: dict[str, Any] = Field(default_factory=dict)
    episode_timeout: float = Field(900.0, gt=0)

    @field_validator("planner")
    @classmethod
    def _drop_unset(cls, value: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in value.items() if v is not None}

    def agent_config(self, spec: str) -> AgentConfig:
        """The agent configuration for one agent spec such as ``reactive:gate-off``."""
        try:
            return AgentConfig.from_spec(
                spec,
                gate=self.gate,
                gate_threshold=self.gate_threshold,
                on_irreversible=self.on_irreversible,
                speculate=self.speculate,
                max_steps=self.max_steps,
                planner=self.planner,
            )
        except ValueError as exc:
            raise EvalConfigError(str(exc)) from exc

    def validate_agents(self) -> None:
        """Checks every agent spec (and its planner options) before anything runs."""
        if self.on_irreversible is OnIrreversible.ASK:
            raise EvalConfigError(
                "--on-irreversible ask needs a person at a terminal; in eval use "
                "allow-scored (the default) or deny"
            )
        if len(set(self.agents)) != len(self.agents):
            raise EvalConfigError(f"an agent is listed twice in {','.join(self.agents)}")
        for spec in self.agents:
            try:
                self.agent_config(spec).planner_options()
            except ValueError as exc:
                raise EvalConfigError(f"agent {spec!r}: {exc}") from exc

    def canonical(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def fingerprint(self) -> str:
        blob = json.dumps(self.canonical(), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def differences(self, other: dict[str, Any]) -> list[str]:
        """``field: stored → now`` for each field that differs from a stored config."""
        mine = self.canonical()
        keys = sorted(set(mine) | set(other))
        return [
            f"{k}: {other.get(k)!r} → {mine.get(k)!r}" for k in keys if mine.get(k) != other.get(k)
        ]


def parse_seeds(seeds: str | None, episodes: int | None) -> list[int]:
    """``--seeds 0,1,2`` or ``--episodes N`` (seeds 0..N-1); giving both is an error."""
    if seeds is not None and episodes is not None:
        raise EvalConfigError("give either --seeds or --episodes, not both")
    if episodes is not None:
        if episodes < 1:
            raise EvalConfigError("--episodes must be at least 1")
        return list(range(episodes))
    if seeds is None:
        return [0]
    try:
        out = [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError as exc:
        raise EvalConfigError(f"--seeds takes integers separated by commas, not {seeds!r}") from exc
    if not out or len(set(out)) != len(out):
        raise EvalConfigError(f"--seeds needs distinct integers, got {seeds!r}")
    return out


def split_list(value: str | None) -> list[str] | None:
    """``a,b , c`` → ``["a", "b", "c"]`` (``None`` stays ``None``)."""
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


class Episode(BaseModel):
    """One (task, agent, seed) of an evaluation."""

    task: Task
    agent: str
    seed: int

    @property
    def key(self) -> str:
        """A stable id, also the episode's trace folder name."""
        raw = f"{self.task.id}--{self.agent.replace(':', '+')}--s{self.seed}"
        return re.sub(r"[^A-Za-z0-9.+_-]+", "_", raw)
