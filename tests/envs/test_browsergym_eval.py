"""``forethought eval`` on a real BrowserGym episode, in the BrowserGym virtualenv.

The CLI as a user runs it: BrowserGym's MiniWoB click-test, the reactive agent, the
embedded 0.5B model (pulled by ``make test``; found through the registry), and the same
results store and report as our own suites. Asserts completion, never success.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from forethought.envs.browsergym import browsergym_available

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),
    pytest.mark.skipif(
        not browsergym_available(),
        reason="browsergym is not importable; it runs in the second virtualenv (.venv-bg, "
        "Playwright 1.44): make install-bg",
    ),
]

TASK = "browsergym:miniwob.click-test"


def test_eval_runs_a_browsergym_episode_into_the_results_store(tmp_path: Path) -> None:
    from forethought.settings import TEST_MODEL
    from forethought.worldmodel import registry

    if registry.cached_path(TEST_MODEL) is None:
        registry.pull(TEST_MODEL)  # make test pulled it already; this is for a bare pytest
    out = tmp_path / "run"
    cmd = [
        sys.executable, "-m", "forethought", "eval",
        "--suite", "browsergym:miniwob", "--tasks", TASK, "--agents", "reactive",
        "--model", TEST_MODEL, "--max-steps", "3", "--out", str(out),
    ]  # fmt: skip
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    with sqlite3.connect(out / "results.sqlite") as conn:
        rows = conn.execute("SELECT task, suite, agent, model, error FROM episodes").fetchall()
    assert rows == [(TASK, "browsergym:miniwob", "reactive", TEST_MODEL, None)], rows
    report = out / "report.md"
    assert report.exists(), run.stderr[-3000:]
    assert TASK in report.read_text()
