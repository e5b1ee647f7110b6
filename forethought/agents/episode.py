"""Run one episode: start the env, drive the loop's graph, judge, and write the trace.

Every run has a folder (``$FORETHOUGHT_HOME/runs/RUN_ID`` by default) holding the trace,
the LangGraph SQLite checkpoints, the intent log, the browser's storage state and, for
built-in sites, the site database — so a killed run resumes where it was.

An episode cancelled while it runs (a time limit, an interrupt) is still judged on the
state it left the sites in: its ``result.json`` carries that verdict with the stop reason
``StopReason.CANCELLED``, and the cancellation goes on to the caller. Such a run stays
resumable.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from forethought.agents.config import AgentConfig
from forethought.agents.events import ApprovalAsked, Ended, EventSink, Started
from forethought.agents.pipeline import build_graph
from forethought.agents.recording import save_browser
from forethought.agents.result import (
    ApprovalRequest,
    EpisodeResult,
    EpisodeStatus,
    FidelitySummary,
)
from forethought.agents.runtime import Roles, Runtime
from forethought.agents.state import CHECKPOINT_TYPES, LoopState, StopReason, kept
from forethought.agents.trace import RESULT, TraceWriter, new_run_id, read_trace, run_dir
from forethought.envs.factory import EnvFactory, SuiteEnvs
from forethought.envs.types import Environment, Observation, ResumableEnvironment, Task, Verdict
from forethought.settings import __version__
from forethought.worldmodel.client import logging_calls
from forethought.worldmodel.fidelity import element_f1

#: How a person answers an approval request (``ask`` mode): True runs the action.
Approver = Callable[[ApprovalRequest], Awaitable[bool] | bool]

_T = TypeVar("_T")

#: Seconds a cancelled episode may spend on reading its last state, and again on judging it.
CANCEL_JUDGE_SECONDS = 15.0


class ResumeError(RuntimeError):
    """A run cannot be resumed (unknown, finished, or its configuration changed)."""


def manifest_for(
    task: Task, config: AgentConfig, seed: int, models: dict[str, str], run_id: str = ""
) -> dict[str, Any]:
    from forethought.worldmodel import registry

    hashes = {
        role: registry.MODELS[name].sha256 if name in registry.MODELS else None
        for role, name in models.items()
    }
    return {
        "run_id": run_id,
        "task": task.model_dump(mode="json"),
        "seed": seed,
        "config": config.model_dump(mode="json"),
        "config_hash": config.fingerprint(),
        "max_steps": config.steps_for(task),
        "models": models,
        "model_sha256": hashes,
        "forethought_version": __version__,
        "started_at": datetime.now(UTC).isoformat(),
    }


async def run_episode(
    task: Task,
    config: AgentConfig,
    roles: Roles,
    *,
    seed: int = 0,
    models: dict[str, str] | None = None,
    run_id: str | None = None,
    folder: Path | None = None,
    resume: bool = False,
    answer: bool | None = None,
    events: EventSink | None = None,
    approver: Approver | None = None,
    envs: EnvFactory | None = None,
) -> EpisodeResult:
    """Run (or resume) one episode of ``task`` and return its result.

    - ``envs`` makes the episode's environment (default: :class:`SuiteEnvs`, the task's
      suite's own).
    - In ``ask`` mode an irreversible action waits for ``approver``; without one, the
      result has status ``awaiting_approval`` and the run stays resumable: resume it with
      ``answer`` (True runs the action), or with an ``approver`` to ask again.
    - Cancelled (``asyncio.wait_for`` ran out, say) once the loop runs, it judges the
      sites' state as they are (shielded, within :data:`CANCEL_JUDGE_SECONDS`), writes
      that result with stop reason ``cancelled`` and re-raises the cancellation. When the
      state cannot be judged, no result is written.
    """
    run_id = run_id or new_run_id()
    folder = Path(folder) if folder else run_dir(run_id)
    models = models or {}
    trace = TraceWriter(folder)
    manifest = manifest_for(task, config, seed, models, run_id)
    if resume:
        _check_resumable(folder, manifest)
        (folder / RESULT).unlink(missing_ok=True)  # a cancelled run's verdict is void now
    else:
        trace.write_manifest(manifest)
    env = (envs or SuiteEnvs())(task, folder)
    started = time.perf_counter()
    try:
        obs, restarted = await _open(env, task, seed, folder, resume)
        rt = Runtime(task, env, _bind_goal(roles, env.goal), config, folder, trace, events)
        await save_browser(rt)
        await rt.emit(Started(goal=rt.goal, url=obs.url, run_id=run_id))
        drive = _Driver(rt, run_id, approver)
        state: LoopState | None = None
        try:
            with logging_calls(trace.calls):
                state, waiting = await drive.run(obs, resume and not restarted, answer)
            verdict = None if waiting else await _evaluate(env, state.answer)
        except asyncio.CancelledError:
            last = state or drive.last or LoopState(obs=kept(obs))
            verdict = await _settle(env.evaluate(last.answer), CANCEL_JUDGE_SECONDS)
            if verdict is not None:
                result = _result(
                    run_id, task, config, seed, models, last, verdict, folder, restarted
                )
                result.stop_reason = StopReason.CANCELLED.value
                result.seconds = time.perf_counter() - started
                trace.write_result(result)
            raise
    finally:
        await env.close()
    result = _result(run_id, task, config, seed, models, state, verdict, folder, restarted)
    result.approval = waiting
    result.seconds = time.perf_counter() - started
    if verdict is not None:  # a run awaiting approval stays resumable: no result.json
        trace.write_result(result)
    recorded = read_trace(folder)
    result.trajectory, result.trees = recorded.steps, recorded.trees
    await rt.emit(
        Ended(step=result.steps, success=result.success, answer=result.answer, status=result.status)
    )
    return result


def _bind_goal(roles: Roles, goal: str) -> Roles:
    """Roles whose world model knows the goal (it is part of the shared prompt prefix)."""
    with_goal = getattr(roles.world_model, "with_goal", None)
    return Roles(roles.policy, with_goal(goal), roles.critic) if with_goal else roles


class _Driver:
    """Runs the loop's graph to its end (or to an unanswered approval request)."""

    def __init__(self, rt: Runtime, run_id: str, approver: Approver | None) -> None:
        self.rt, self.approver = rt, approver
        self.cfg = {
            "configurable": {"thread_id": run_id},
            "recursion_limit": 40 * rt.max_steps,
        }
        #: The last checkpointed state, read when the run is cancelled.
        self.last: LoopState | None = None

    async def run(
        self, obs: Observation, resuming: bool, answer: bool | None
    ) -> tuple[LoopState, ApprovalRequest | None]:
        db = self.rt.run_dir / "checkpoints.sqlite"
        async with aiosqlite.connect(db) as conn:
            serde = JsonPlusSerializer(allowed_msgpack_modules=CHECKPOINT_TYPES)
            saver = AsyncSqliteSaver(conn, serde=serde)
            graph = build_graph(self.rt).compile(checkpointer=saver)
            try:
                payload = await self._first_input(graph, obs, resuming, answer)
                while True:
                    await graph.ainvoke(payload, self.cfg)
                    snapshot = await graph.aget_state(self.cfg)
                    state = LoopState.model_validate(snapshot.values)
                    if not snapshot.interrupts:
                        return state, None
                    request: ApprovalRequest = snapshot.interrupts[0].value
                    await self.rt.emit(ApprovalAsked(step=request.step, request=request))
                    if self.approver is None:
                        return state, request
                    payload = Command(resume=await _ask(self.approver, request))
            except asyncio.CancelledError:
                self.last = await _settle(self._saved(graph), CANCEL_JUDGE_SECONDS)
                raise

    async def _saved(self, graph: CompiledStateGraph) -> LoopState | None:
        """The state of the last checkpoint (``None`` before the first one)."""
        snapshot = await graph.aget_state(self.cfg)
        return LoopState.model_validate(snapshot.values) if snapshot.values else None

    async def _first_input(
        self, graph: CompiledStateGraph, obs: Observation, resuming: bool, answer: bool | None
    ) -> Any:
        """The graph's input: a new state, a person's answer, or ``None`` to go on."""
        snapshot = await graph.aget_state(self.cfg) if resuming else None
        waiting = bool(snapshot and snapshot.interrupts)
        if answer is not None and not waiting:
            raise ResumeError("the run has no approval request waiting for an answer")
        if snapshot is None or not snapshot.values:  # new, or killed before its first node
            return {"obs": kept(obs), "step": 0}
        saved = LoopState.model_validate(snapshot.values)
        if waiting and self._still_there(saved, obs):
            # The gate asks again (cheaply: nothing is imagined or scored twice).
            return None if answer is None else Command(resume=answer)
        # Plan again on the reopened page (an approval for another page is void).
        step = saved.step
        last = self.rt.intents.last_step()
        if last is not None and last >= step:
            step = last + 1  # that action was attempted: never repeat it
        reopened = kept(obs).model_copy(update={"memory": saved.history})
        # (the world may have moved meanwhile: what was tried on a page may be tried again)
        update = {"obs": reopened, "step": step, "pending": None, "continuation": [], "tried": {}}
        await graph.aupdate_state(self.cfg, update, as_node="act")
        return None

    def _still_there(self, saved: LoopState, obs: Observation) -> bool:
        """Whether the reopened page is the one the pending action was chosen on."""
        action = saved.pending.action if saved.pending else None
        if action is None:
            return False
        if action.target is not None:
            before, now = saved.obs.element(action.target), obs.element(action.target)
            if now is None or before is None or now.match_key != before.match_key:
                return False
        similar = element_f1(saved.obs.elements, obs.elements)
        return similar >= self.rt.config.speculate_threshold


