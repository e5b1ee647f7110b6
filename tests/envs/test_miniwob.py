"""MiniWoB++ on our browser env: scripted trajectories earn the tasks' own rewards."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest

from forethought.envs.browser import BrowserEnv
from forethought.envs.miniwob import MiniWoBSetup, list_miniwob_tasks, miniwob_task
from forethought.envs.parse import parse_action
from forethought.envs.types import Observation, StepResult

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("shared_browser")]

Script = Callable[[BrowserEnv, Observation], Awaitable[StepResult]]


def quoted(goal: str) -> list[str]:
    return re.findall(r'"([^"]*)"', goal)


async def act(env: BrowserEnv, text: str, obs: Observation) -> StepResult:
    return await env.step(parse_action(text, obs))


def control(obs: Observation, role: str, index: int = 0) -> str:
    return [e for e in obs.elements if e.role == role][index].id


async def click_button(env: BrowserEnv, obs: Observation) -> StepResult:
    (label,) = quoted(env.goal)
    button = next(e for e in obs.elements if e.role == "button" and e.name == label)
    return await act(env, f"click({button.id})", obs)


async def click_link(env: BrowserEnv, obs: Observation) -> StepResult:
    (label,) = quoted(env.goal)
    link = next(e for e in obs.elements if e.role == "clickable" and e.name.strip(".,") == label)
    return await act(env, f"click({link.id})", obs)


async def enter_text(env: BrowserEnv, obs: Observation) -> StepResult:
    (text,) = quoted(env.goal)
    result = await act(env, f'fill({control(obs, "textbox")}, "{text}")', obs)
    return await act(env, "click(Submit)", result.observation)


async def login_user(env: BrowserEnv, obs: Observation) -> StepResult:
    user, password = quoted(env.goal)
    r = await act(env, f'fill({control(obs, "textbox", 0)}, "{user}")', obs)
    r = await act(env, f'fill({control(obs, "textbox", 1)}, "{password}")', r.observation)
    return await act(env, "click(Login)", r.observation)


async def choose_list(env: BrowserEnv, obs: Observation) -> StepResult:
    option = re.match(r"Select (.*) from the list", env.goal).group(1)
    r = await act(env, f'select({control(obs, "combobox")}, "{option}")', obs)
    return await act(env, "click(Submit)", r.observation)


async def click_checkboxes(env: BrowserEnv, obs: Observation) -> StepResult:
    wanted = re.match(r"Select (.*?) and click Submit", env.goal).group(1)
    names = [] if wanted.lower() == "nothing" else [w.strip() for w in wanted.split(",")]
    r = None
    for name in names:
        r = await act(env, f'click("{name}")', r.observation if r else obs)
    return await act(env, "click(Submit)", r.observation if r else obs)


async def focus_text(env: BrowserEnv, obs: Observation) -> StepResult:
    return await act(env, f"click({control(obs, 'textbox')})", obs)


async def click_dialog(env: BrowserEnv, obs: Observation) -> StepResult:
    return await act(env, "click(Close)", obs)


SCRIPTS: dict[str, Script] = {
    "click-button": click_button,
    "click-link": click_link,
    "enter-text": enter_text,
    "login-user": login_user,
    "choose-list": choose_list,
    "click-checkboxes": click_checkboxes,
    "focus-text": focus_text,
    "click-dialog": click_dialog,
}


def test_lists_every_miniwob_task() -> None:
    tasks = list_miniwob_tasks()
    assert len(tasks) >= 100
    assert {t.suite for t in tasks} == {"miniwob"}
    assert "miniwob.click-button" in {t.id for t in tasks}
    assert all(t.start_url.startswith("file://") for t in tasks)


@pytest.fixture(scope="module")
async def env():
    env = BrowserEnv(MiniWoBSetup(episode_timeout_s=300))
    yield env
    await env.close()


@pytest.mark.parametrize("name", list(SCRIPTS))
async def test_scripted_trajectory_earns_reward(env: BrowserEnv, name: str) -> None:
    for seed in (1, 2):
        obs = await env.reset(miniwob_task(name), seed=seed)
        assert env.goal and env.goal != miniwob_task(name).goal  # the page's own instruction
        result = await SCRIPTS[name](env, obs)
        assert result.done, f"{name} seed {seed}: episode did not end"
        assert result.reward is not None and result.reward > 0, result.info
        verdict = await env.evaluate()
        assert verdict.success


async def test_episode_clock_is_ours(env: BrowserEnv) -> None:
    await env.reset(miniwob_task("click-button"), seed=0)
    assert await env.page.evaluate("core.EPISODE_MAX_TIME") == 300_000


async def test_seed_reaches_the_task(env: BrowserEnv) -> None:
    goals = []
    for seed in (7, 7, 8):
        await env.reset(miniwob_task("enter-text"), seed=seed)
        goals.append(env.goal)
    assert goals[0] == goals[1] != goals[2]


async def test_wrong_action_gets_no_reward(env: BrowserEnv) -> None:
    obs = await env.reset(miniwob_task("click-button"), seed=3)
    (label,) = quoted(env.goal)
    wrong = next(e for e in obs.elements if e.role == "button" and e.name != label)
    result = await env.step(parse_action(f"click({wrong.id})", obs))
    assert result.done and result.reward is not None and result.reward <= 0
    assert not (await env.evaluate()).success

    obs = await env.reset(miniwob_task("enter-text"), seed=3)
    result = await act(env, f'fill({control(obs, "textbox")}, "certainly wrong")', obs)
    result = await act(env, "click(Submit)", result.observation)
    assert result.done and result.reward is not None and result.reward <= 0


async def test_stopping_early_fails(env: BrowserEnv) -> None:
    await env.reset(miniwob_task("enter-text"), seed=5)
    result = await env.step(parse_action('stop("done")'))
    assert result.done and not result.info["verdict"]["success"]
