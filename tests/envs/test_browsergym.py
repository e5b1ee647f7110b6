"""The BrowserGym adapter on BrowserGym's MiniWoB (runs in the Playwright 1.44 virtualenv)."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from forethought.envs.browsergym import browsergym_available

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not browsergym_available(),
        reason="browsergym is not importable; it runs in the second virtualenv (.venv-bg, "
        "Playwright 1.44): make install-bg",
    ),
]


@pytest.fixture(scope="module")
async def env():
    from forethought.envs.browsergym import BrowserGymEnv

    env = BrowserGymEnv(pre_observation_delay=0.1)
    yield env
    await env.close()


def task(name: str):
    from forethought.envs.browsergym import list_browsergym_tasks

    return next(t for t in list_browsergym_tasks("miniwob") if t.id == f"browsergym:miniwob.{name}")


def test_lists_browsergym_miniwob_tasks() -> None:
    from forethought.envs.browsergym import list_browsergym_tasks

    tasks = list_browsergym_tasks("miniwob")
    assert len(tasks) >= 100
    assert {t.suite for t in tasks} == {"browsergym:miniwob"}


async def test_solves_click_button_without_blocking_the_loop(env) -> None:
    from forethought.envs.parse import parse_action

    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    beat = asyncio.create_task(heartbeat())
    try:
        start = time.monotonic()
        obs = await env.reset(task("click-button"), seed=1)
        elapsed = time.monotonic() - start
        assert ticks >= elapsed / 0.02 * 0.3  # the loop kept running during reset
    finally:
        beat.cancel()
    (label,) = re.findall(r'"([^"]*)"', env.goal)
    button = next(e for e in obs.elements if e.role == "button" and e.name == label)
    result = await env.step(parse_action(f'click("{button.id}")', obs))
    assert result.done and result.reward and result.reward > 0
    assert (await env.evaluate()).success


async def test_wrong_action_and_fill(env) -> None:
    from forethought.envs.parse import parse_action

    for seed in range(2, 12):  # a seed whose page has a wrong button to press
        obs = await env.reset(task("click-button"), seed=seed)
        (label,) = re.findall(r'"([^"]*)"', env.goal)
        wrong = [e for e in obs.elements if e.role == "button" and e.name != label]
        if wrong:
            break
    wrong = wrong[0]
    result = await env.step(parse_action(f"click({wrong.id})", obs))
    assert result.done and not (result.reward or 0) > 0

    obs = await env.reset(task("enter-text"), seed=3)
    (text,) = re.findall(r'"([^"]*)"', env.goal)
    box = next(e for e in obs.elements if e.role == "textbox")
    result = await env.step(parse_action(f'fill({box.id}, "{text}")', obs))
    result = await env.step(parse_action("click(Submit)", result.observation))
    assert result.done and result.reward and result.reward > 0


async def test_every_action_kind_runs_in_browsergyms_action_set(env) -> None:
    """Each kind of action, translated, runs on a real BrowserGym page without an error
    (an action outside the env's action set would come back as a NameError)."""
    from forethought.envs.parse import parse_action

    obs = await env.reset(task("enter-text"), seed=3)
    (text,) = re.findall(r'"([^"]*)"', env.goal)
    box = next(e for e in obs.elements if e.role == "textbox")
    for line in [
        f"hover({box.id})",
        f'fill({box.id}, "{text}")',
        'press("End")',  # to the focused field
        f'press({box.id}, "End")',
        "scroll(down)",
    ]:
        result = await env.step(parse_action(line, obs))
        assert result.error is None, f"{line}: {result.error}"
        obs = result.observation
        if line.startswith("fill"):
            assert obs.focused == box.id
    result = await env.step(parse_action("click(Submit)", obs))
    assert result.done and result.reward and result.reward > 0

    obs = await env.reset(task("click-test"), seed=1)
    for line in [f'goto("{obs.url}")', "go_back()"]:  # leaving the task may end its episode
        result = await env.step(parse_action(line, obs))
        assert result.error is None, f"{line}: {result.error}"
        obs = result.observation

    await env.reset(task("click-test"), seed=1)
    result = await env.step(parse_action('stop("done")'))
    assert result.error is None and result.done


def test_states_say_a_box_not_ticked_and_a_section_closed() -> None:
    from forethought.envs.browsergym import _states

    def node(**props):
        return {"properties": [{"name": k, "value": {"value": v}} for k, v in props.items()]}

    assert _states(node(checked="false", expanded=False)) == ["unchecked", "collapsed"]
    assert _states(node(checked="true", disabled=True)) == ["checked", "disabled"]
    assert _states(node(checked="mixed", focused=True)) == []
