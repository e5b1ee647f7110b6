"""Resume after SIGKILL: the run continues, and no real action is repeated."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forethought.agents import AgentConfig, ResumeError, run_episode
from forethought.agents.runtime import Roles
from tests.agents.doubles import EchoWorldModel, FixedCritic, ScriptedPolicy
from tests.agents.scripted_run import TASK

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _intents(folder: Path) -> list[dict]:
    path = folder / "intents.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def _cart_qty(folder: Path) -> int:
    with sqlite3.connect(folder / "sites.db") as conn:
        return conn.execute("SELECT COALESCE(SUM(qty), 0) FROM shop_cart").fetchone()[0]


def _run(folder: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.agents.scripted_run", "resume-test", str(folder), *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ},
    )


def test_sigkill_then_resume_repeats_no_action(tmp_path):
    folder = tmp_path / "run"
    proc = _run(folder)
    deadline = time.monotonic() + 120
    while not any(r["status"] == "done" for r in _intents(folder)):
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "the first action never finished"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (folder / "result.json").exists()
    killed_at = len(_intents(folder))

    resumed = _run(folder, "--resume")
    output, _ = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, output
    assert "restarted False" in output
    records = _intents(folder)
    attempted = [r for r in records if r["status"] == "intent"]
    steps = [r["step"] for r in attempted]
    assert len(steps) == len(set(steps)), f"a step was attempted twice: {records}"
    assert len(records) > killed_at  # it really went on after the kill
    adds = [r for r in attempted if "click" in r["action"]]
    # Every attempted add-to-cart reached the database exactly once.
    assert _cart_qty(folder) == len(adds) >= 2
    result = json.loads((folder / "result.json").read_text())
    assert result["steps"] == 4


async def test_resume_refuses_a_changed_configuration(tmp_path):
    folder = tmp_path / "run"
    roles = Roles(ScriptedPolicy([]), EchoWorldModel(), FixedCritic(1.0))
    config = AgentConfig(max_steps=1)
    (folder).mkdir()
    from forethought.agents.episode import manifest_for

    (folder / "manifest.json").write_text(json.dumps(manifest_for(TASK, config, 0, {})))
    with pytest.raises(ResumeError, match="configuration changed"):
        await run_episode(
            TASK, AgentConfig(max_steps=5), roles, folder=folder, run_id="x", resume=True
        )
