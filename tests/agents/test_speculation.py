"""Speculative execution of imagined plans on a deterministic page sequence.

A three-page local site (a → b → c). The world model here is a test double that
replays pages recorded from the real browser beforehand, so its imagined path matches
reality exactly — or, for the divergent case, is wrong about page b.
"""

from __future__ import annotations

import pytest

from forethought.agents import Agent, AgentConfig
from forethought.envs.browser import BrowserEnv
from forethought.envs.types import Action, Observation, Task
from forethought.planner import Cost
from tests.agents.doubles import FixedCritic, ScriptedPolicy

pytestmark = pytest.mark.slow

PAGE = """<!doctype html><title>{title}</title><h1>{title}</h1>
<p>Step {n} of the tour.</p><a href="{next}">Next</a>"""


@pytest.fixture
def tour(tmp_path):
    pages = {"a": "b.html", "b": "c.html", "c": "a.html"}
    for n, (name, nxt) in enumerate(pages.items()):
        (tmp_path / f"{name}.html").write_text(PAGE.format(title=f"Page {name}", n=n, next=nxt))
    base = tmp_path.as_uri() + "/"
    return Task(id="tour", goal="Reach page c.", start_url=base + "a.html", allowed_origins=[base])


async def _record(task: Task) -> dict[str, Observation]:
    """The real pages, keyed by file name, as the browser env observes them."""
    env = BrowserEnv()
    try:
        seen = {"a": await env.reset(task)}
        for name in ("b", "c"):
            obs = seen[chr(ord(name) - 1)]
            link = next(e for e in obs.elements if e.role == "link")
            seen[name] = (await env.step(Action(kind="click", target=link.id))).observation
    finally:
        await env.close()
    return seen


class ReplayWorldModel:
    """Test double: predicts the recorded next page; ``wrong`` names pages it gets wrong."""

    def __init__(self, pages: dict[str, Observation], wrong: frozenset[str] = frozenset()):
        self.pages, self.wrong = pages, wrong

    async def simulate(self, state: Observation, action: Action) -> tuple[Observation, Cost]:
        name = state.url.rsplit("/", 1)[-1][0]
        nxt = chr(ord(name) + 1) if name != "c" else "a"
        if nxt in self.wrong:
            nxt = "a"
        return self.pages[nxt], Cost(calls=1)


async def _solve(task: Task, world_model, speculate: bool = True):
    policy = ScriptedPolicy([("/c.html", 'stop("done")'), (".html", 'click("Next")')], imagine=True)
    config = AgentConfig(max_steps=3, speculate=speculate, planner={"candidates": 1, "depth": 2})
    agent = Agent(
        config,
        base_url="http://127.0.0.1:9/v1",
        model="unused",
        policy=policy,
        world_model=world_model,
        critic=FixedCritic(0.9),
    )
    events: list[dict] = []
    result = await agent.run(task, events=events.append)
    return result, [e for e in events if e["kind"] == "planning"]


async def test_matching_imagined_path_runs_without_planning_again(tour, runs_home):
    pages = await _record(tour)
    result, plans = await _solve(tour, ReplayWorldModel(pages))
    assert result.speculative_actions == 1
    assert len(plans) == 2  # planned at a and at c; b → c ran from the imagined path
    assert result.answer == "done" and result.stop_reason == "stop"


async def test_a_divergent_page_makes_the_agent_plan_again(tour, runs_home):
    pages = await _record(tour)
    result, plans = await _solve(tour, ReplayWorldModel(pages, wrong=frozenset({"b"})))
    assert result.speculative_actions == 0
    assert len(plans) == 3
    assert result.answer == "done"


async def test_no_speculate_plans_every_step(tour, runs_home):
    pages = await _record(tour)
    result, plans = await _solve(tour, ReplayWorldModel(pages), speculate=False)
    assert result.speculative_actions == 0 and len(plans) == 3
