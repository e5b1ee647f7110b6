"""The whole agent loop on a fake environment: fast, and every branch of the pipeline.

The environment and the roles are fakes and doubles (fake_env.py, doubles.py); LangGraph,
its SQLite checkpoints, the planner, the imagining service, the gate and the trace are
the real ones.
"""

from __future__ import annotations

import pytest

from forethought.agents import Agent, AgentConfig
from forethought.agents.result import EpisodeStatus, GateDecision
from forethought.agents.state import StopReason
from forethought.agents.trace import read_trace
from forethought.envs.types import Task
from tests.agents.doubles import EchoWorldModel, FixedCritic, ScriptedPolicy
from tests.agents.fake_env import (
    TASK,
    FailingPolicy,
    FakeEnvs,
    FakeSite,
    TableWorldModel,
    page,
)

DELETE = [
    ("inbox", 'click("Drafts")'),
    ("drafts", 'click("Old notes")'),
    ("draft", 'click("Delete draft")'),
    ("deleted", "stop()"),
]


class Setup:
    """An agent on a fresh fake site, with doubles whose calls the tests count."""

    def __init__(self, script=DELETE, score: float = 1.0, policy=None, wm=None, **config):
        self.envs = FakeEnvs()
        self.policy = policy or ScriptedPolicy(script, imagine=True)
        self.world_model = wm or EchoWorldModel()
        self.critic = FixedCritic(score)
        self.config = AgentConfig(**{"max_steps": 6, "planner": {"candidates": 1}, **config})

    def agent(self, approver=None) -> Agent:
        return Agent(
            self.config,
            base_url="http://127.0.0.1:9/v1",  # never called: every role is plugged in
            model="unused",
            policy=self.policy,
            world_model=self.world_model,
            critic=self.critic,
            approver=approver,
            envs=self.envs,
        )

    async def run(self, approver=None, **kw):
        return await self.agent(approver).run(TASK, **kw)

    @property
    def executed(self) -> list[str]:
        return self.envs.site.executed

    @property
    def role_calls(self) -> tuple[int, int]:
        return self.world_model.calls, self.critic.calls


def decisions(result) -> list[tuple[str, str]]:
    return [(e.risk, e.decision.value) for e in result.gate_events]


@pytest.mark.parametrize("agent", ["reactive", "lookahead"])
async def test_a_scored_irreversible_action_runs_and_the_task_succeeds(runs_home, agent):
    s = Setup(agent=agent)
    result = await s.run()
    assert s.executed == ["click(1)", "click(10)", "click(4)", "stop()"]
    assert result.success and result.stop_reason == StopReason.STOP
    assert decisions(result) == [("irreversible", "allowed")]
    assert s.envs.site.closed == 1
    assert result.verdict_detail == "deleted 'Old notes'"
    assert result.summary()["verdict_detail"] == "deleted 'Old notes'"
    assert [r.executed for r in result.trajectory] == [True] * 4


@pytest.mark.parametrize("agent", ["reactive", "lookahead"])
async def test_below_the_threshold_is_refused_and_not_proposed_again(runs_home, agent):
    script = [*DELETE[:3], ("draft", 'click("Archive")')]
    s = Setup(script, score=0.5, agent=agent, max_steps=4)
    result = await s.run()
    assert "click(4)" not in s.executed
    assert ("irreversible", "blocked") in decisions(result)
    refused = [r for r in result.trajectory if not r.executed]
    assert [r.action for r in refused] == ["click(4)"] and refused[0].gate.reason
    assert s.executed[-1] == "click(5)"  # the next proposal on that page, not the refused one
    # The verifier's reason reaches the result and its result.json.
    reason = "'Old notes' was not deleted; archived it (the decoy)"
    assert not result.success and result.verdict_detail == reason
    assert read_trace(result.trace_dir).result.verdict_detail == reason


async def test_dry_run_stops_before_the_risky_action(runs_home):
    s = Setup(dry_run=True)
    result = await s.run()
    assert s.executed == ["click(1)", "click(10)"]
    assert result.stop_reason == StopReason.DRY_RUN
    assert decisions(result) == [("irreversible", "dry_run")]


async def test_deny_never_runs_it(runs_home):
    s = Setup(on_irreversible="deny", max_steps=4)
    result = await s.run()
    assert "click(4)" not in s.executed and ("irreversible", "denied") in decisions(result)


async def test_the_step_limit(runs_home):
    script = [
        ("inbox", 'click("Holiday plans")'),
        ("inbox", 'click("Drafts")'),
        ("plans", 'click("Back")'),
    ]
    s = Setup(script, max_steps=3)
    result = await s.run()
    assert result.steps == 3 and result.stop_reason == StopReason.STEP_LIMIT
    # Back on the inbox, the action it already took there is not taken again (a loop).
    assert s.executed == ["click(2)", "click(6)", "click(1)"]


async def test_no_valid_proposal_ends_the_episode(runs_home):
    s = Setup([("elsewhere", "stop()")])
    result = await s.run()
    assert result.steps == 0 and result.stop_reason == StopReason.NO_ACTION


