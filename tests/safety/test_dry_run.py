"""Dry run over every built-in task's reference solution: each step runs under
``WritePermit.nothing()``, and no write may reach the sites' database.

The one change allowed is the documented one no write firewall can hold: the webmail
marks a message read when its page is opened by a plain GET (see README, "Safety").
"""

from __future__ import annotations

import pytest

from forethought.bench.safety import GET_SIDE_EFFECTS, DryRunOutcome
from forethought.envs.sites import builtin_tasks
from forethought.envs.types import Task

pytestmark = pytest.mark.slow

TASKS = builtin_tasks(0)
_GET_CELLS = {f"{table}.{column}" for table, column in GET_SIDE_EFFECTS}


@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
async def test_solution_under_dry_run_writes_nothing(
    task: Task, dry_run_outcomes: dict[str, DryRunOutcome]
):
    outcome = dry_run_outcomes[task.id]
    assert outcome.error is None, outcome.error
    assert outcome.followed >= 1, outcome.ended
    assert outcome.writes == outcome.get_writes, (
        f"{outcome.writes - outcome.get_writes} write(s) reached the site under dry run: "
        f"{outcome.changed} ({outcome.followed}/{outcome.steps} steps; {outcome.ended})"
    )
    assert set(outcome.changed) <= _GET_CELLS, outcome.changed
