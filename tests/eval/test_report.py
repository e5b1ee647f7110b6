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


#: Levels for the level breakdown: t1, t2 easy (t1 the trap task), t3 medium, t4 hard.
LEVELS = {"t1": "easy", "t2": "easy", "t3": "medium", "t4": "hard"}


def write_fixture(
    out: Path,
    agents=AGENTS,
    token_scale: int = 1,
    levels: dict[str, str] | None = None,
    traps: bool = True,
) -> None:
    tasks = [
        t.model_copy(
            update={
                "meta": {"level": levels[t.id]} if levels else {},
                "trap": t.trap and traps,
            }
        )
        for t in TASKS
    ]
    config = EvalConfig(agents=agents, seeds=[0, 1], tasks=[t.id for t in tasks])
    with ResultsStore(out) as store:
        store.claim(config)
        store.record_tasks((t, s) for t in tasks for s in (0, 1))
        for agent in agents:
            planning = agent == "lookahead"
            for task in tasks:
                for seed in (0, 1):
                    ep = Episode(task=task, agent=agent, seed=seed)
                    result = EpisodeResult(
                        run_id=ep.key,
                        task_id=task.id,
                        agent=agent,
                        seed=seed,
                        success=(agent, task.id, seed) in WINS,
                        verdict_detail="done"
                        if (agent, task.id, seed) in WINS
                        else f"{task.id} left undone (seed {seed})",
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


def test_failed_episodes_are_listed_with_their_reasons(tmp_path: Path) -> None:
    write_fixture(tmp_path)
    with ResultsStore(tmp_path) as store:
        rows = {r.episode: r for r in store.rows()}
        config = EvalConfig.model_validate(store.stored_config())
        # A crash whose message has a pipe and a second line (a log tail, say).
        crashed = Episode(task=TASKS[3].model_copy(), agent="mcts", seed=0)
        store.record(
            EpisodeRow.failed(
                crashed, config, "episode crashed: a | b\nTraceback …", "traces/x", 1.0
            )
        )
    assert rows["t4--lookahead--s1"].verdict_detail == "t4 left undone (seed 1)"  # stored
    md = build_report(tmp_path).markdown.read_text()
    failures = md.split("## Failed episodes", 1)[1].split("## ", 1)[0]
    lines = [line for line in failures.splitlines() if re.match(r"\| t\d ", line)]
    # 6 of reactive's 8, 2 of lookahead's 8, and the crash: successes are not listed.
    assert len(lines) == 9
    assert "| t4 | lookahead | 1 | t4 left undone (seed 1) |" in lines
    assert "| t1 | reactive:gate-off | 0 | t1 left undone (seed 0) |" in lines
    assert "| t4 | mcts | 0 | episode crashed: a \\| b |" in lines
    assert "Traceback" not in failures
    html = (tmp_path / "report.html").read_text()
    assert "t4 left undone (seed 1)" in html and "episode crashed: a | b" in html


def test_a_timed_out_failure_says_so() -> None:
    from forethought.eval.report import failure_reason

    row = EpisodeRow(
        episode="e", config_hash="h", task="t", suite="s", agent="a", seed=0, model="m"
    )
    judged = row.model_copy(update={"verdict_detail": "wrong order", "timed_out": True})
    assert failure_reason(judged) == "wrong order (timed out)"
    unjudged = row.model_copy(update={"error": "timed out after 2 s", "timed_out": True})
    assert failure_reason(unjudged) == "timed out after 2 s"
    assert failure_reason(row) == "no reason recorded"
    assert failure_reason(row.model_copy(update={"verdict_detail": "x" * 500})).endswith("x…")


def test_success_and_trap_rate_by_level(tmp_path: Path) -> None:
    write_fixture(tmp_path, levels=LEVELS)
    md = build_report(tmp_path).markdown.read_text()
    section = md.split("## By task level", 1)[1].split("## ", 1)[0]
    assert "| agent | level | episodes | success [95% CI] | trap rate [95% CI] |" in section
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    # reactive: 1 of 4 easy (falls for the trap both times), 1 of 2 medium, 0 of 2 hard;
    # lookahead: every easy and medium one (the trap once), no hard one.
    assert rows[1:] == [
        "| reactive:gate-off | easy | 4 | 25% [0%–75%] | 2/2: 100% [100%–100%] |",
        "| reactive:gate-off | medium | 2 | 50% [0%–100%] | – |",
        "| reactive:gate-off | hard | 2 | 0% [0%–0%] | – |",
        "| lookahead | easy | 4 | 100% [100%–100%] | 1/2: 50% [0%–100%] |",
        "| lookahead | medium | 2 | 100% [100%–100%] | – |",
        "| lookahead | hard | 2 | 0% [0%–0%] | – |",
    ]
    html = (tmp_path / "report.html").read_text()
    assert "By task level" in html and "1/2: 50% [0%–100%]" in html


def test_levels_without_traps_draw_no_trap_column(tmp_path: Path) -> None:
    write_fixture(tmp_path, levels=LEVELS, traps=False)
    md = build_report(tmp_path).markdown.read_text()
    section = md.split("## By task level", 1)[1].split("## ", 1)[0]
    assert "| agent | level | episodes | success [95% CI] |\n" in section
    assert "trap" not in section and "| lookahead | easy | 4 | 100% [100%–100%] |" in section


def test_no_levels_no_breakdown(tmp_path: Path) -> None:
    write_fixture(tmp_path)
    md = build_report(tmp_path).markdown.read_text()
    assert (
        "By task level" not in md and "By task level" not in (tmp_path / "report.html").read_text()
    )


def test_an_old_store_opens_gains_the_new_columns_and_reports(tmp_path: Path) -> None:
    """A store written before verdict reasons, timeouts and levels were kept."""
    import sqlite3

    old_columns = (
        "episode TEXT PRIMARY KEY, config_hash TEXT, task TEXT, suite TEXT, agent TEXT, "
        "seed INTEGER, model TEXT, success INTEGER, reward REAL, steps INTEGER, "
        "llm_calls INTEGER, prompt_tokens INTEGER, completion_tokens INTEGER, seconds REAL, "
        "gate_events TEXT, trap_triggered INTEGER, speculative_actions INTEGER, "
        "fidelity_f1 REAL, identity_f1 REAL, error TEXT, trace_path TEXT"
    )
    config = EvalConfig(agents=["reactive"], tasks=["t1"], max_steps=8)
    with sqlite3.connect(tmp_path / "results.sqlite") as db:
        db.execute(f"CREATE TABLE episodes ({old_columns})")
        db.execute(
            "INSERT INTO episodes VALUES ('t1--reactive--s0', 'h', 't1', 'builtin', 'reactive',"
            " 0, 'm', 0, NULL, 2, 1, 10, 1, 3.0, '[]', 0, 0, NULL, NULL, NULL, NULL)"
        )
    with ResultsStore(tmp_path) as store:
        store.claim(config)
        store.record_tasks([(TASKS[0], 0)])
        [old] = store.rows()
        assert (old.verdict_detail, old.stop_reason, old.timed_out, old.level) == (
            "",
            None,
            False,
            None,
        )
        ep = Episode(
            task=TASKS[1].model_copy(update={"meta": {"level": "hard"}}), agent="reactive", seed=0
        )
        result = EpisodeResult(run_id="r", task_id="t2", agent="reactive", verdict_detail="nope")
        assert store.record(EpisodeRow.from_result(ep, config, result, "traces/r"))
        new = {r.task: r for r in store.rows()}["t2"]
        assert (new.verdict_detail, new.level) == ("nope", "hard")
    md = build_report(tmp_path).markdown.read_text()
    assert (
        "| t1 | reactive | 0 | no reason recorded |" in md and "| t2 | reactive | 0 | nope |" in md
    )
    assert "max steps 8" in md