async def _ask(approver: Approver, request: ApprovalRequest) -> bool:
    answer = approver(request)
    if isinstance(answer, Awaitable):
        answer = await answer
    return bool(answer)


async def _open(
    env: Environment, task: Task, seed: int, folder: Path, resume: bool
) -> tuple[Observation, bool]:
    """Start the episode, or reopen it where the run was; ``True`` if it had to restart."""
    from forethought.envs.setup import RestoreUnsupported

    saved = folder / "browser.json"
    if not resume:
        return await env.reset(task, seed), False
    if saved.exists() and isinstance(env, ResumableEnvironment):
        try:
            return await env.reopen(task, json.loads(saved.read_text())), False
        except RestoreUnsupported:
            pass
    return await env.reset(task, seed), True


async def _settle(work: Coroutine[Any, Any, _T], seconds: float) -> _T | None:
    """``work``'s result, for a task being cancelled: shielded from that cancellation and
    bounded by ``seconds``; ``None`` if it fails, runs out of time or is cancelled again."""
    job = asyncio.ensure_future(work)
    try:
        return await asyncio.wait_for(asyncio.shield(job), seconds)
    except (Exception, asyncio.CancelledError):
        job.cancel()
        return None


async def _evaluate(env: Any, answer: str | None) -> Verdict:
    try:
        return await env.evaluate(answer)
    except Exception as err:  # a custom goal on a built-in site has no verifier
        return Verdict(success=False, detail=f"not verified: {err}")


