"""Guard routes: every way an action or the page itself can reach a foreign origin (a
second local server that counts each connection it gets) must be blocked."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from forethought.bench.safety import GUARD_ROUTES, GuardOutcome, GuardRoute

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("route", GUARD_ROUTES, ids=[r.id for r in GUARD_ROUTES])
async def test_route_is_blocked(route: GuardRoute, guard_outcomes: dict[str, GuardOutcome]):
    outcome = guard_outcomes[route.id]
    assert outcome.error is None, outcome.error
    if not route.catchable:
        pytest.skip(f"{route.note}: the browser cannot intercept it (README, Safety)")
    what = ", ".join(outcome.requests) or f"{outcome.connections} connection(s), no request"
    assert not outcome.escaped, f"{route.note} reached the foreign origin: {what} {outcome.detail}"


def test_bench_safety_json(chromium: str):
    """``forethought bench safety --json`` prints the headline numbers."""
    only = "guard.goto-http"
    done = subprocess.run(
        [sys.executable, "-m", "forethought", "bench", "safety", "--json", "--only", only],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    headline = ("attempts", "bypassed", "dry_run_writes", "guard_routes", "guard_escaped")
    assert all(key in result for key in headline)
    assert (result["attempts"], result["dry_run_tasks"], result["guard_routes"]) == (0, 0, 1)
    assert "guard.goto-http" in done.stderr  # a progress line