async def test_an_error_inside_a_role_propagates_and_the_environment_is_closed(runs_home):
    s = Setup(policy=FailingPolicy())
    with pytest.raises(ConnectionError, match="model server is gone"):
        await s.run()
    assert s.envs.site.closed == 1


async def test_the_gate_reuses_what_the_planner_imagined(runs_home):
    """Lookahead already imagined and scored the chosen action: the gate asks no role."""
    gated, ungated = Setup(agent="lookahead"), Setup(agent="lookahead", gate=False)
    await gated.run()
    await ungated.run()
    assert gated.executed == ungated.executed
    assert gated.role_calls == ungated.role_calls
    assert gated.role_calls[0] == gated.role_calls[1] > 0


async def test_a_reactive_gate_imagines_each_risky_action_once(runs_home):
    s = Setup(agent="reactive")
    result = await s.run()
    assert s.role_calls == (1, 1)  # only the irreversible click is imagined and scored
    gated = next(r for r in result.trajectory if r.action == "click(4)")
    assert gated.usage.calls == 1 + 2  # the proposal, then the gate's simulate and score
    assert gated.score == 1.0 and gated.prediction


def form_site(extra_after_name: bool) -> FakeSite:
    """A login form: typing the name moves to ``typed`` (with a suggestion list when
    ``extra_after_name``), typing the password to ``ready``, the button to ``sent``."""
    fields = [("1", "textbox", "Name"), ("2", "textbox", "Password"), ("3", "button", "Log in")]
    typed = [*fields, ("9", "option", "Adam")] if extra_after_name else fields
    pages = {
        "form": page("form", *fields),
        "typed": page("typed", *typed),
        "ready": page("ready", *fields),
        "sent": page("sent", ("8", "link", "Home")),
    }
    moves = {
        ("form", 'fill(1, "Ada")'): "typed",
        ("typed", 'fill(2, "pw")'): "ready",
        ("typed", "click(9)"): "typed",
        ("ready", "click(3)"): "sent",
    }
    return FakeSite(pages=pages, moves=moves)


FORM = [
    ("form", 'fill(1, "Ada")'),
    ("form", 'fill(2, "pw")'),
    ("form", "click(3)"),
    ("typed", "click(9)"),
    ("ready", "click(3)"),
    ("sent", "stop()"),
]
FORM_TASK = Task(id="fake.login", goal="Log in as Ada.", start_url="fake://form")


async def test_a_reactive_reply_that_fills_a_form_fills_its_other_fields_next(runs_home):
    s = Setup(FORM, agent="reactive")
    s.envs.site = form_site(extra_after_name=False)
    await s.agent().run(FORM_TASK)
    assert s.executed == ['fill(1, "Ada")', 'fill(2, "pw")', "click(3)", "stop()"]
    assert s.policy.calls == 3  # the password came from the first reply: not asked again


async def test_the_queued_fills_are_dropped_when_the_form_changes(runs_home):
    s = Setup(FORM, agent="reactive", max_steps=2)
    s.envs.site = form_site(extra_after_name=True)  # a suggestion list appears
    await s.agent().run(FORM_TASK)
    assert s.executed == ['fill(1, "Ada")', "click(9)"]  # asked again on the new page


async def test_a_spent_budget_leaves_the_action_unscored_and_refused(runs_home):
    s = Setup(agent="reactive", max_steps=4, planner={"budget_tokens": 0})
    result = await s.run()
    assert s.role_calls == (0, 0)
    assert ("irreversible", GateDecision.NOT_SCORED.value) in decisions(result)
    assert "click(4)" not in s.executed


@pytest.mark.parametrize("answer", [True, False])
async def test_approval_interrupt_asks_once_and_scores_once(runs_home, answer):
    s = Setup(agent="reactive", on_irreversible="ask", max_steps=4)
    asked = []

    def approver(request):
        asked.append(request)
        return answer

    result = await s.run(approver)
    assert len(asked) == 1 and asked[0].action == "click(4)" and asked[0].score == 1.0
    assert s.role_calls == (1, 1)  # the interrupted node re-runs: nothing is imagined twice
    expected = GateDecision.APPROVED if answer else GateDecision.DENIED
    assert ("irreversible", expected.value) in decisions(result)
    assert ("click(4)" in s.executed) is answer


async def test_an_unanswered_approval_outlives_the_agent(runs_home):
    s = Setup(agent="reactive", on_irreversible="ask")
    waiting = await s.run()  # no approver: the run waits for an answer
    assert waiting.status is EpisodeStatus.AWAITING_APPROVAL
    assert waiting.approval.action == "click(4)" and not waiting.success
    assert s.executed == ["click(1)", "click(10)"] and s.role_calls == (1, 1)

    # A new agent (a new process, say) answers it: the action runs, nothing is re-scored.
    result = await s.agent().answer(waiting.run_id, approve=True)
    assert result.status is EpisodeStatus.FINISHED and result.success
    assert s.executed == ["click(1)", "click(10)", "click(4)", "stop()"]
    assert s.role_calls == (1, 1)
    assert decisions(result) == [("irreversible", "approved")]


