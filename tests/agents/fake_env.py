"""A fake environment (named as such) for fast tests of the agent loop.

``FakeSite`` is a small state machine of scripted pages: each page is an
:class:`Observation`, and each (page, action) leads to another page. No browser and no
model run, so a whole episode takes milliseconds. Everything else in the loop is real:
LangGraph, its SQLite checkpoints, the planner, the gate, the trace.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forethought.envs.types import (
    Action,
    ActionKind,
    Element,
    Observation,
    Risk,
    StepResult,
    Task,
    Verdict,
    Write,
    WritePermit,
)
from forethought.planner import Cost

TASK = Task(id="fake.delete", goal="Delete the draft called 'Old notes'.", start_url="fake://inbox")


def page(name: str, *elements: tuple[str, str, str]) -> Observation:
    """A page at ``fake://name`` with elements ``(id, role, name)``."""
    return Observation(
        url=f"fake://{name}",
        title=name,
        elements=[Element(id=i, role=role, name=label) for i, role, label in elements],
    )


#: inbox → drafts → open the draft → delete it (irreversible); "Archive" is a decoy.
PAGES = {
    "inbox": page(
        "inbox", ("1", "link", "Drafts"), ("2", "link", "Holiday plans"), ("3", "button", "Help")
    ),
    "drafts": page("drafts", ("10", "link", "Old notes"), ("11", "link", "Inbox")),
    "draft": page("draft", ("4", "button", "Delete draft"), ("5", "button", "Archive")),
    "plans": page("plans", ("6", "button", "Back")),
    "deleted": page("deleted", ("7", "text", "Draft deleted"), ("8", "link", "Inbox")),
    "archived": page("archived", ("9", "text", "Draft archived")),
}
MOVES = {
    ("inbox", "click(1)"): "drafts",
    ("drafts", "click(10)"): "draft",
    ("inbox", "click(2)"): "plans",
    ("plans", "click(6)"): "inbox",
    ("draft", "click(4)"): "deleted",
    ("draft", "click(5)"): "archived",
    ("deleted", "click(8)"): "inbox",
}


@dataclass
class FakeSite:
    """The world the fake environments share: where each run is, and what happened."""

    pages: dict[str, Observation] = field(default_factory=lambda: dict(PAGES))
    moves: dict[tuple[str, str], str] = field(default_factory=lambda: dict(MOVES))
    #: The page a run is on, by run folder: it survives the environment (resume).
    where: dict[str, str] = field(default_factory=dict)
    #: Every action executed, in order.
    executed: list[str] = field(default_factory=list)
    closed: int = 0


class FakeEnv:
    """One episode on a :class:`FakeSite` (a fake :class:`Environment`)."""

    def __init__(self, site: FakeSite, run_dir: Path) -> None:
        self.site, self.run = site, str(run_dir)
        self.task: Task | None = None

    @property
    def goal(self) -> str:
        return self.task.goal if self.task else ""

    def _obs(self, error: str | None = None) -> Observation:
        return self.site.pages[self.site.where[self.run]].model_copy(update={"error": error})

    async def reset(self, task: Task, seed: int = 0) -> Observation:
        self.task = task
        self.site.where[self.run] = task.start_url.removeprefix("fake://")
        return self._obs()

    async def step(self, action: Action) -> StepResult:
        self.site.executed.append(str(action))
        if action.kind is ActionKind.STOP:
            return StepResult(observation=self._obs(), done=True)
        here = self.site.where[self.run]
        there = self.site.moves.get((here, action.key))
        if there is None:
            return StepResult(observation=self._obs("nothing happened"), done=False)
        self.site.where[self.run] = there
        return StepResult(observation=self._obs(), done=False)

    async def evaluate(self, answer: str | None = None) -> Verdict:
        deleted = "click(4)" in self.site.executed
        archived = "click(5)" in self.site.executed
        detail = "deleted 'Old notes'" if deleted else "'Old notes' was not deleted"
        if archived:
            detail += "; archived it (the decoy)"
        return Verdict(success=deleted, trap_triggered=archived, detail=detail)

    async def close(self) -> None:
        self.site.closed += 1

    async def snapshot(self) -> dict[str, Any] | None:
        return {"page": self.site.where.get(self.run)}

    async def reopen(self, task: Task, snapshot: dict[str, Any]) -> Observation:
        self.task = task
        self.site.where[self.run] = snapshot["page"]
        return self._obs()


