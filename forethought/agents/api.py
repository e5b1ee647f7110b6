"""The public Python API: ``Agent``.

```python
from forethought import Agent, AgentConfig

agent = Agent(AgentConfig(agent="lookahead"))          # the embedded model, started for you
result = agent.run_sync("shop.cancel-order-1")         # a built-in task id, or a Task
```
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from forethought import settings
from forethought.agents.config import AgentConfig
from forethought.agents.episode import Approver, ResumeError, run_episode
from forethought.agents.events import Event, EventSink, Finished
from forethought.agents.result import EpisodeResult
from forethought.agents.runtime import Roles
from forethought.agents.trace import read_manifest, resolve_trace
from forethought.envs.factory import EnvFactory, SuiteEnvs
from forethought.envs.types import Action, Observation, Task
from forethought.planner import Critic, Policy, WMFormat, WorldModel
from forethought.worldmodel import registry
from forethought.worldmodel.client import LLMClient
from forethought.worldmodel.critic import LLMCritic
from forethought.worldmodel.policy import LLMPolicy
from forethought.worldmodel.serving.managed import ManagedServer
from forethought.worldmodel.world_model import LLMWorldModel

ROLES = ("policy", "world_model", "critic")


def make_task(
    task_or_goal: Task | str,
    *,
    site: str | None = None,
    url: str | None = None,
    allowed_origins: list[str] | None = None,
    seed: int = 0,
) -> Task:
    """A Task from a Task, a built-in task id, or a goal with ``site`` or ``url``."""
    if isinstance(task_or_goal, Task):
        return task_or_goal
    text = task_or_goal.strip()
    if site is None and url is None:
        from forethought.envs.suites import load_tasks

        matches = load_tasks("builtin", seed=seed, ids=[text]) if "." in text else []
        if matches:
            return matches[0]
        raise ValueError(
            f"{text!r} is not a built-in task id; give a goal with site= or url= "
            "(see `forethought tasks list`)"
        )
    if url is not None:
        return Task(id="custom", goal=text, start_url=url, allowed_origins=allowed_origins or [])
    from forethought.envs.sites import get_site

    get_site(site)  # raises a clear error for unknown sites
    return Task(id=f"{site}.custom", goal=text, suite="builtin", site=site, start_url=f"/{site}/")


class Agent:
    """An agent that looks before it clicks.

    Models: with no ``base_url``, the embedded model (``model``, default
    ``qwen2.5-coder-1.5b-instruct``) is served for you; with ``base_url``, any
    OpenAI-compatible endpoint. ``role_models`` overrides one role's model
    (``{"critic": "…"}``). Pass ``policy``/``world_model``/``critic`` objects to plug in
    your own implementations of the planner's protocols, and ``envs`` (an
    :class:`~forethought.envs.factory.EnvFactory`) to run tasks in your own environment.

    In ``ask`` mode (``AgentConfig(on_irreversible="ask")``) an irreversible action waits
    for ``approver``; without one, :meth:`run` returns a result with status
    ``awaiting_approval`` and its ``approval`` request: answer it with :meth:`answer`.
    """

    def __init__(
        self,
        config: AgentConfig | None = None,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        role_models: dict[str, str] | None = None,
        policy: Policy[Observation, Action] | None = None,
        world_model: WorldModel[Observation, Action] | None = None,
        critic: Critic[Observation, Action] | None = None,
        approver: Approver | None = None,
        headed: bool = False,
        envs: EnvFactory | None = None,
        spec: str | None = None,
    ) -> None:
        self.config = config or AgentConfig()
        unknown = set(role_models or {}) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}; roles are {', '.join(ROLES)}")
        default = model or (None if base_url else settings.DEFAULT_MODEL)
        self.models = {role: (role_models or {}).get(role) or default or "" for role in ROLES}
        if base_url is None and not all(self.models.values()):
            raise ValueError("give model= (or role_models for every role)")
        self.base_url = base_url
        self.api_key = api_key
        self.custom = {"policy": policy, "world_model": world_model, "critic": critic}
        self.approver = approver
        self.envs = envs or SuiteEnvs(headed=headed)
        self.spec = spec
        self._servers: dict[str, ManagedServer] = {}
        self._clients: dict[str, LLMClient] = {}

    # --- models ------------------------------------------------------------------------

    def _client(self, model: str) -> LLMClient:
        if model not in self._clients:
            if self.base_url:
                url = self.base_url
            else:
                if model in registry.MODELS:
                    registry.pull(model)
                server = self._servers.setdefault(model, ManagedServer(model, spec=self.spec))
                url = server.start()
            self._clients[model] = LLMClient(base_url=url, model=model, api_key=self.api_key)
        return self._clients[model]

    def roles(self) -> Roles:
        """The roles for this agent's configuration (LLM ones unless plugged in)."""
        options = self.config.planner_options()
        policy = self.custom["policy"] or LLMPolicy(
            self._client(self.models["policy"]), proposals=options.proposals
        )
        world_model = self.custom["world_model"] or LLMWorldModel(
            self._client(self.models["world_model"]), format=WMFormat(options.wm_format)
        )
        critic = self.custom["critic"] or LLMCritic(
            self._client(self.models["critic"]),
            samples=options.critic_samples,
            rubric=options.critic_rubric == "coarse",
        )
        return Roles(policy, world_model, critic)  # type: ignore[arg-type]

    # --- running -----------------------------------------------------------------------

    async def run(
        self,
        task_or_goal: Task | str,
        *,
        site: str | None = None,
        url: str | None = None,
        allowed_origins: list[str] | None = None,
        seed: int = 0,
        run_id: str | None = None,
        folder: Path | None = None,
        resume: bool = False,
        events: EventSink | None = None,
    ) -> EpisodeResult:
        """Solve one task; returns the result (trace written under the run folder)."""
        task = make_task(
            task_or_goal, site=site, url=url, allowed_origins=allowed_origins, seed=seed
        )
        return await self._episode(
            task, seed=seed, run_id=run_id, folder=folder, resume=resume, events=events
        )

    async def answer(
        self, run: EpisodeResult | str | Path, approve: bool, *, events: EventSink | None = None
    ) -> EpisodeResult:
        """Answer the approval request a run awaits (``approve=True`` runs the action), and
        continue the run. ``run`` is its result, its run id or its folder."""
        folder = Path(run.trace_dir or "") if isinstance(run, EpisodeResult) else None
        try:
            folder = resolve_trace(folder or run)  # type: ignore[arg-type]
        except FileNotFoundError as err:
            raise ResumeError(str(err)) from None
        manifest = read_manifest(folder)
        return await self._episode(
            Task.model_validate(manifest["task"]),
            seed=manifest.get("seed", 0),
            run_id=manifest.get("run_id") or folder.name,
            folder=folder,
            resume=True,
            answer=approve,
            events=events,
        )

    async def _episode(self, task: Task, **options: Any) -> EpisodeResult:
        roles = await asyncio.to_thread(self.roles)
        return await run_episode(
            task,
            self.config,
            roles,
            models=self.models,
            approver=self.approver,
            envs=self.envs,
            **options,
        )

    def run_sync(self, task_or_goal: Task | str, **kwargs: Any) -> EpisodeResult:
        """:meth:`run` for code without an event loop; stops the model servers after."""

        async def main() -> EpisodeResult:
            try:
                return await self.run(task_or_goal, **kwargs)
            finally:
                await self.aclose()

        return asyncio.run(main())

    async def stream(self, task_or_goal: Task | str, **kwargs: Any) -> AsyncIterator[Event]:
        """Yield step events (planning, candidates, gate decisions, actions) as they happen;
        the last one is :class:`~forethought.agents.events.Finished`, with the result."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        job = asyncio.create_task(self.run(task_or_goal, events=queue.put_nowait, **kwargs))
        job.add_done_callback(lambda _: queue.put_nowait(None))
        while (event := await queue.get()) is not None:
            yield event
        yield Finished(result=await job)

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
        for server in self._servers.values():
            await asyncio.to_thread(server.stop)
        self._servers.clear()

    async def __aenter__(self) -> Agent:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
