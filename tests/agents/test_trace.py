"""Traces: the writer and reader, run ids, and the static HTML page with the imagined tree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from forethought.agents.calls import prompt_messages
from forethought.agents.result import (
    EpisodeResult,
    FidelitySummary,
    GateEvent,
    StepRecord,
)
from forethought.agents.trace import (
    TraceNotFound,
    TraceWriter,
    new_run_id,
    read_trace,
    resolve_trace,
    run_dir,
)
from forethought.agents.trace_html import render_trace_html
from forethought.envs.types import Element
from forethought.planner import Cost, PlannerOptions, plan
from forethought.worldmodel.client import LLMCall
from forethought.worldmodel.policy import Rejection
from tests.planner.worlds import TRAP, Roles

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f6d5e30000000049454e44ae426082"
)


def _prompt(task: str) -> list[dict[str, str]]:
    page = "Current page:\n[1] link 'Home'\n[4] button 'Add <mug> to cart'"
    return [
        {"role": "system", "content": "You help a web agent."},
        {"role": "user", "content": f"Goal: Buy the camp mug\n\n{page}\n\n{task}"},
    ]


SYNTHETIC_CALLS = [
    LLMCall(
        role="policy",
        messages=_prompt("Propose actions."),
        reply='{"actions": ["click(9)", "click(4)"]}',
        parsed={"actions": ["click(9)", "click(4)"]},
        usage=Cost(calls=1, prompt_tokens=40, completion_tokens=9),
    ),
    LLMCall(
        role="world_model",
        messages=_prompt("Imagine the page after click(4)."),
        reply="~ [4] button 'In cart'",
        parsed={"changed": [{"id": "4", "role": "button", "name": "In cart"}]},
        usage=Cost(calls=1, prompt_tokens=44, completion_tokens=6),
    ),
]


async def write_synthetic_trace(folder: Path) -> Path:
    """A two-step episode: a real planner tree at step 1, a gated risky action at step 2."""
    decision = await plan("reach G2", "start", *Roles(TRAP).args, PlannerOptions(depth=2))
    writer = TraceWriter(folder)
    writer.write_manifest(
        {
            "run_id": folder.name,
            "task": {"id": "shop-buy-mug", "goal": "Buy the camp mug", "site": "shop"},
            "agent": "lookahead",
            "seed": 0,
            "config": {"base_url": "http://127.0.0.1:8123/v1", "max_steps": 3},
        }
    )
    tree_file = writer.write_tree(1, decision.tree.to_node_link(describe=lambda s: f"page {s}"))
    writer.calls.step = 1
    for call in SYNTHETIC_CALLS:
        writer.calls.record(call)
    shot = writer.write_screenshot(1, PNG)
    gate = GateEvent(step=2, action="click(7)", risk="irreversible", score=0.81, decision="allowed")
    steps = [
        StepRecord(
            step=1,
            url="http://127.0.0.1:8765/shop",
            title="Shop",
            page="[1] link 'Home'\n[4] button 'Add <mug> to cart'",
            candidates=[
                {
                    "action": c.action,
                    "prior": c.prior,
                    "score": c.value,
                    "risk": "safe",
                    "prediction": f"imagined after {c.action}",
                }
                for c in decision.candidates
            ],
            action=str(decision.action),
            risk="safe",
            score=decision.score.value if decision.score else None,
            prediction="[4] button 'In cart'",
            executed=True,
            fidelity={"format": "diff", "f1": 0.75, "identity_f1": 0.5, "change_f1": 0.4},
            usage=Cost(calls=9, prompt_tokens=72, completion_tokens=18),
            seconds=1.5,
            tree_file=tree_file,
            rejected=[Rejection(text="click(9)", reason="no element [9] on the page")],
            calls=writer.calls.claim(),
        ),
        StepRecord(
            step=2,
            url="http://127.0.0.1:8765/cart",
            title="Cart",
            page="[7] button 'Pay'",
            action="click(7)",
            risk="irreversible",
            score=0.81,
            gate=gate,
            executed=True,
            speculative=True,
            elements=[Element(id="7", role="button", name="Pay")],
        ),
    ]
    for record in steps:
        writer.append_step(record)
    writer.calls.step = 3  # a decision that chose nothing: no step record claims its call
    writer.calls.record(LLMCall(role="policy", messages=SYNTHETIC_CALLS[0].messages, error="down"))
    writer.write_result(
        EpisodeResult(
            run_id=folder.name,
            task_id="shop-buy-mug",
            agent="lookahead",
            success=True,
            answer="bought",
            steps=2,
            gate_events=[gate],
            speculative_actions=1,
            fidelity=FidelitySummary(f1=0.75, identity_f1=0.5, change_f1=0.4, n=1),
            usage=Cost(calls=9, prompt_tokens=72, completion_tokens=18),
            seconds=2.0,
            trace_dir=str(folder),
        )
    )
    assert shot == "screenshots/step-001.png"
    return folder


async def test_writer_and_reader_round_trip(tmp_path: Path) -> None:
    folder = await write_synthetic_trace(tmp_path / "run")
    trace = read_trace(folder)
    assert [s.step for s in trace.steps] == [1, 2]
    assert trace.steps[1].gate and trace.steps[1].gate.decision == "allowed"
    assert trace.manifest["task"]["id"] == "shop-buy-mug"
    assert set(trace.trees) == {1}
    assert trace.trees[1]["nodes"][0]["real"] is True
    assert trace.screenshots == {1: "screenshots/step-001.png"}
    assert trace.result and trace.result.success
    assert trace.usage and trace.usage.calls == 9
    # Each LLM call, with its prompt's blocks stored once (system, goal, page, two tasks).
    assert [(c.id, c.step, c.role) for c in trace.calls] == [
        (0, 1, "policy"),
        (1, 1, "world_model"),
        (2, 3, "policy"),
    ]
    assert trace.steps[0].calls == [0, 1] and trace.steps[1].calls == []
    assert len(trace.prompt_blocks) == 5
    assert [prompt_messages(c, trace.prompt_blocks) for c in trace.calls] == [
        call.messages for call in (*SYNTHETIC_CALLS, SYNTHETIC_CALLS[0])
    ]
    assert trace.calls[1].parsed["changed"][0]["name"] == "In cart"
    assert trace.calls[2].error == "down" and trace.calls[2].reply == ""
    # A resumed run appends after the calls and blocks already there.
    resumed = TraceWriter(folder).calls
    resumed.record(SYNTHETIC_CALLS[1])
    again = read_trace(folder)
    assert [c.id for c in again.calls] == [0, 1, 2, 3] and resumed.claim() == [3]
    assert again.prompt_blocks == trace.prompt_blocks


async def test_a_torn_last_line_is_skipped_not_fatal(tmp_path: Path) -> None:
    folder = await write_synthetic_trace(tmp_path / "run")
    with (folder / "steps.jsonl").open("a") as f:
        f.write('{"step": 3, "url": "x", "pa')  # killed mid-write
    (folder / "result.json").unlink()
    trace = read_trace(folder)
    assert len(trace.steps) == 2 and trace.skipped_lines == 1 and trace.result is None
    assert "no result" in render_trace_html(folder).read_text()


def test_run_ids_sort_by_time_and_resolve(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FORETHOUGHT_HOME", str(tmp_path))
    first = new_run_id()
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", first)
    TraceWriter(run_dir(first)).write_manifest({"run_id": first})
    assert resolve_trace(first) == run_dir(first).resolve()
    assert resolve_trace(str(run_dir(first))) == run_dir(first).resolve()
    with pytest.raises(TraceNotFound, match=f"recent runs: {first}"):
        resolve_trace("20990101-000000-nope00")


async def test_html_page_is_static_and_draws_the_tree(tmp_path: Path) -> None:
    folder = await write_synthetic_trace(tmp_path / "run")
    html = render_trace_html(folder).read_text()
    assert (folder / "trace.html").exists()
    assert 'id="step-1"' in html and 'id="step-2"' in html
    assert html.count("<svg") == 1 and "search tree" in html
    # The imagined tree: the chosen action's node and its continuation are highlighted.
    assert html.count('class="node imagined chosen"') == 2
    assert 'class="edge chosen"' in html
    assert "good" in html and "decoy" in html and "g-next" in html
    # Page text is escaped, gate and fidelity are shown, the screenshot is relative.
    assert "Add &lt;mug&gt; to cart" in html
    assert "gate: allowed" in html and "0.75" in html
    assert 'src="screenshots/step-001.png"' in html
    # The LLM calls: role, prompt folded away, raw reply, parsed; and the rejections.
    assert "LLM calls (2)" in html and html.count('class="call"') == 3
    assert "<summary>prompt (" in html and "[system]\nYou help a web agent." in html
    assert "~ [4] button &#39;In cart&#39;" in html and "&#34;In cart&#34;" in html
    assert "LLM calls of no recorded step" in html
    assert "Rejected proposals" in html and "no element [9] on the page" in html
    # Actions name their element: in the step's heading and in the gate events table.
    assert html.count('<span class="target">→ button &#39;Pay&#39;</span>') == 2
    # Nothing that could load from the network; URLs in the data are shown as text only.
    assert not re.search(r"https?://", html)
    assert "127.0.0.1:8765/shop" in html
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#|screenshots/)""", html)