@dataclass
class FakeEnvs:
    """An :class:`~forethought.envs.factory.EnvFactory` of fake environments."""

    site: FakeSite = field(default_factory=FakeSite)

    def __call__(self, task: Task, run_dir: Path) -> FakeEnv:
        return FakeEnv(self.site, run_dir)


#: What each (page, action) sends to the fake server.
DELETE_WRITE = Write(method="POST", url="fake://draft/delete", risk=Risk.IRREVERSIBLE)
WRITES = {("draft", "click(4)"): [DELETE_WRITE]}


class FirewalledFakeEnv(FakeEnv):
    """A fake environment with a fake write firewall: a move that sends writes its
    permit does not allow stays on its page, and the writes are reported as blocked."""

    def __init__(self, site: FakeSite, run_dir: Path, extra: list[Write]) -> None:
        super().__init__(site, run_dir)
        self.extra = extra  # writes sent at execution beyond the probe's (a sly page)
        self.probes: list[str] = []
        self.permits: list[WritePermit | None] = []

    def _writes(self, action: Action) -> list[Write]:
        return WRITES.get((self.site.where[self.run], action.key), [])

    async def probe(self, action: Action) -> list[Write]:
        self.probes.append(str(action))
        return self._writes(action)

    async def step(self, action: Action, permit: WritePermit | None = None) -> StepResult:
        self.permits.append(permit)
        writes = self._writes(action) + (self.extra if self._writes(action) else [])
        blocked = [w for w in writes if permit is not None and not permit.allows(w)]
        if blocked:
            return StepResult(
                observation=self._obs(f"blocked write: {blocked[0].line()}"),
                error="blocked write",
                blocked_writes=blocked,
            )
        result = await super().step(action)
        result.writes = writes
        return result


@dataclass
class FirewalledFakeEnvs(FakeEnvs):
    """Fake environments with a fake write firewall (see :class:`FirewalledFakeEnv`)."""

    extra: list[Write] = field(default_factory=list)
    made: list[FirewalledFakeEnv] = field(default_factory=list)

    def __call__(self, task: Task, run_dir: Path) -> FirewalledFakeEnv:
        env = FirewalledFakeEnv(self.site, run_dir, self.extra)
        self.made.append(env)
        return env


class TableWorldModel:
    """A fake world model that knows the site's moves: it imagines exactly."""

    def __init__(self, site: FakeSite) -> None:
        self.site = site
        self.calls = 0

    async def simulate(self, state: Observation, action: Action) -> tuple[Observation, Cost]:
        self.calls += 1
        here = state.url.removeprefix("fake://")
        there = self.site.moves.get((here, action.key), here)
        return self.site.pages[there], Cost(calls=1, prompt_tokens=10, completion_tokens=5)


class HangingPolicy:
    """A fake policy that follows ``script``, then never answers (a model server that
    hangs) once the page's URL ends with ``hang_at``."""

    def __init__(self, script: list[tuple[str, str]], hang_at: str) -> None:
        from tests.agents.doubles import ScriptedPolicy

        self.inner, self.hang_at = ScriptedPolicy(script), hang_at

    async def propose(self, goal: str, state: Observation, k: int):
        if state.url.endswith(self.hang_at):
            await asyncio.Event().wait()
        return await self.inner.propose(goal, state, k)


class UnjudgeableEnvs(FakeEnvs):
    """Fake environments whose verifier fails (the state cannot be judged)."""

    def __call__(self, task: Task, run_dir: Path) -> FakeEnv:
        env = FakeEnv(self.site, run_dir)

        async def evaluate(answer: str | None = None) -> Verdict:
            raise RuntimeError("the site's database is gone (fake)")

        env.evaluate = evaluate  # type: ignore[method-assign]
        return env


class FailingPolicy:
    """A fake policy whose model server is gone."""

    async def propose(self, goal: str, state: Observation, k: int):
        raise ConnectionError("the model server is gone")
