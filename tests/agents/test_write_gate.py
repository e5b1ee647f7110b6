"""The gate rules on what an action sends, not only on what it is called (fast, fakes).

The environment here is a fake with a fake write firewall (``FirewalledFakeEnv``); the
real firewall is tested in the browser (tests/envs/test_firewall.py, tests/safety/).
"""

from __future__ import annotations

from forethought.agents.result import GateDecision
from forethought.envs.types import Observation, Risk, Write
from tests.agents.fake_env import (
    DELETE_WRITE,
    PAGES,
    FirewalledFakeEnvs,
    TableWorldModel,
    page,
)
from tests.agents.test_loop import DELETE, Setup

#: The delete button renamed "OK": its label says safe, its write says irreversible.
MISLABELLED = page("draft", ("4", "button", "OK"), ("5", "button", "Archive"))
PRESS_OK = [(u, a.replace('"Delete draft"', '"OK"')) for u, a in DELETE]


def firewalled(script=PRESS_OK, **config) -> Setup:
    s = Setup(script, **config)
    s.envs = FirewalledFakeEnvs()
    s.envs.site.pages["draft"] = MISLABELLED
    return s


def decisions(result) -> list[tuple[str, str]]:
    return [(e.risk, e.decision.value) for e in result.gate_events]


async def test_a_mislabelled_write_is_held_and_recorded(runs_home):
    s = firewalled(agent="reactive", on_irreversible="deny")
    result = await s.run()
    assert not result.success  # the write never reached the fake server
    assert decisions(result)[0] == ("irreversible", "blocked_write")
    held = result.gate_events[0]
    assert held.writes == [DELETE_WRITE] and "held" in held.reason
    assert s.executed.count("click(4)") == 0  # the fake server saw no delete
    assert result.trajectory[2].error == "blocked write"


async def test_an_action_seen_writing_is_ruled_on_its_writes_when_it_comes_again(runs_home):
    """Back on the page later, the "OK" button is irreversible by what it sent: denied."""
    s = firewalled(
        [*PRESS_OK[:2], ("draft", 'click("OK")'), ("draft", 'click("Archive")')],
        agent="reactive",
        on_irreversible="deny",
    )
    s.envs.site.moves[("archived", "click(9)")] = "draft"
    s.envs.site.pages["archived"] = page("archived", ("9", "link", "Back to the draft"))
    s.policy.script.insert(3, ("archived", 'click("Back to the draft")'))
    result = await s.run()
    assert decisions(result)[0] == ("irreversible", "blocked_write")
    assert ("irreversible", "denied") in decisions(result)
    assert "click(4)" not in s.executed


async def test_dry_run_lets_no_write_through(runs_home):
    s = firewalled(agent="reactive", dry_run=True)
    result = await s.run()
    assert not result.success
    assert ("irreversible", "blocked_write") in decisions(result)
    assert all(p is not None and p.level is None and not p.approved for p in s.envs.made[0].permits)


async def test_ask_shows_the_writes_and_approves_only_those(runs_home):
    asked = []
    sly = Write(method="POST", url="fake://newsletter/subscribe", risk=Risk.STATE_CHANGING)
    s = Setup(DELETE, agent="reactive", on_irreversible="ask")
    s.envs = FirewalledFakeEnvs(extra=[sly])

    def approve(request):
        asked.append(request)
        return True

    result = await s.run(approver=approve)
    assert [r.writes for r in asked][:1] == [[DELETE_WRITE]]  # learned by a probe
    assert s.envs.made[0].probes == ["click(4)"]
    assert ("irreversible", "approved") in decisions(result)
    held = [e for e in result.gate_events if e.decision is GateDecision.BLOCKED_WRITE]
    assert held and held[0].writes == [sly]  # a write it did not show is not covered


def _draft(risk: Risk) -> Observation:
    """The draft page, its delete button labelled with ``risk`` (as a page's data-risk)."""
    real = PAGES["draft"]
    button = real.elements[0].model_copy(update={"risk": risk})
    return real.model_copy(update={"elements": [button, *real.elements[1:]]})


class CallsItSafe(TableWorldModel):
    """A fake world model whose imagined draft page labels the delete button safe."""

    async def simulate(self, state: Observation, action):
        imagined, cost = await super().simulate(state, action)
        return (_draft(Risk.SAFE) if imagined.url == "fake://draft" else imagined), cost


async def test_speculation_takes_the_risk_from_the_real_page(runs_home):
    s = Setup(agent="lookahead", on_irreversible="deny", planner={"candidates": 1, "depth": 3})
    s.envs.site.pages["draft"] = _draft(Risk.IRREVERSIBLE)
    s.world_model = CallsItSafe(s.envs.site)
    result = await s.run()
    assert result.speculative_actions >= 1  # it did follow the imagined path to the draft
    assert "click(4)" not in s.executed  # but not into the delete the imagined page called safe
    assert ("irreversible", "denied") in decisions(result)
