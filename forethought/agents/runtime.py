"""What one episode runs with: the env, the roles, imagination, the trace, events."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forethought.agents.config import AgentConfig
from forethought.agents.events import Event, EventSink
from forethought.agents.imagining import ImaginingService
from forethought.agents.trace import TraceWriter
from forethought.envs.types import Action, Environment, Observation, Task
from forethought.planner import Critic, Memo, Policy, SearchTree, WorldModel


@dataclass
class Roles:
    """The three roles the agent plans with (LLM ones, or any protocol implementation)."""

    policy: Policy[Observation, Action]
    world_model: WorldModel[Observation, Action]
    critic: Critic[Observation, Action]


class IntentLog:
    """Before each real action an intent line is written and synced; after it, a done line.

    A resumed run reads it, so an action whose intent was written is never run again.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def _write(self, record: dict[str, Any]) -> None:
        with self.path.open("a") as fh:
            fh.write(json.dumps(record) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def intend(self, step: int, action: Action) -> None:
        self._write({"step": step, "action": str(action), "status": "intent", "t": time.time()})

    def done(self, step: int, action: Action) -> None:
        self._write({"step": step, "action": str(action), "status": "done", "t": time.time()})

    def records(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def last_step(self) -> int | None:
        """The last step whose action was attempted (intended), if any."""
        steps = [r["step"] for r in self.records()]
        return max(steps) if steps else None


@dataclass
class Runtime:
    """Everything the graph's nodes need that is not checkpointed state."""

    task: Task
    env: Environment
    roles: Roles
    config: AgentConfig
    run_dir: Path
    trace: TraceWriter
    events: EventSink | None = None
    memo: Memo[Observation, Action] = field(default_factory=Memo)
    tree: SearchTree[Observation, Action] | None = None  # the last decision's, for reuse
    last_action: Action | None = None
    imagining: ImaginingService = field(init=False)

    def __post_init__(self) -> None:
        self.imagining = ImaginingService(self.roles.world_model, self.roles.critic)

    @property
    def intents(self) -> IntentLog:
        return IntentLog(self.run_dir / "intents.jsonl")

    @property
    def max_steps(self) -> int:
        """This episode's step limit (``auto`` resolved for the task)."""
        return self.config.steps_for(self.task)

    @property
    def goal(self) -> str:
        return self.env.goal or self.task.goal

    async def emit(self, event: Event) -> None:
        """Reports ``event``; the LLM calls that follow belong to its step in the trace."""
        self.trace.calls.step = event.step
        if self.events is None:
            return
        result = self.events(event)
        if isinstance(result, Awaitable):
            await result
