"""Reference solutions: a built-in task's scripted path, its elements found at run time.

A solution is a list of action strings in our grammar in which a *locator* stands where
an element id would be, the way BrowserGym's ``cheat()`` finds elements:

- ``click(button "Place order")``: the first button named exactly so;
- ``click(radio ~"Work:")``: ``~`` matches a name that contains the text;
- ``click(link "Lunch?" in row "Ann Lee")``: a link whose row (or card) mentions Ann Lee;
- ``fill(textbox "To", "ann@example.com")``, ``select(combobox "Size", "M")``;
- ``stop("$45.20")`` or ``stop()`` ends it (with the answer for information tasks).

Only tests and tools read solutions (through :func:`~forethought.envs.sites.tasks.lookup`);
an agent's task carries nothing but the number of actions it takes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from forethought.envs.parse import parse_action
from forethought.envs.risk import assign_risk
from forethought.envs.types import Action, ActionKind, Observation, Verdict

if TYPE_CHECKING:
    from forethought.envs.browser import BrowserEnv
    from forethought.envs.types import Task

__all__ = [
    "DONE",
    "SolutionError",
    "SolutionRun",
    "answer",
    "click",
    "fill",
    "level_of",
    "page_actions",
    "resolve",
    "run_solution",
    "select",
]

DONE = "stop()"

_QUOTED = r'"(?:[^"\\]|\\.)*"'
_LOCATOR = re.compile(
    rf"^(?P<verb>\w+)\((?P<role>[a-z]+) (?P<op>~?)(?P<name>{_QUOTED})"
    rf"(?: in row (?P<row>{_QUOTED}))?(?P<rest>, .*)?\)$"
)


class SolutionError(AssertionError):
    """A reference solution could not be followed on the page it met."""


# --- writing solutions -------------------------------------------------------------------


def _locator(role: str, name: str, contains: bool, row: str | None) -> str:
    where = f" in row {json.dumps(row)}" if row else ""
    return f"{role} {'~' if contains else ''}{json.dumps(name)}{where}"


def click(
    name: str, role: str = "button", *, contains: bool = False, row: str | None = None
) -> str:
    return f"click({_locator(role, name, contains, row)})"


def fill(label: str, text: str, role: str = "textbox") -> str:
    return f"fill({_locator(role, label, False, None)}, {json.dumps(text)})"


def select(label: str, option: str, role: str = "combobox") -> str:
    return f"select({_locator(role, label, False, None)}, {json.dumps(option)})"


def answer(text: str) -> str:
    return f"stop({json.dumps(text)})"


def page_actions(solution: Sequence[str]) -> int:
    """The actions a solution takes on the page: all but its final stop."""
    return len(solution) - (1 if solution and solution[-1].startswith("stop(") else 0)


def level_of(actions: int) -> str:
    """``easy`` (≤ 3 page actions), ``medium`` (4–6) or ``hard`` (≥ 7)."""
    return "easy" if actions <= 3 else "medium" if actions <= 6 else "hard"


# --- following solutions -----------------------------------------------------------------


def resolve(step: str, obs: Observation) -> Action:
    """The action ``step`` names on the page ``obs``: its locator becomes an element id."""
    m = _LOCATOR.match(step)
    if m is None:
        return assign_risk(parse_action(step, obs), obs)
    role, name = m["role"], json.loads(m["name"])
    hits = [
        e
        for e in obs.elements
        if e.role == role and (name in e.name if m["op"] else e.name == name)
    ]
    if m["row"]:  # the row's text travels on its controls' lines
        row = json.loads(m["row"])
        hits = [e for e in hits if row in e.context]
    if not hits:
        raise SolutionError(f"{step}: no such element on {obs.url}\n{obs.render()[:4000]}")
    return assign_risk(parse_action(f"{m['verb']}({hits[0].id}{m['rest'] or ''})", obs), obs)


@dataclass
class SolutionRun:
    """What following a solution did: each action as resolved on its page, and the verdict."""

    verdict: Verdict
    actions: list[Action] = field(default_factory=list)


async def run_solution(
    env: BrowserEnv,
    task: Task,
    solution: Sequence[str],
    on_page: Callable[[Observation], Awaitable[None]] | None = None,
) -> SolutionRun:
    """Start ``task`` on ``env`` and follow ``solution`` step by step; ``on_page`` sees
    each observation a step is resolved on (the page is still ``env.page`` then).

    Raises :class:`SolutionError` when a step cannot be found or its action fails.
    """
    obs = await env.reset(task, int(task.meta.get("seed", 0)))
    done: list[Action] = []
    for step in solution:
        if on_page is not None:
            await on_page(obs)
        action = resolve(step, obs)
        done.append(action)
        result = await env.step(action)
        if action.kind is ActionKind.STOP:
            return SolutionRun(Verdict.model_validate(result.info["verdict"]), done)
        if result.error:
            raise SolutionError(f"{step} on {obs.url}: {result.error}")
        obs = result.observation
    return SolutionRun(await env.evaluate(None), done)
