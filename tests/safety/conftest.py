"""Shared set-up for the red-team suite: one Chromium, and each part run once.

Each part (attempts, dry runs, guard routes) runs once per session, for the ids the
session's tests ask for, on a few workers that each have their own sites' server; every
test then checks its own outcome. ``FORETHOUGHT_SAFETY_WORKERS`` sets the workers
(default: two, or one on a single core).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from forethought.bench.safety import (
    AttemptOutcome,
    DryRunOutcome,
    GuardOutcome,
    default_workers,
    run_attempts,
    run_dry_runs,
    run_guard_routes,
)


def _workers() -> int:
    return int(os.environ.get("FORETHOUGHT_SAFETY_WORKERS") or default_workers())


HERE = Path(__file__).parent


def _asked(request: pytest.FixtureRequest, argname: str) -> list[Any]:
    """The parameters this folder's collected tests give ``argname``, in order, each once
    (by id: an attempt's, a task's or a route's)."""
    seen: dict[str, Any] = {}
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or argname not in callspec.params:
            continue
        if not Path(str(item.path)).is_relative_to(HERE):
            continue
        value = callspec.params[argname]
        seen.setdefault(value.id, value)
    return list(seen.values())


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def attempt_outcomes(
    request: pytest.FixtureRequest, shared_browser: None
) -> dict[str, AttemptOutcome]:
    attempts = _asked(request, "attempt")
    outcomes = await run_attempts(attempts, workers=_workers())
    return {o.id: o for o in outcomes}


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def dry_run_outcomes(
    request: pytest.FixtureRequest, shared_browser: None
) -> dict[str, DryRunOutcome]:
    tasks = _asked(request, "task")
    outcomes = await run_dry_runs(tasks, workers=_workers())
    return {o.task: o for o in outcomes}


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def guard_outcomes(
    request: pytest.FixtureRequest, shared_browser: None
) -> dict[str, GuardOutcome]:
    routes = _asked(request, "route")
    outcomes = await run_guard_routes(routes, workers=_workers())
    return {o.id: o for o in outcomes}
