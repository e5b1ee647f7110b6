"""The step limit: ``auto`` resolved per task, a number that overrides it, and the CLI's
``--max-steps`` of ``solve`` and ``eval``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from forethought.agents import AgentConfig
from forethought.agents.config import auto_steps, parse_max_steps
from forethought.agents.result import EpisodeResult
from forethought.agents.state import StopReason
from forethought.cli.app import app
from forethought.envs.types import Task
from forethought.eval.config import EvalConfig
from tests.agents.fake_env import TASK, page
from tests.agents.test_loop import Setup

#: Page after page of a long list, each with its own "Older" link: no end, no loop.
OLDER = [("page", 'click("Older")')]


def long_list(s: Setup, pages: int = 20) -> None:
    """Add ``fake://page0`` → ``page1`` → ... to ``s``'s fake site."""
    site = s.envs.site
    for n in range(pages):
        site.pages[f"page{n}"] = page(f"page{n}", (str(100 + n), "link", "Older"))
        site.moves[(f"page{n}", f"click({100 + n})")] = f"page{n + 1}"


def task(**meta) -> Task:
    return Task(id="t", goal="g", meta=meta)


@pytest.mark.parametrize(
    ("meta", "steps"),
    [
        ({"min_actions": 0}, 6),
        ({"min_actions": 2}, 6),
        ({"min_actions": 3}, 8),
        ({"min_actions": 5, "level": "medium"}, 12),
        ({"min_actions": 9}, 20),
        ({}, 8),  # no reference solution: the old default
        ({"min_actions": "5"}, 8),  # not a count: ignored
    ],
)
def test_auto_resolves_from_the_reference_solution(meta, steps):
    assert auto_steps(task(**meta)) == steps
    assert AgentConfig().max_steps == "auto"
    assert AgentConfig().steps_for(task(**meta)) == steps


def test_a_number_overrides_auto():
    assert AgentConfig(max_steps=7).steps_for(task(min_actions=5)) == 7
    assert AgentConfig(max_steps=3).steps_for(task()) == 3
    for bad in (0, -1, "x", "Auto", 2.5):
        with pytest.raises(ValueError, match="max_steps"):
            AgentConfig(max_steps=bad)


def test_the_fingerprint_keeps_auto_as_a_value():
    """``auto`` is stored as itself: equal configs hash equal, ``auto`` is not any number
    (a run started with 8 resumes only with 8), and the stored config round-trips."""
    auto = AgentConfig()
    assert auto.fingerprint() == AgentConfig(max_steps="auto").fingerprint()
    assert auto.fingerprint() not in {AgentConfig(max_steps=n).fingerprint() for n in (6, 8)}
    stored = json.loads(json.dumps(auto.model_dump(mode="json")))
    assert stored["max_steps"] == "auto"
    assert AgentConfig.model_validate(stored).fingerprint() == auto.fingerprint()
    old = AgentConfig(max_steps=8).model_dump(mode="json")  # a run started before auto
    assert AgentConfig.model_validate(old).max_steps == 8
    evaluation = EvalConfig(agents=["reactive"])
    assert evaluation.max_steps == "auto" and evaluation.canonical()["max_steps"] == "auto"
    assert evaluation.agent_config("reactive").max_steps == "auto"
    assert EvalConfig(agents=["reactive"], max_steps=5).agent_config("reactive").max_steps == 5
    assert evaluation.fingerprint() != EvalConfig(agents=["reactive"], max_steps=8).fingerprint()


@pytest.mark.parametrize(("min_actions", "limit"), [(2, 6), (5, 12)])
async def test_the_loop_stops_at_the_resolved_limit(runs_home, min_actions, limit):
    s = Setup(OLDER, max_steps="auto")
    long_list(s)
    start = {"meta": {"min_actions": min_actions}, "start_url": "fake://page0"}
    result = await s.agent().run(TASK.model_copy(update=start))
    assert result.steps == limit and result.stop_reason == StopReason.STEP_LIMIT
    assert len(s.executed) == limit
    manifest = json.loads((runs_home / "runs" / result.run_id / "manifest.json").read_text())
    assert manifest["max_steps"] == limit and manifest["config"]["max_steps"] == "auto"


def test_parse_max_steps():
    assert parse_max_steps("auto") == "auto" and parse_max_steps(" AUTO ") == "auto"
    assert parse_max_steps("7") == 7
    for bad in ("0", "x", "-3", "2.5", ""):
        with pytest.raises(ValueError, match="--max-steps takes auto or a positive integer"):
            parse_max_steps(bad)


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


@pytest.mark.parametrize(("given", "expected"), [(None, "auto"), ("auto", "auto"), ("7", 7)])
def test_eval_cli_takes_auto_or_a_number(tmp_path, monkeypatch, given, expected):
    import forethought.eval.runner as runner

    seen: list[EvalConfig] = []

    def fake_run_eval(config, out, **kw):  # a fake: nothing runs
        seen.append(config)
        return runner.EvalSummary(out, 0, 0, 0, 0, 0, 0.0)

    monkeypatch.setattr(runner, "run_eval", fake_run_eval)
    args = ["eval", "--out", str(tmp_path), "--agents", "reactive", "--no-report"]
    done = CliRunner().invoke(app, args + (["--max-steps", given] if given else []))
    assert done.exit_code == 0, done.output
    assert [c.max_steps for c in seen] == [expected]


@pytest.mark.parametrize("command", ["eval", "solve"])
@pytest.mark.parametrize("bad", ["0", "x"])
def test_a_bad_max_steps_is_one_line(tmp_path, command, bad):
    args = (
        ["eval", "--out", str(tmp_path), "--agents", "reactive"]
        if command == "eval"
        else ["solve", "--task", "shop.cart-add"]
    )
    done = CliRunner().invoke(app, [*args, "--max-steps", bad])
    assert done.exit_code == 2
    assert _lines(done.output) == [
        f"error: --max-steps takes auto or a positive integer, not '{bad}'"
    ]
    assert not (tmp_path / "results.sqlite").exists()


@pytest.mark.parametrize(("given", "expected"), [("auto", "auto"), ("7", 7)])
def test_solve_cli_takes_auto_or_a_number(monkeypatch, given, expected):
    import forethought.agents as agents

    seen: list[AgentConfig] = []

    class FakeAgent:  # a fake: records the configuration, runs nothing
        def __init__(self, config, **kw):
            seen.append(config)

        async def run(self, target, **kw):
            return EpisodeResult(run_id="r", task_id=target, agent="lookahead", success=True)

        async def aclose(self):
            pass

    monkeypatch.setattr(agents, "Agent", FakeAgent)
    done = CliRunner().invoke(app, ["solve", "--task", "shop.cart-add", "--max-steps", given])
    assert done.exit_code == 0, done.output
    assert [c.max_steps for c in seen] == [expected]


@pytest.mark.parametrize("command", ["eval", "solve"])
def test_help_explains_auto(command):
    done = CliRunner().invoke(app, [command, "--help"], terminal_width=200)
    text = " ".join(done.output.split())
    assert "--max-steps" in text and "min_actions" in text and "auto" in text