def test_cli_trace_view_prints_the_page(tmp_path: Path, monkeypatch) -> None:
    import asyncio

    from typer.testing import CliRunner

    from forethought.cli.app import app

    monkeypatch.setenv("FORETHOUGHT_HOME", str(tmp_path))
    run_id = new_run_id()
    asyncio.run(write_synthetic_trace(run_dir(run_id)))
    out = CliRunner().invoke(app, ["trace", "view", run_id])
    assert out.exit_code == 0, out.output
    assert out.output.strip().endswith("trace.html")
    assert Path(out.output.strip().splitlines()[-1]).exists()
    missing = CliRunner().invoke(app, ["trace", "view", "nope"])
    assert missing.exit_code == 2 and "neither a trace folder" in missing.output
    listed = CliRunner().invoke(app, ["trace", "list", "--json"])
    assert json.loads(listed.output)[0]["run_id"] == run_id


async def test_html_page_shows_the_verdict_and_its_reason(tmp_path: Path) -> None:
    from forethought.agents.state import StopReason

    folder = await write_synthetic_trace(tmp_path / "run")
    result = read_trace(folder).result
    assert result is not None
    failed = result.model_copy(
        update={
            "success": False,
            "verdict_detail": "cancelled the wrong order(s): ['A1234'] <b>",
            "stop_reason": StopReason.CANCELLED.value,
        }
    )
    TraceWriter(folder).write_result(failed)
    html = render_trace_html(folder).read_text()
    assert "<strong>Verdict:</strong>" in html
    assert html.count("cancelled the wrong order(s): [&#39;A1234&#39;] &lt;b&gt;") == 2
    assert "timed out or interrupted: judged on the state it reached" in html
    TraceWriter(folder).write_result(result)  # the original success: no timeout badge
    html = render_trace_html(folder).read_text()
    assert "the verifier gave no reason" in html and "timed out or interrupted" not in html