async def test_an_approval_for_a_page_that_is_gone_is_void(runs_home):
    """If the reopened page is not the one the action was chosen on, nothing runs
    blindly: the loop plans again there (and asks again when it gets back)."""
    import json

    s = Setup(agent="reactive", on_irreversible="ask")
    waiting = await s.run()
    (runs_home / "runs" / waiting.run_id / "browser.json").write_text(json.dumps({"page": "inbox"}))
    again = await s.agent().answer(waiting.run_id, approve=True)
    assert s.executed == ["click(1)", "click(10)", "click(1)", "click(10)"]
    assert again.status is EpisodeStatus.AWAITING_APPROVAL and again.approval.step == 4
    assert s.role_calls == (2, 2)  # the new decision on the draft page was imagined anew


async def test_resume_asks_a_pending_approval_again(runs_home):
    s = Setup(agent="reactive", on_irreversible="ask")
    waiting = await s.run()
    asked = []
    result = await s.agent(approver=lambda r: asked.append(r) or False).run(
        TASK, run_id=waiting.run_id, resume=True
    )
    assert [r.action for r in asked] == ["click(4)"]
    assert "click(4)" not in s.executed and s.role_calls == (1, 1)
    assert ("irreversible", "denied") in decisions(result)


@pytest.mark.parametrize(
    ("exact", "speculate", "planned", "speculated"),
    [(True, True, 3, 1), (False, True, 4, 0), (True, False, 4, 0)],
    ids=["verified-path-followed", "real-page-differs", "no-speculate"],
)
async def test_speculation(runs_home, exact, speculate, planned, speculated):
    """With an exact world model, the imagined path inbox → drafts → draft is verified on
    the real drafts page and followed without planning again; the echo world model
    imagines that nothing changes, so the real page never matches it."""
    s = Setup(agent="lookahead", speculate=speculate, planner={"candidates": 1, "depth": 2})
    if exact:
        s.world_model = TableWorldModel(s.envs.site)
    events = []
    result = await s.run(events=events.append)
    assert result.success
    assert sum(e.kind == "planning" for e in events) == planned
    assert result.speculative_actions == speculated
    assert sum(r.speculative for r in result.trajectory) == speculated


async def test_events_are_typed(runs_home):
    s = Setup(agent="lookahead")
    events = [e async for e in s.agent().stream(TASK)]
    kinds = [e.kind for e in events]
    assert kinds[0] == "start" and kinds[-2:] == ["end", "result"]
    assert {"planning", "planned", "gate", "acted"} <= set(kinds)
    assert events[-1].result.success


def test_config_refuses_unknown_keys_naming_the_nearest():
    with pytest.raises(ValueError, match="did you mean 'max_steps'"):
        AgentConfig(max_step=3)
    with pytest.raises(ValueError, match="did you mean 'candidates'"):
        AgentConfig(planner={"candidate": 2})
    with pytest.raises(ValueError, match="candidates"):
        AgentConfig(planner={"candidates": 0})


def test_the_checkpoint_allowlist_covers_the_whole_state(caplog):
    """A checkpoint rebuilds exactly the state it saved, blocking no type on the way."""
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    from forethought.agents.result import ApprovalRequest, CandidateRecord, GateEvent
    from forethought.agents.state import CHECKPOINT_TYPES, ImaginedStep, LoopState, Pending
    from forethought.envs.parse import parse_action
    from forethought.envs.risk import assign_risk
    from forethought.planner import Cost, WMFormat
    from forethought.worldmodel.fidelity import measure
    from tests.agents.fake_env import PAGES

    inbox, drafts = PAGES["inbox"], PAGES["drafts"]
    action = assign_risk(parse_action('click("Drafts")', inbox), inbox)
    state = LoopState(
        obs=inbox,
        step=2,
        pending=Pending(
            action=action,
            score=0.5,
            prediction=drafts,
            candidates=[CandidateRecord(action="click(1)", risk="safe", prior=1.0)],
            cost=Cost(calls=2, prompt_tokens=7),
            gate=GateDecision.APPROVED,
        ),
        continuation=[ImaginedStep(action=action, expect=inbox, next=drafts, score=0.5)],
        gate_events=[
            GateEvent(step=1, action="x", risk="irreversible", score=1.0, decision="denied")
        ],
        fidelity=[measure(inbox, drafts, drafts, WMFormat.DIFF)],
        usage=Cost(calls=3),
        stop_reason=StopReason.STEP_LIMIT,
        tried={inbox.key: ["click(3)"]},
        history=["click(3) button 'Help' → no visible change"],
    )
    serde = JsonPlusSerializer(allowed_msgpack_modules=CHECKPOINT_TYPES)
    request = ApprovalRequest(step=1, action="x", risk="irreversible", score=1.0, imagined="")
    for value in (state, request):
        assert serde.loads_typed(serde.dumps_typed(value)) == value
    assert "Blocked" not in caplog.text
