"""Fake episode functions for the runner's unit tests (named as fakes: no agent, no model).

They run in the worker processes, so they are top-level and importable. Each call
appends the episode key to ``DIR/calls.log``, so a test can tell that no episode ran twice.
"""

from __future__ import annotations

import asyncio
import os
import zlib
from pathlib import Path

from forethought.agents.result import EpisodeResult, StepRecord
from forethought.agents.trace import TraceWriter
from forethought.eval.worker import EpisodeJob
from forethought.planner import Cost


def _log_call(job: EpisodeJob) -> None:
    with (Path(job.out_dir) / "calls.log").open("a") as f:
        f.write(job.episode.key + "\n")


async def fake_episode(job: EpisodeJob) -> EpisodeResult:
    """A deterministic 'episode': success and cost follow from a hash of its key."""
    _log_call(job)
    h = zlib.crc32(job.episode.key.encode())
    writer = TraceWriter(job.trace_dir)
    writer.write_manifest({"task": job.episode.task.model_dump(mode="json"), "fake": True})
    writer.append_step(StepRecord(step=1, url="/fake", page="[1] button 'Go'", action="click(1)"))
    result = EpisodeResult(
        run_id=job.episode.key,
        task_id=job.episode.task.id,
        agent=job.episode.agent,
        seed=job.episode.seed,
        model=job.config.model,
        success=h % 2 == 0,
        steps=1,
        usage=Cost(calls=3, prompt_tokens=100, completion_tokens=10 + h % 7),
        seconds=1.0,
    )
    writer.write_result(result)
    return result


async def crash_on_cart_add(job: EpisodeJob) -> EpisodeResult:
    if job.episode.task.id == "shop.cart-add":
        _log_call(job)
        raise RuntimeError("browser crashed (fake)")
    return await fake_episode(job)


async def hang(job: EpisodeJob) -> EpisodeResult:
    """Finishes two steps (5 LLM calls in all), then hangs in the third."""
    _log_call(job)
    writer = TraceWriter(job.trace_dir)
    for step, calls in ((0, 2), (1, 3)):
        usage = Cost(calls=calls, prompt_tokens=100 * calls, completion_tokens=calls)
        writer.append_step(StepRecord(step=step, url="/fake", page="", usage=usage))
    await asyncio.sleep(3600)
    raise AssertionError("unreachable")


async def deletes_then_hangs(job: EpisodeJob) -> EpisodeResult:
    """The real episode loop on the fake site of ``tests/agents/fake_env.py`` (for every
    task): a fake policy does the three actions that solve it, then never answers."""
    from forethought.agents import AgentConfig, run_episode
    from forethought.agents.runtime import Roles
    from tests.agents.doubles import EchoWorldModel, FixedCritic
    from tests.agents.fake_env import TASK, FakeEnvs, HangingPolicy

    _log_call(job)
    script = [
        ("inbox", 'click("Drafts")'),
        ("drafts", 'click("Old notes")'),
        ("draft", 'click("Delete draft")'),
    ]
    roles = Roles(HangingPolicy(script, hang_at="deleted"), EchoWorldModel(), FixedCritic(1.0))
    return await run_episode(
        TASK,
        AgentConfig(agent="reactive"),
        roles,
        run_id=job.episode.key,
        folder=job.trace_dir,
        envs=FakeEnvs(),
    )


async def die(job: EpisodeJob) -> EpisodeResult:
    _log_call(job)
    os._exit(3)
