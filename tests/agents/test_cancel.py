"""A cancelled episode (a timeout) is judged on the state it reached, and stays resumable.

The environment and the policy are fakes (fake_env.py): the policy does the task's three
actions, then never answers, as a hung model server would.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from forethought.agents import Agent, AgentConfig, ResumeError
from forethought.agents.state import StopReason
from tests.agents.doubles import EchoWorldModel, FixedCritic, ScriptedPolicy
from tests.agents.fake_env import TASK, FakeEnvs, HangingPolicy, UnjudgeableEnvs
from tests.agents.test_loop import DELETE


def agent(envs: FakeEnvs, policy) -> Agent:
    return Agent(
        AgentConfig(agent="reactive", planner={"candidates": 1}),
        base_url="http://127.0.0.1:9/v1",  # never called: every role is plugged in
        model="unused",
        policy=policy,
        world_model=EchoWorldModel(),
        critic=FixedCritic(1.0),
        envs=envs,
    )


async def run_until_timeout(envs: FakeEnvs, folder, hang_at="deleted") -> None:
    hanging = agent(envs, HangingPolicy(DELETE[:3], hang_at=hang_at))
    with pytest.raises(TimeoutError):  # the caller still sees the timeout
        await asyncio.wait_for(hanging.run(TASK, run_id="r", folder=folder), 1.0)


async def test_a_timed_out_episode_is_judged_on_the_state_it_reached(tmp_path):
    envs, folder = FakeEnvs(), tmp_path / "run"
    await run_until_timeout(envs, folder)
    assert envs.site.executed == ["click(1)", "click(10)", "click(4)"]  # then it hung
    assert envs.site.closed == 1
    result = json.loads((folder / "result.json").read_text())
    assert result["success"] is True and result["verdict_detail"] == "deleted 'Old notes'"
    assert result["stop_reason"] == StopReason.CANCELLED.value
    # What it did up to its last checkpoint is kept.
    assert result["steps"] == 3 and result["usage"]["calls"] >= 3
    assert [e["decision"] for e in result["gate_events"]] == ["allowed"]


async def test_a_timeout_before_the_goal_is_a_judged_failure(tmp_path):
    envs, folder = FakeEnvs(), tmp_path / "run"
    await run_until_timeout(envs, folder, hang_at="draft")
    result = json.loads((folder / "result.json").read_text())
    assert envs.site.executed == ["click(1)", "click(10)"]
    assert result["success"] is False and result["steps"] == 2
    assert result["verdict_detail"] == "'Old notes' was not deleted"


async def test_a_state_that_cannot_be_judged_leaves_no_result(tmp_path):
    envs, folder = UnjudgeableEnvs(), tmp_path / "run"
    await run_until_timeout(envs, folder)
    assert not (folder / "result.json").exists() and envs.site.closed == 1


async def test_a_cancelled_run_resumes_and_its_end_replaces_that_result(tmp_path):
    envs, folder = FakeEnvs(), tmp_path / "run"
    await run_until_timeout(envs, folder)
    done = await agent(envs, ScriptedPolicy(DELETE)).run(
        TASK, run_id="r", folder=folder, resume=True
    )
    assert envs.site.executed == ["click(1)", "click(10)", "click(4)", "stop()"]
    assert done.success and done.stop_reason == StopReason.STOP and done.steps == 4
    assert json.loads((folder / "result.json").read_text())["stop_reason"] == "stop"
    with pytest.raises(ResumeError, match="already finished"):  # a finished run stays so
        await agent(envs, ScriptedPolicy(DELETE)).run(TASK, run_id="r", folder=folder, resume=True)
