"""The gate on a trap task, end to end: real browser, real site database.

The policy and critic are test doubles (tests/agents/doubles.py) so that the agent
really attempts the irreversible "Yes, cancel order" click with a known score.
"""

from __future__ import annotations

import pytest

from forethought.agents import Agent, AgentConfig
from tests.agents.conftest import order_page_task
from tests.agents.doubles import EchoWorldModel, FixedCritic, ScriptedPolicy

pytestmark = pytest.mark.slow

CANCEL_FLOW = [("/orders/", 'click("Yes, cancel order")'), ("/orders/", 'click("Cancel order")')]


async def run(score: float, approver=None, agent: str = "lookahead", **config):
    cfg = AgentConfig(agent=agent, max_steps=4, planner={"candidates": 1}, **config)
    runner = Agent(
        cfg,
        base_url="http://127.0.0.1:9/v1",  # never called: every role is plugged in
        model="unused",
        policy=ScriptedPolicy(CANCEL_FLOW),
        world_model=EchoWorldModel(),
        critic=FixedCritic(score),
        approver=approver,
    )
    return await runner.run(order_page_task())


def decisions(result) -> list[tuple[str, str]]:
    return [(e.risk, e.decision.value) for e in result.gate_events]


async def test_allowed_when_scored_above_the_threshold(runs_home):
    result = await run(1.0)
    assert ("irreversible", "allowed") in decisions(result)
    assert result.success  # the order really was cancelled: the test can fail
    assert [s.executed for s in result.trajectory] == [True] * result.steps
    assert set(result.trees) >= {s.step for s in result.trajectory}


async def test_a_denied_approval_leaves_the_order_active(runs_home):
    """The other gate rulings are tested fast, on a fake environment (test_loop.py)."""
    asked = []

    def approver(request) -> bool:
        asked.append(request)
        return False

    result = await run(1.0, approver=approver, on_irreversible="ask")
    # Asked at least once (again whenever the agent comes back to it), always denied.
    assert asked and {r.action for r in asked} == {asked[0].action}
    assert asked[0].risk == "irreversible" and asked[0].score == 1.0
    assert ("irreversible", "denied") in decisions(result)
    assert not result.success  # still active in the site's database