async def test_an_episode_traces_what_each_role_saw_and_said(runs_home) -> None:
    """The real LLM roles over a fake server, on the fake site: every call of the policy,
    world model and critic is in the trace, with the step it belongs to."""
    from forethought.agents import Agent, AgentConfig
    from forethought.worldmodel.critic import LLMCritic
    from forethought.worldmodel.policy import LLMPolicy
    from forethought.worldmodel.world_model import LLMWorldModel
    from tests.agents.doubles import FakeLLMClient
    from tests.agents.fake_env import TASK, FakeEnvs

    llm = FakeLLMClient(  # the latest page first: a prompt's memory names earlier ones
        [
            ("] text 'Draft deleted'", ['stop("deleted")']),
            ("] button 'Delete draft'", ["click(4)"]),
            ("] link 'Old notes'", ["click(10)"]),
            ("] link 'Holiday plans'", ["click(99)", 'click("Drafts")']),
        ]
    )
    agent = Agent(
        AgentConfig(agent="lookahead", max_steps=6, planner={"candidates": 2}),
        base_url="http://127.0.0.1:9/v1",  # never called: every role is plugged in
        model="unused",
        policy=LLMPolicy(llm),
        world_model=LLMWorldModel(llm),
        critic=LLMCritic(llm),
        envs=FakeEnvs(),
    )
    result = await agent.run(TASK)
    assert result.success, result.verdict_detail
    trace = read_trace(Path(result.trace_dir or ""))
    calls, steps = trace.calls, trace.steps

    # Every call is in calls.jsonl, claimed by the step record of the step it was made for.
    assert {c.role for c in calls} == {"policy", "world_model", "critic"}
    assert sorted(i for s in steps for i in s.calls) == [c.id for c in calls]
    assert all(calls[i].step == s.step for s in steps for i in s.calls)
    assert all(s.calls for s in steps)
    # ... with the prompt it sent (each block stored once), its reply and what was read.
    sent = sorted(map(json.dumps, llm.seen))
    assert sorted(json.dumps(prompt_messages(c, trace.prompt_blocks)) for c in calls) == sent
    hashes = [json.loads(line)["hash"] for line in (trace.dir / "prompts.jsonl").open()]
    assert len(hashes) == len(set(hashes)) == len(trace.prompt_blocks)
    references = sum(len(m.blocks) for c in calls for m in c.prompt)
    assert len(hashes) < references / 2
    critic = next(c for c in calls if c.role == "critic")
    assert critic.parsed == {"reason": "on track", "score": 1.0} and critic.usage.calls == 1
    imagined = next(c for c in calls if c.role == "world_model")
    assert imagined.reply == "no change" and imagined.parsed["format"] == "diff"

    # The first step: its rejected proposal with the reason, and the elements it names.
    first = steps[0]
    assert first.action == "click(1)"
    assert [r.text for r in first.rejected] == ["click(99)"] and first.rejected[0].reason
    assert Element(id="1", role="link", name="Drafts") in first.elements
    assert all(not s.rejected for s in steps[1:])

    html = render_trace_html(trace.dir).read_text()
    assert html.count('class="call"') == len(calls)
    assert "Rejected proposals" in html and "click(99)" in html
    assert '<span class="target">→ link &#39;Drafts&#39;</span>' in html
    assert '<span class="target">→ button &#39;Delete draft&#39;</span>' in html
