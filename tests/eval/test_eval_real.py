"""Real evaluations: the real agent, the embedded 0.5B server, real browsers and sites.

Assert completion, rows, traces and report files, never task success.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forethought.eval.config import EvalConfig
from forethought.eval.report import build_report
from forethought.eval.runner import run_eval
from forethought.eval.store import ResultsStore
from forethought.settings import TEST_MODEL
from forethought.worldmodel import registry
from forethought.worldmodel.serving.managed import ManagedServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]
MODEL = TEST_MODEL
SMALL = {"model": MODEL, "max_steps": 2, "planner": {"candidates": 2, "depth": 1}}


@pytest.fixture(scope="module")
def base_url() -> str:
    registry.pull(MODEL)
    with ManagedServer(MODEL) as server:
        assert server.base_url
        yield server.base_url


def assert_complete(out: Path, expected: int) -> list:
    with ResultsStore(out) as store:
        rows = store.rows()
    assert len(rows) == expected == len({r.episode for r in rows})
    for row in rows:
        assert row.error is None, row.error
        assert row.model == MODEL and row.llm_calls > 0
        assert (out / row.trace_path / "result.json").exists()
        assert (out / row.trace_path / "manifest.json").exists()
    return rows


def test_real_small_run_with_its_own_server_and_report(tmp_path: Path) -> None:
    """builtin suite, 2 tasks x 2 agents; no base URL: the runner serves the model."""
    config = EvalConfig(
        tasks=["shop.price-lookup", "mail.delete-1"],
        # The reactive pair is the cheapest real pair (lookahead runs in tests/agents).
        agents=["reactive:gate-off", "reactive"],
        **SMALL,
    )
    summary = run_eval(config, tmp_path, workers=2, show_progress=False)
    assert (summary.total, summary.ran, summary.errors) == (4, 4, 0)
    assert_complete(tmp_path, 4)
    files = build_report(tmp_path)
    html = files.html.read_text()
    assert html.count("data:image/svg+xml;base64,") == 5
    assert html.count('href="traces/') == 4
    assert len(list(tmp_path.glob("traces/*/trace.html"))) == 4
    assert files.markdown.exists() and len(files.csv.read_text().splitlines()) == 5
    assert len(list((tmp_path / "plots").glob("*.svg"))) == 5


def _eval_command(out: Path, base_url: str) -> list[str]:
    return [
        sys.executable, "-m", "forethought", "eval", "--out", str(out), "--base-url", base_url,
        "--model", MODEL, "--suite", "builtin", "--agents", "reactive",
        "--tasks", "shop.price-lookup,shop.order-total,mail.count-from",
        "--max-steps", "2", "--workers", "1", "--no-report",
    ]  # fmt: skip


def test_sigkill_midway_then_resume_runs_each_episode_once(tmp_path: Path, base_url: str) -> None:
    cmd = _eval_command(tmp_path, base_url)
    proc = subprocess.Popen(cmd, start_new_session=True, stderr=subprocess.DEVNULL)
    db = tmp_path / "results.sqlite"
    deadline = time.monotonic() + 500
    finished: list[str] = []
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            with sqlite3.connect(db) as conn:
                finished = [r[0] for r in conn.execute("SELECT episode FROM episodes")]
            if finished:
                break
        time.sleep(1)
    assert finished and proc.poll() is None, "the first episode did not finish in time"
    os.killpg(proc.pid, signal.SIGKILL)  # the run, its worker and its browser
    proc.wait()
    before = {e: (tmp_path / "traces" / e / "result.json").read_text() for e in finished}

    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(finished)} already done" in rerun.stderr
    assert_complete(tmp_path, 3)
    for episode, result in before.items():  # finished episodes never ran again
        assert (tmp_path / "traces" / episode / "result.json").read_text() == result


def test_ray_backend_runs_real_episodes(tmp_path: Path, base_url: str) -> None:
    pytest.importorskip("ray")
    config = EvalConfig(tasks=["shop.price-lookup"], agents=["reactive"], seeds=[0, 1], **SMALL)
    summary = run_eval(
        config, tmp_path, workers=2, backend="ray", base_url=base_url, show_progress=False
    )
    assert (summary.ran, summary.errors) == (2, 0)
    assert_complete(tmp_path, 2)
