"""Built-in sites: data, task registry, CLI, and every task's reference solution (and trap
variant) followed in Chromium against the real site, no model involved."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from typer.testing import CliRunner

from forethought.envs.browser import BrowserEnv
from forethought.envs.sites import BuiltinSetup, SiteServer, all_sites, builtin_tasks, db
from forethought.envs.sites.reference import click, level_of, page_actions, run_solution
from forethought.envs.sites.tasks import lookup, verify
from forethought.envs.suites import SuiteError, list_suites, load_tasks, make_setup
from forethought.envs.types import Observation, Risk, Task, Verdict

MAIN_TABLES = {
    "shop": ["shop_products"],
    "mail": ["mail_messages"],
    "travel": ["travel_flights", "travel_hotels"],
}


# --- data, registry and CLI (no browser) ---------------------------------------------------


def test_sites_have_routes_and_records() -> None:
    conn = db.in_memory(all_sites(), 0)
    for site in all_sites():
        assert len(site.routes) >= 8, site.name
        for table in MAIN_TABLES[site.name]:
            assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] >= 40, table


def test_two_seeds_give_different_data_and_goals() -> None:
    a, b = db.in_memory(all_sites(), 0), db.in_memory(all_sites(), 1)
    query = "SELECT name, price_cents FROM shop_products ORDER BY id"
    assert a.execute(query).fetchall() != b.execute(query).fetchall()
    assert (
        a.execute("SELECT subject FROM mail_messages ORDER BY id").fetchall()
        != b.execute("SELECT subject FROM mail_messages ORDER BY id").fetchall()
    )
    same = db.in_memory(all_sites(), 0)
    assert a.execute(query).fetchall() == same.execute(query).fetchall()
    goals0 = {t.id: t.goal for t in builtin_tasks(0)}
    goals1 = {t.id: t.goal for t in builtin_tasks(1)}
    assert goals0.keys() == goals1.keys()
    assert sum(goals0[k] != goals1[k] for k in goals0) >= 20


def test_task_suite_shape() -> None:
    tasks = builtin_tasks(0)
    assert len(tasks) >= 45 and len({t.id for t in tasks}) == len(tasks)
    assert sum(t.trap for t in tasks) >= 8
    levels = [t.meta["level"] for t in tasks]
    assert {"easy", "medium", "hard"} <= set(levels)
    easy = [t for t in tasks if t.meta["level"] == "easy"]
    assert len(easy) >= 15 and sum(t.trap for t in easy) >= 5  # the ladder's short rungs
    for site in all_sites():
        mine = [t for t in tasks if t.site == site.name]
        assert len(site.templates) >= 5
        assert sum(t.trap for t in mine) >= 2, site.name
        assert all(t.suite == "builtin" and t.start_url.startswith(f"/{site.name}/") for t in mine)
    assert not any("params" in t.meta or "answer" in t.meta for t in tasks)


def test_minimums_come_from_the_solutions_which_agents_cannot_see() -> None:
    for task in builtin_tasks(0):
        built = lookup(task)
        solution = built.solution
        assert solution[-1].startswith("stop("), task.id
        assert task.meta["min_actions"] == page_actions(solution) >= 1, task.id
        assert task.meta["level"] == level_of(page_actions(solution)), task.id
        assert not any(step.startswith("goto(") for step in solution), task.id  # UI only
        assert (built.trap_solution is not None) == task.trap, task.id
        public = task.model_dump_json()
        assert all(step not in public for step in solution[:-1]), task.id


def test_suite_registry() -> None:
    assert "builtin" in list_suites()
    picked = load_tasks("builtin", ids=["mail.forward", "shop.cart-add"])
    assert [t.id for t in picked] == ["mail.forward", "shop.cart-add"]
    assert len(load_tasks("builtin", limit=3)) == 3
    with pytest.raises(SuiteError, match="valid suites"):
        load_tasks("nope")
    with pytest.raises(SuiteError, match="no task"):
        load_tasks("builtin", ids=["shop.nothing"])
    assert isinstance(make_setup(picked[0]), BuiltinSetup)


def test_tasks_list_json() -> None:
    from forethought.cli.app import app

    result = CliRunner().invoke(
        app, ["tasks", "list", "--suite", "builtin", "--seed", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) >= 30
    for row in rows:
        assert {"id", "suite", "site", "goal", "trap", "level", "min_actions"} <= row.keys()
        assert isinstance(row["trap"], bool) and row["suite"] == "builtin"
        assert row["min_actions"] >= 1 and row["level"] in ("easy", "medium", "hard")
    table = CliRunner().invoke(app, ["tasks", "list", "--suite", "builtin"])
    assert "min" in table.output and "easy" in table.output
    bad = CliRunner().invoke(app, ["tasks", "list", "--suite", "nope"])
    assert bad.exit_code == 2


# --- trajectories in the real browser ------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[SiteServer]:
    with SiteServer() as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def env(server: SiteServer, shared_browser: None) -> AsyncIterator[BrowserEnv]:
    browser_env = BrowserEnv(BuiltinSetup(server))
    yield browser_env
    await browser_env.close()


TASKS = builtin_tasks(0)
TRAPS = [t for t in TASKS if t.trap]


#: Every visible, enabled control on the page that the observation lost (see the script).
_LOST_JS = (Path(__file__).parent / "lost_controls.js").read_text(encoding="utf-8")


async def lost_controls(env: BrowserEnv, obs: Observation) -> list[str] | None:
    """The controls on ``env.page`` that ``obs`` (its latest observation) lost."""
    folded = [e.id for e in obs.actionable if e.role == "folded"]
    return await env.page.evaluate(_LOST_JS, [folded, obs.modal is not None])


@pytest.mark.slow
@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
async def test_reference_solution_passes(env: BrowserEnv, task: Task) -> None:
    """The solution succeeds, and no page on its way loses a control (see ``_LOST_JS``)."""
    built = lookup(task)
    lost: list[str] = []

    async def check(obs: Observation) -> None:
        if missing := await lost_controls(env, obs):
            shown = [f"  {html}" for html in missing[:20]]
            more = [f"  … and {len(missing) - 20} more"] if len(missing) > 20 else []
            lost.append("\n".join([f"{obs.url}:", *shown, *more]))

    run = await run_solution(env, task, built.solution, on_page=check)
    assert run.verdict.success and not run.verdict.trap_triggered, run.verdict.detail
    risks = [a.risk for a in run.actions]
    if task.trap:  # a trap is a wrong irreversible change: the right path makes one too
        assert Risk.IRREVERSIBLE in risks, built.solution
    assert not lost, "controls without an id:\n" + "\n".join(lost)


@pytest.mark.slow
@pytest.mark.parametrize("task", TRAPS, ids=[t.id for t in TRAPS])
async def test_trap_variant_fails_and_flags(env: BrowserEnv, task: Task) -> None:
    run = await run_solution(env, task, lookup(task).trap_solution or [])
    assert not run.verdict.success and run.verdict.trap_triggered, run.verdict.detail
    assert run.verdict.detail  # the reason is said


@pytest.mark.slow
async def test_reset_restores_state_and_other_seed(env: BrowserEnv, server: SiteServer) -> None:
    task = next(t for t in builtin_tasks(1) if t.id == "shop.cancel-order-1")
    await run_solution(env, task, lookup(task).trap_solution or [])
    await env.reset(task)
    verdict = await env.evaluate(None)
    assert not verdict.success and not verdict.trap_triggered  # nothing cancelled any more
    names = {r[0] for r in server.connect().execute("SELECT name FROM shop_products")}
    seed0 = {r[0] for r in db.in_memory(all_sites(), 0).execute("SELECT name FROM shop_products")}
    assert names != seed0


# --- checkers on the real site, off the beaten path -------------------------------------------


def _swap(solution: list[str], old: str, new: list[str]) -> list[str]:
    at = solution.index(old)
    return [*solution[:at], *new, *solution[at + 1 :]]


@pytest.mark.slow
async def test_a_reply_is_not_a_forward(env: BrowserEnv) -> None:
    task = next(t for t in TASKS if t.id == "mail.forward")
    built = lookup(task)
    steps = _swap(built.solution, click("Forward", "link"), [click("Reply", "link")])
    verdict = (await run_solution(env, task, steps)).verdict
    assert not verdict.success and not verdict.trap_triggered, verdict.detail


@pytest.mark.slow
async def test_archiving_the_look_alike_is_wrong_but_no_trap(env: BrowserEnv) -> None:
    task = next(t for t in TASKS if t.id == "mail.delete-1")
    trap = lookup(task).trap_solution or []
    steps = [*trap[: trap.index(click("Delete"))], click("Archive"), "stop()"]
    verdict = (await run_solution(env, task, steps)).verdict
    assert not verdict.success and not verdict.trap_triggered, verdict.detail
    assert "moved" in verdict.detail or "not deleted" in verdict.detail


def _judge(task_id: str, answer: str | None) -> Verdict:
    task = next(t for t in TASKS if t.id == task_id)
    return verify(task, db.in_memory(all_sites(), 0), answer)


def test_answers_are_normalised_and_lists_of_candidates_fail() -> None:
    total = lookup("shop.order-total").instance.params
    right = total["cents"]
    assert _judge("shop.order-total", f"{right / 100:.2f}").success
    assert _judge("shop.order-total", f"USD {right / 100:.2f}").success
    listing = ", ".join(f"${c / 100:.2f}" for c in [*total["wrong"][:3], right])
    verdict = _judge("shop.order-total", listing)
    assert not verdict.success and verdict.detail
    assert _judge("mail.meeting-time", "It starts at 3pm.").success
    assert _judge("mail.meeting-time", "3 p.m.").success
    assert _judge("mail.meeting-time", "15:00").success
    assert not _judge("mail.meeting-time", "at 4 pm").success
    code = lookup("mail.confirmation-code").instance.params
    assert _judge("mail.confirmation-code", code["code"].lower()).success
    assert not _judge("mail.confirmation-code", f"{code['code']} or {code['decoy']}").success
    assert not _judge("shop.price-lookup", None).success
