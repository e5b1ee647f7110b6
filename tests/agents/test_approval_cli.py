"""An approval that outlives the process, answered on the command line.

The first run (the API, with the role doubles of doubles.py) stops at the irreversible
"Yes, cancel order" click and waits; ``forethought solve --resume RUN_ID``, on a
terminal, then asks that question again and runs the action on "yes". The browser, the
site, its database, the CLI and (for the steps after the approval) the 0.5B model are real.
"""

from __future__ import annotations

import json
import os
import pty
import sqlite3
import subprocess
import sys

import pytest

from forethought import settings
from forethought.agents import Agent, AgentConfig, EpisodeStatus
from tests.agents.conftest import order_page_task
from tests.agents.doubles import EchoWorldModel, FixedCritic, ScriptedPolicy

pytestmark = pytest.mark.slow
CANCEL_FLOW = [("/orders/", 'click("Yes, cancel order")'), ("/orders/", 'click("Cancel order")')]


async def test_solve_resume_asks_the_pending_approval_again(runs_home):
    task = order_page_task()
    agent = Agent(
        # Two steps: "Cancel order", then the approved click ends the episode (no model call).
        AgentConfig(agent="reactive", max_steps=2, on_irreversible="ask"),
        base_url="http://127.0.0.1:9/v1",  # never called: every role is plugged in
        model=settings.TEST_MODEL,  # what the resumed run will serve
        policy=ScriptedPolicy(CANCEL_FLOW),
        world_model=EchoWorldModel(),
        critic=FixedCritic(1.0),
    )
    waiting = await agent.run(task)
    assert waiting.status is EpisodeStatus.AWAITING_APPROVAL
    assert waiting.approval.risk == "irreversible" and waiting.approval.score == 1.0
    folder = runs_home / "runs" / waiting.run_id
    assert not (folder / "result.json").exists()

    (runs_home / "models").symlink_to(settings.models_dir())
    terminal, stdin = pty.openpty()
    # "yes" to the pending question; "no" to any the 0.5B model raises afterwards.
    os.write(terminal, b"y\n" + b"n\n" * 4)
    proc = subprocess.run(
        [sys.executable, "-m", "forethought", "solve", "--resume", waiting.run_id],
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=420,
        env={**os.environ, "FORETHOUGHT_HOME": str(runs_home)},
    )
    os.close(terminal)
    os.close(stdin)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert output.count("Approval needed") >= 1 and waiting.approval.action in output
    result = json.loads((folder / "result.json").read_text())
    decisions = [(e["risk"], e["decision"]) for e in result["gate_events"]]
    assert decisions[0] == ("irreversible", "approved")
    with sqlite3.connect(folder / "sites.db") as conn:
        cancelled = conn.execute(
            "SELECT COUNT(*) FROM shop_orders WHERE status = 'cancelled'"
        ).fetchone()[0]
    assert cancelled >= 1 and result["success"]
