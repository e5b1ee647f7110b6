"""Traces: the writer and reader, run ids, and the static HTML page with the imagined tree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

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
from forethought.planner import Cost, PlannerOptions, plan
from tests.planner.worlds import TRAP, Roles

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f6d5e30000000049454e44ae426082"
)


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
        ),
    ]
    for record in steps:
        writer.append_step(record)
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
