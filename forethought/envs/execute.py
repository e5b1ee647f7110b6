"""What the browser does for each action: the executors the action table names.

Each executor takes the :class:`~forethought.envs.browser.BrowserEnv` and the action and
performs it on the env's page; :func:`executor_for` finds an action's. An element action
fails at once when its element is gone, hidden, or (click, hover) covered, rather than
after Playwright's action timeout.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, cast
from urllib.parse import urljoin

from forethought.envs.actions import ACTIONS, SCROLL
from forethought.envs.observe import element_handle, reach
from forethought.envs.types import Action, ActionKind

if TYPE_CHECKING:
    from playwright.async_api import ElementHandle

    from forethought.envs.browser import BrowserEnv

__all__ = ["ActionBlocked", "Executor", "GotoRefused", "executor_for"]

Executor = Callable[["BrowserEnv", Action], Awaitable[None]]


class ActionBlocked(RuntimeError):
    """The action's element is there but cannot be reached: hidden, or covered."""


class GotoRefused(ValueError):
    """``goto`` was given a URL it never opens (``javascript:``, ``data:``, ``file:``
    outside the task's files...)."""


def executor_for(kind: ActionKind) -> Executor:
    """The function that performs actions of ``kind`` (named in the action table)."""
    return cast(Executor, getattr(sys.modules[__name__], ACTIONS[kind].executor))


# --- element actions ---------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _element(
    env: BrowserEnv, action: Action, *, reached: bool = True
) -> AsyncIterator[tuple[ElementHandle, bool]]:
    """The action's element, and whether to act on it through its label; with
    ``reached``, it must be shown and not hidden behind a modal or an overlay."""
    if action.target is None:
        raise ValueError(f"{action.kind.value}() needs an element id")
    page = env.page
    handle = await element_handle(page, action.target)
    if handle is None:
        raise LookupError(f"element [{action.target}] is not on the page any more")
    try:
        through_label = False
        if reached:
            problem, through_label = await reach(page, handle, action.kind.value)
            if problem:
                raise ActionBlocked(f"element [{action.target}] {problem}")
        yield handle, through_label
    finally:
        await handle.dispose()


# Playwright waits for the element itself to be on top; a styled box in its own label
# never gets out of the way, yet a click on that box reaches the control: ``force``.


async def click(env: BrowserEnv, action: Action) -> None:
    async with _element(env, action) as (handle, through_label):
        await handle.click(force=through_label)


async def hover(env: BrowserEnv, action: Action) -> None:
    async with _element(env, action) as (handle, through_label):
        await handle.hover(force=through_label)


async def fill(env: BrowserEnv, action: Action) -> None:
    async with _element(env, action) as (handle, _):
        await handle.fill(action.value or "")


async def select(env: BrowserEnv, action: Action) -> None:
    """Pick the option by label, else by value, reading the list's options first."""
    option = action.value or ""
    async with _element(env, action) as (handle, _):
        options: list[list[str]] = await handle.evaluate(
            "el => Array.from(el.options || [], o => [o.label, o.value])"
        )
        if any(label == option for label, _ in options):
            await handle.select_option(label=option)
        elif any(value == option for _, value in options):
            await handle.select_option(value=option)
        else:
            raise ValueError(f"no option {option!r} in this list")


async def press(env: BrowserEnv, action: Action) -> None:
    """Press the key on the element given, else wherever the focus is."""
    if action.target is None:
        await env.page.keyboard.press(action.value or "")
        return
    async with _element(env, action, reached=False) as (handle, _):
        await handle.press(action.value or "")


async def more(env: BrowserEnv, action: Action) -> None:
    """Unfold a folded summary line: the page text shows it in full from now on."""
    if action.target is None:
        raise ValueError("more() needs an element id")
    await env.unfold(action.target)


# --- page actions ------------------------------------------------------------------------


async def scroll(env: BrowserEnv, action: Action) -> None:
    dx, dy = SCROLL[action.value or "down"]
    await env.page.mouse.wheel(dx, dy)


async def goto(env: BrowserEnv, action: Action) -> None:
    """Open the URL (relative to the page's); one the navigation guard does not allow is
    recorded as blocked and not opened."""
    page, guard = env.page, env.guard
    assert guard is not None
    url = urljoin(page.url, action.value or "")
    refusal = guard.refuse_goto(url)
    if refusal:
        raise GotoRefused(refusal)
    if not guard.allows(url):
        guard.record(url)
        return
    await page.goto(url, wait_until="domcontentloaded")


async def go_back(env: BrowserEnv, action: Action) -> None:
    if await env.page.go_back(wait_until="domcontentloaded") is None:
        raise RuntimeError("there is no previous page to go back to")


async def stop(env: BrowserEnv, action: Action) -> None:
    """Nothing happens on the page: :meth:`BrowserEnv.step` evaluates the answer and
    ends the episode before any executor runs."""
