"""Reports from a fixture results store with known numbers."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from forethought.agents.result import EpisodeResult, StepRecord
from forethought.agents.trace import TraceWriter
from forethought.envs.types import Task
from forethought.eval.config import Episode, EvalConfig
from forethought.eval.report import RunData, build_report
from forethought.eval.stats import bootstrap_mean, paired
from forethought.eval.store import EpisodeRow, ResultsStore
from forethought.planner import Cost

AGENTS = ["reactive:gate-off", "lookahead"]
TASKS = [Task(id=f"t{i}", goal=f"goal {i}", suite="builtin", trap=i == 1) for i in range(1, 5)]
#: (agent, task, seed) → success. reactive:gate-off wins 2 of 8, lookahead 6 of 8.
WINS = {("reactive:gate-off", "t2", 0), ("reactive:gate-off", "t3", 1)} | {
    ("lookahead", t, s) for t in ("t1", "t2", "t3") for s in (0, 1)
}


def write_fixture(out: Path, agents=AGENTS, token_scale: int = 1) -> None:
    config = EvalConfig(agents=agents, seeds=[0, 1], tasks=[t.id for t in TASKS])
    with ResultsStore(out) as store:
        store.claim(config)
        store.record_tasks((t, s) for t in TASKS for s in (0, 1))
        for agent in agents:
            planning = agent == "lookahead"
            for task in TASKS:
                for seed in (0, 1):
                    ep = Episode(task=task, agent=agent, seed=seed)
                    result = EpisodeResult(
                        run_id=ep.key,
                        task_id=task.id,
                        agent=agent,
                        seed=seed,
                        success=(agent, task.id, seed) in WINS,
                        steps=3,
                        # reactive falls for the trap task both times, lookahead once
                        trap_triggered=task.trap and (not planning or seed == 0),
                        seconds=20.0 if planning else 5.0,
                    )
                    result.usage = Cost(completion_tokens=(40 if planning else 10) * token_scale)
                    result.fidelity.f1, result.fidelity.identity_f1 = (
                        (0.6, 0.4) if planning else (None, None)
                    )
                    trace = f"traces/{ep.key}"
                    if task.id == "t1" and seed == 0:
                        writer = TraceWriter(out / trace)
                        writer.append_step(StepRecord(step=1, url="/shop", page="[1] link 'x'"))
                        writer.write_result(result)
                    store.record(EpisodeRow.from_result(ep, config, result, trace))


def test_bootstrap_and_paired_numbers() -> None:
    ci = bootstrap_mean([1.0, 0.0, 1.0, 1.0])
    assert ci and ci.mean == 0.75 and 0.0 <= ci.low < 0.75 < ci.high <= 1.0
    assert bootstrap_mean([]) is None
    rows = []
    for a, s in (("a", [1, 1, 0]), ("b", [0, 1, 0])):
        for i, ok in enumerate(s):
            rows.append(
                EpisodeRow(
                    episode=f"{a}{i}",
                    config_hash="h",
                    task=f"t{i}",
                    suite="x",
                    agent=a,
                    seed=0,
                    model="m",
                    success=bool(ok),
                    completion_tokens=30 if a == "a" else 10,
                )
            )
    p = paired(rows, "a", "b")
    assert p and p.units == 3 and p.difference.mean == pytest.approx(1 / 3)
    assert p.token_ratio == 3.0


def test_report_files_carry_the_known_numbers(tmp_path: Path) -> None:
    write_fixture(tmp_path)
    files = build_report(tmp_path)
    md = files.markdown.read_text()
    assert re.search(r"\| reactive:gate-off \| 8 \| 25% \[\d+%–\d+%\] \| 2/2 \(100%\) \| 0 \|", md)
    assert re.search(r"\| lookahead \| 8 \| 75% \[\d+%–\d+%\] \| 1/2 \(50%\) \| 0 \|", md)
    assert "| 0.60 | 0.40 |" in md  # lookahead's fidelity vs the identity baseline
    # lookahead vs the baseline on the same 8 (task, seed) units: +50 points, 4x tokens.
    assert re.search(r"\| lookahead \| reactive:gate-off \| 8 \| 75% \| 25% \| \+50 \[", md)
    assert "| 4.00× | 4.00× |" in md
    assert "| t1 | 0.00 | 1.00 |" in md and "| t4 | 0.00 | 0.00 |" in md

    html = files.html.read_text()
    assert html.count('src="data:image/svg+xml;base64,') == 5
    assert not re.search(r"https?://", html)
    assert html.count('href="traces/') == 2  # the two episodes with a trace folder
    assert (tmp_path / "traces/t1--lookahead--s0/trace.html").exists()
    assert set(files.plots) == {
        "success_rate",
        "success_by_task",
        "cost_vs_success",
        "trap_rate",
        "fidelity",
    }
    assert all(p.read_text().lstrip().startswith("<?xml") for p in files.plots.values())

    with files.csv.open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 16 and sum(r["success"] == "True" for r in rows) == 8


def test_compare_two_runs(tmp_path: Path) -> None:
    write_fixture(tmp_path / "base", agents=["lookahead"])
    write_fixture(tmp_path / "wide", agents=["lookahead"], token_scale=2)
    md = build_report(tmp_path / "base", compare=tmp_path / "wide").markdown.read_text()
    assert "| lookahead [wide] | lookahead [base] | 8 | 75% | 75% | +0 [+0, +0] pts | 2.00× |" in md


def test_a_failed_row_is_counted_from_its_finished_steps(tmp_path: Path) -> None:
    """Rows from before the runner counted a killed episode's steps show 0 of everything;
    the report counts them from the trace."""
    config = EvalConfig(agents=["mcts"], tasks=["t1"])
    ep = Episode(task=TASKS[0], agent="mcts", seed=0)
    writer = TraceWriter(tmp_path / "traces" / ep.key)
    for step, calls in ((0, 42), (1, 0)):
        usage = Cost(calls=calls, prompt_tokens=1000 * calls, completion_tokens=calls)
        writer.append_step(StepRecord(step=step, url="/shop", page="", usage=usage))
    with ResultsStore(tmp_path) as store:
        store.claim(config)
        store.record_tasks([(TASKS[0], 0)])
        store.record(EpisodeRow.failed(ep, config, "timed out", f"traces/{ep.key}", 900.0))
    [row] = RunData.load(tmp_path).rows
    assert (row.steps, row.llm_calls, row.prompt_tokens, row.completion_tokens) == (
        2,
        42,
        42000,
        42,
    )
    assert row.error == "timed out" and row.seconds == 900.0


def test_report_on_a_folder_without_results(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="run `forethought eval"):
        build_report(tmp_path)


def test_cli_report_and_eval_argument_errors(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from forethought.cli.app import app

    write_fixture(tmp_path)
    done = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert done.output.split() == [
        str(tmp_path / n) for n in ("report.html", "report.md", "episodes.csv")
    ]
    both = CliRunner().invoke(
        app,
        ["eval", "--out", str(tmp_path), "--agents", "reactive", "--seeds", "0", "--episodes", "2"],
    )
    assert both.exit_code == 2 and "either --seeds or --episodes" in both.output
    typo = CliRunner().invoke(app, ["eval", "--out", str(tmp_path), "--agents", "reactive:gate-of"])
    assert typo.exit_code == 2 and "unknown agent flag 'gate-of'" in typo.output
