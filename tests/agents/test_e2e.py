"""End to end with the real embedded model (0.5B): the CLI, the API examples, traces.

These assert completion and trace contents, not task success: the 0.5B model is too
weak to solve the built-in tasks reliably.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from forethought import settings
from forethought.agents.trace import read_trace
from forethought.worldmodel import registry

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
MODEL = settings.TEST_MODEL


def _cli(*args: str, home: Path, timeout: int = 420) -> subprocess.CompletedProcess:
    env = {**os.environ, "FORETHOUGHT_HOME": str(home)}
    models = settings.models_dir()
    # Runs go to the temporary home; the pulled models are shared through a symlink.
    (home / "models").parent.mkdir(parents=True, exist_ok=True)
    if not (home / "models").exists():
        (home / "models").symlink_to(models)
    return subprocess.run(
        [sys.executable, "-m", "forethought", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def test_solve_json_and_trace_view(tmp_path):
    proc = _cli(
        "solve",
        "--task",
        "mail.delete-1",
        "--model",
        MODEL,
        "--max-steps",
        "2",
        "--candidates",
        "2",
        "--json",
        home=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    assert set(result) >= {
        "run_id",
        "status",
        "success",
        "answer",
        "steps",
        "stop_reason",
        "llm_calls",
        "completion_tokens",
        "seconds",
        "gate_events",
        "fidelity",
        "speculative_actions",
    }
    assert set(result["fidelity"]) == {"f1", "identity_f1", "n"}
    assert result["llm_calls"] >= 1 and 0 <= result["steps"] <= 2
    reasons = {"stop", "step limit", "episode ended", "no valid action proposed"}
    assert result["stop_reason"] in reasons
    assert "Step 0 planning" in proc.stderr  # the live view went to stderr
    folder = tmp_path / "runs" / result["run_id"]
    trace = read_trace(folder)
    assert trace.manifest["models"]["policy"] == MODEL
    assert trace.manifest["model_sha256"]["policy"] == registry.MODELS[MODEL].sha256
    assert trace.result is not None and trace.result.run_id == result["run_id"]
    assert len(trace.steps) >= result["steps"]
    if result["steps"]:
        assert list((folder / "trees").glob("*.json"))
    view = _cli("trace", "view", result["run_id"], home=tmp_path, timeout=60)
    assert view.returncode == 0, view.stderr
    page = Path(view.stdout.strip().splitlines()[-1])
    html = page.read_text()
    assert page == folder / "trace.html" and "<svg" in html
    assert 'src="http' not in html and "@import" not in html  # loads nothing from the network


@pytest.mark.parametrize(
    "script", ["builtin_lookahead.py", "custom_start_url.py", "custom_critic.py"]
)
def test_examples_run(script, tmp_path):
    env = {**os.environ, "FORETHOUGHT_HOME": str(tmp_path)}
    (tmp_path / "models").symlink_to(settings.models_dir())
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / script),
            "--model",
            MODEL,
            "--max-steps",
            "2",
            "--candidates",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=420,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip()
