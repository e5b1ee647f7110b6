"""Run one episode: start the env, drive the loop's graph, judge, and write the trace.

Every run has a folder (``$FORETHOUGHT_HOME/runs/RUN_ID`` by default) holding the trace,
the LangGraph SQLite checkpoints, the intent log, the browser's storage state and, for
built-in sites, the site database — so a killed run resumes where it was.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.types import Command

from forethought import __version__
from forethought.agents.config import AgentConfig
from forethought.agents.loop import build_graph, save_browser
from forethought.agents.result import (
    EpisodeResult,
    FidelitySummary,
    GateEvent,
    UsageSummary,
)
from forethought.agents.runtime import EventSink, Roles, Runtime
from forethought.agents.trace import TraceWriter, new_run_id, read_trace, run_dir
from forethought.envs.factory import EnvFactory, SuiteEnvs
from forethought.envs.types import Observation, ResumableEnvironment, Task, Verdict

Approver = Callable[[dict[str, Any]], Awaitable[bool] | bool]


class ResumeError(RuntimeError):
    """A run cannot be resumed (unknown, finished, or its configuration changed)."""


def manifest_for(
    task: Task, config: AgentConfig, seed: int, models: dict[str, str]
) -> dict[str, Any]:
    from forethought.worldmodel import registry

    hashes = {
        role: registry.MODELS[name].sha256 if name in registry.MODELS else None
        for role, name in models.items()
    }
    return {
        "task": task.model_dump(mode="json"),
        "seed": seed,
        "config": config.model_dump(mode="json"),
        "config_hash": config.fingerprint(),
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
    events: EventSink | None = None,
    approver: Approver | None = None,
    envs: EnvFactory | None = None,
) -> EpisodeResult:
    """Run (or resume) one episode of ``task`` and return its result.

    ``envs`` makes the episode's environment (default: :class:`SuiteEnvs`, the task's
    suite's own).
    """
    run_id = run_id or new_run_id()
    folder = Path(folder) if folder else run_dir(run_id)
    models = models or {}
    trace = TraceWriter(folder)
    manifest = manifest_for(task, config, seed, models)
    if resume:
        _check_resumable(folder, manifest)
    else:
        trace.write_manifest(manifest)
    env = (envs or SuiteEnvs())(task, folder)
    started = time.perf_counter()
    restarted = False
    try:
        if resume:
            obs, restarted = await _restore(env, task, seed, folder)
        else:
            obs = await env.reset(task, seed)
        goal = env.goal
        if hasattr(roles.world_model, "with_goal"):
            roles = Roles(roles.policy, roles.world_model.with_goal(goal), roles.critic)
        rt = Runtime(task, env, roles, config, folder, trace, events, approver=approver)
        await save_browser(rt)
        await rt.emit("start", 0, goal=goal, url=obs.url, run_id=run_id)
        state = await _drive(rt, run_id, obs, resume and not restarted)
        answer = state.get("answer")
        verdict = await _evaluate(env, answer)
    finally:
        await env.close()
    result = _result(run_id, task, config, seed, models, state, verdict, folder, restarted)
    result.seconds = time.perf_counter() - started
    trace.write_result(result)
    recorded = read_trace(folder)
    result.trajectory = recorded.steps
    result.trees = recorded.trees
    await rt.emit("end", result.steps, success=result.success, answer=result.answer)
    return result


async def _drive(rt: Runtime, run_id: str, obs: Observation, resuming: bool) -> dict[str, Any]:
    """Run the graph to its end, answering approval interrupts."""
    db = rt.run_dir / "checkpoints.sqlite"
    cfg = {"configurable": {"thread_id": run_id}, "recursion_limit": 40 * rt.config.max_steps}
    async with AsyncSqliteSaver.from_conn_string(str(db)) as saver:
        graph = build_graph(rt).compile(checkpointer=saver)
        dumped = obs.model_dump(mode="json", exclude={"screenshot"})
        if resuming:
            snapshot = await graph.aget_state(cfg)
            step = snapshot.values.get("step", 0)
            last = rt.intents.last_step()
            if last is not None and last >= step:
                step = last + 1  # that action was attempted: never repeat it
            update = {"obs": dumped, "step": step, "pending": None, "continuation": []}
            await graph.aupdate_state(cfg, update, as_node="act")
            payload: Any = None
        else:
            payload = {"obs": dumped, "step": 0}
        while True:
            out = await graph.ainvoke(payload, cfg)
            interrupts = out.get("__interrupt__") if isinstance(out, dict) else None
            if not interrupts:
                return dict(out)
            request = interrupts[0].value
            await rt.emit("approval", **request)
            answer = await _ask(rt.approver, request)
            payload = Command(resume=answer)


async def _ask(approver: Approver | None, request: dict[str, Any]) -> bool:
    if approver is None:
        return False
    answer = approver(request)
    if isinstance(answer, Awaitable):
        answer = await answer
    return bool(answer)


async def _evaluate(env: Any, answer: str | None) -> Verdict:
    try:
        return await env.evaluate(answer)
    except Exception as err:  # a custom goal on a built-in site has no verifier
        return Verdict(success=False, detail=f"not verified: {err}")


async def _restore(env: Any, task: Task, seed: int, folder: Path) -> tuple[Observation, bool]:
    """Reopen the episode where the run was; restart episodes that cannot be reopened."""
    from forethought.envs.setup import RestoreUnsupported

    saved = folder / "browser.json"
    if saved.exists() and isinstance(env, ResumableEnvironment):
        try:
            return await env.reopen(task, json.loads(saved.read_text())), False
        except RestoreUnsupported:
            pass
    return await env.reset(task, seed), True


def _check_resumable(folder: Path, manifest: dict[str, Any]) -> None:
    path = folder / "manifest.json"
    if not path.exists():
        raise ResumeError(f"no run to resume at {folder}")
    if (folder / "result.json").exists():
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


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _result(
    run_id: str,
    task: Task,
    config: AgentConfig,
    seed: int,
    models: dict[str, str],
    state: dict[str, Any],
    verdict: Verdict,
    folder: Path,
    restarted: bool,
) -> EpisodeResult:
    fidelity = state.get("fidelity") or []
    f1s = [f["f1"] for f in fidelity if f.get("f1") is not None]
    ids = [f["identity_f1"] for f in fidelity if f.get("f1") is not None]
    changes = [f["change_f1"] for f in fidelity if f.get("change_f1") is not None]
    return EpisodeResult(
        run_id=run_id,
        task_id=task.id,
        agent=config.agent,
        seed=seed,
        model=models.get("policy", ""),
        success=verdict.success,
        reward=verdict.reward,
        answer=state.get("answer"),
        steps=state.get("step", 0),
        stop_reason=state.get("stop_reason"),
        trap_triggered=verdict.trap_triggered,
        gate_events=[GateEvent(**g) for g in state.get("gate_events") or []],
        speculative_actions=state.get("speculative_actions", 0),
        speculative_calls_saved=state.get("speculative_calls_saved", 0),
        fidelity=FidelitySummary(
            f1=_mean(f1s), identity_f1=_mean(ids), change_f1=_mean(changes), n=len(fidelity)
        ),
        usage=UsageSummary.model_validate(state.get("usage") or {}),
        restarted=restarted,
        trace_dir=str(folder),
    )