def _check_resumable(folder: Path, manifest: dict[str, Any]) -> None:
    path = folder / "manifest.json"
    if not path.exists():
        raise ResumeError(f"no run to resume at {folder}")
    if _finished(folder):
        raise ResumeError(f"run at {folder} already finished")
    old = json.loads(path.read_text())
    for key in ("config_hash", "models", "seed"):
        if old.get(key) != manifest.get(key):
            raise ResumeError(
                f"the configuration changed since the run started ({key}: "
                f"{old.get(key)!r} → {manifest.get(key)!r}); start a new run instead"
            )
    if old.get("task", {}).get("id") != manifest["task"]["id"]:
        raise ResumeError("the task changed since the run started; start a new run instead")


def _finished(folder: Path) -> bool:
    """Whether the run has a result that ends it (a cancelled run's does not)."""
    path = folder / RESULT
    if not path.exists():
        return False
    return json.loads(path.read_text()).get("stop_reason") != StopReason.CANCELLED


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _result(
    run_id: str,
    task: Task,
    config: AgentConfig,
    seed: int,
    models: dict[str, str],
    state: LoopState,
    verdict: Verdict | None,
    folder: Path,
    restarted: bool,
) -> EpisodeResult:
    scored = [f for f in state.fidelity if f.f1 is not None]
    changes = [f.change_f1 for f in state.fidelity if f.change_f1 is not None]
    return EpisodeResult(
        run_id=run_id,
        task_id=task.id,
        agent=config.agent.value,
        seed=seed,
        model=models.get("policy", ""),
        status=EpisodeStatus.AWAITING_APPROVAL if verdict is None else EpisodeStatus.FINISHED,
        success=bool(verdict and verdict.success),
        reward=verdict.reward if verdict else None,
        answer=state.answer,
        steps=state.step,
        stop_reason=state.stop_reason.value if state.stop_reason else None,
        trap_triggered=bool(verdict and verdict.trap_triggered),
        verdict_detail=verdict.detail if verdict else "",
        gate_events=state.gate_events,
        speculative_actions=state.speculative_actions,
        speculative_calls_saved=state.speculative_calls_saved,
        fidelity=FidelitySummary(
            f1=_mean([f.f1 for f in scored if f.f1 is not None]),
            identity_f1=_mean([f.identity_f1 for f in scored]),
            change_f1=_mean(changes),
            n=len(state.fidelity),
        ),
        usage=state.usage,
        restarted=restarted,
        trace_dir=str(folder),
    )
