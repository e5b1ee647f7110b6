"""Record the fixed workload of ``forethought bench specdec`` from real pages.

Opens the built-in sites (each site's start page and the pages its first links lead to)
and MiniWoB++ tasks in the real browser, picks up to four candidate actions per page (a
sibling group: the planner imagines them all on the same page), and renders the world
model's prompt for each action in every format with :meth:`Prompts.messages`. Pages whose
prompts exceed the token limit are skipped.

Run it with ``python -m forethought.bench.record_specdec`` (a Chromium and the
``miniwob`` package are needed); it rewrites ``forethought/bench/data/specdec_workload.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from forethought.envs.types import Action, ActionKind, Observation, Task

WORKLOAD = Path(__file__).parent / "data" / "specdec_workload.json"
FORMATS = ("full", "diff", "nl")
ACTIONS_PER_PAGE = 4
MAX_PROMPT_TOKENS = 1500
#: Built-in start tasks (one per site) and how many links to follow from each.
BUILTIN_STARTS = ("shop.price-lookup", "mail.count-from", "travel.flight-price")
LINKS_PER_SITE = 5
CLICKABLE = ("button", "link", "checkbox", "radio", "tab", "treeitem", "clickable", "listitem")
MINIWOB_TASKS = (
    "login-user",
    "enter-text",
    "click-checkboxes",
    "choose-list",
    "search-engine",
    "social-media",
    "email-inbox",
    "book-flight",
    "click-tab-2",
    "navigate-tree",
)
#: Groups run by default (12 prompts per format): a shop page, a mail page, MiniWoB.
DEFAULT_GROUPS = ("shop.price-lookup#0", "mail.count-from#0", "miniwob.book-flight#0")

Count = Callable[[list[dict[str, str]]], int]


def candidate_actions(obs: Observation, k: int = ACTIONS_PER_PAGE) -> list[Action]:
    """Up to ``k`` different actions on the page, of as many roles as it offers.

    Pages with fewer actionable elements are padded with page-wide actions (hover,
    scroll, press) that a policy might propose as well.
    """
    by_role: dict[str, list[Action]] = {}
    for e in obs.elements:
        if e.role in ("textbox", "searchbox"):
            action = Action(kind=ActionKind.FILL, target=e.id, value="forethought")
        elif e.role == "combobox":
            options = [o for o in obs.elements if o.role == "option" and o.depth > e.depth]
            if len(options) < 2:
                continue
            action = Action(kind=ActionKind.SELECT, target=e.id, value=options[-1].name)
        elif e.role in CLICKABLE:
            action = Action(kind=ActionKind.CLICK, target=e.id)
        else:
            continue
        by_role.setdefault(e.role, []).append(action)
    picked: list[Action] = []
    queues = list(by_role.values())
    while len(picked) < k and any(queues):  # round-robin over roles, middle elements first
        for queue in queues:
            if queue and len(picked) < k:
                picked.append(queue.pop(len(queue) // 2))
    texts = [e for e in obs.elements if e.role == "text"]
    padding = [Action(kind=ActionKind.HOVER, target=texts[-1].id)] if texts else []
    padding += [
        Action(kind=ActionKind.SCROLL, value="down"),
        Action(kind=ActionKind.PRESS, value="Tab"),
        Action(kind=ActionKind.PRESS, value="Enter"),
    ]
    return (picked + padding)[:k]


def fit_page(
    obs: Observation, goal: str, count: Count, limit: int = MAX_PROMPT_TOKENS
) -> Observation:
    """The page, cut after an element so that its longest prompt fits in ``limit`` tokens."""
    from forethought.worldmodel.prompts import Prompts

    keep = len(obs.elements)
    while True:
        page = obs.model_copy(update={"elements": obs.elements[:keep]})
        messages = Prompts().messages("world_model_full", goal, page, action='fill(99, "x")')
        excess = count(messages) + 64 - limit  # the diff template is a little longer
        if excess <= 0 or keep < 5:
            return page
        keep -= max(1, excess // 12)


def group_record(group_id: str, source: str, goal: str, obs: Observation) -> dict[str, Any]:
    """One page with its candidate actions and every prompt, stored as the system message,
    the user messages' common prefix (goal and page) and each prompt's remainder."""
    from forethought.worldmodel.prompts import Prompts

    prompts = Prompts()
    actions = candidate_actions(obs)
    rendered = {
        fmt: [prompts.messages(f"world_model_{fmt}", goal, obs, action=str(a)) for a in actions]
        for fmt in FORMATS
    }
    users = [m[1]["content"] for ms in rendered.values() for m in ms]
    context = os.path.commonprefix(users) if users else ""  # noqa: RUF071 (strings)
    return {
        "id": group_id,
        "source": source,
        "url": obs.url,
        "goal": goal,
        "actions": [str(a) for a in actions],
        "system": rendered[FORMATS[0]][0][0]["content"] if actions else "",
        "context": context,
        "tasks": {f: [m[1]["content"][len(context) :] for m in ms] for f, ms in rendered.items()},
    }


async def _builtin_pages() -> list[tuple[str, str, Task, Observation]]:
    from forethought.envs.browser import BrowserEnv
    from forethought.envs.suites import load_tasks, make_setup

    by_id = {t.id: t for t in load_tasks("builtin")}
    pages: list[tuple[str, str, Task, Observation]] = []
    env = BrowserEnv(make_setup)
    try:
        for task_id in BUILTIN_STARTS:
            task = by_id[task_id]
            start = await env.reset(task, seed=0)
            pages.append((f"{task_id}#0", "builtin", task, start))
            links = [e for e in start.elements if e.role == "link"][1 : LINKS_PER_SITE + 1]
            for i, link in enumerate(links, start=1):
                await env.reset(task, seed=0)
                result = await env.step(Action(kind=ActionKind.CLICK, target=link.id))
                if result.observation.url != start.url:
                    pages.append((f"{task_id}#{i}", "builtin", task, result.observation))
    finally:
        await env.close()
    return pages


async def _miniwob_pages() -> list[tuple[str, str, Task, Observation]]:
    from forethought.envs.browser import BrowserEnv
    from forethought.envs.miniwob import MiniWoBSetup, miniwob_task

    setup = MiniWoBSetup()
    env = BrowserEnv(setup)
    pages = []
    try:
        for name in MINIWOB_TASKS:
            task = miniwob_task(name)
            obs = await env.reset(task, seed=1)
            goal = setup.goal or task.goal
            pages.append((f"{task.id}#0", "miniwob", task.model_copy(update={"goal": goal}), obs))
    finally:
        await env.close()
    return pages


def record(count: Count, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Open the pages, render the prompts, keep the groups that fit; returns the workload."""
    pages = asyncio.run(_builtin_pages()) + asyncio.run(_miniwob_pages())
    groups = []
    seen: set[str] = set()
    for group_id, source, task, obs in pages:
        path = urlparse(obs.url).path
        if path in seen:
            continue
        seen.add(path)
        group = group_record(group_id, source, task.goal, fit_page(obs, task.goal, count))
        group["default"] = group_id in DEFAULT_GROUPS
        group["max_prompt_tokens"] = max(count(m) for m in iter_messages(group))
        groups.append(group)
        log(f"kept {group_id}: {path} ({group['max_prompt_tokens']} tokens)")
    return {"version": 1, "formats": list(FORMATS), "groups": groups}


def iter_messages(group: dict[str, Any], fmt: str | None = None):
    """The chat messages of a group's prompts (one format, or all)."""
    for f in [fmt] if fmt else FORMATS:
        for task in group["tasks"][f]:
            yield [
                {"role": "system", "content": group["system"]},
                {"role": "user", "content": group["context"] + task},
            ]


def _token_counter(model: str) -> Count:
    from llama_cpp import Llama

    from forethought.worldmodel import registry

    llama = Llama(model_path=str(registry.pull(model)), vocab_only=True, verbose=False)

    def count(messages: list[dict[str, str]]) -> int:
        text = (
            "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
            + "<|im_start|>assistant\n"
        )
        return len(llama.tokenize(text.encode(), add_bos=False, special=True))

    return count


def main() -> None:
    from forethought.settings import TEST_MODEL

    workload = record(_token_counter(TEST_MODEL), log=lambda s: print(s, file=sys.stderr))
    WORKLOAD.parent.mkdir(parents=True, exist_ok=True)
    WORKLOAD.write_text(json.dumps(workload, indent=1, ensure_ascii=False) + "\n")
    sizes = {f: sum(len(g["tasks"][f]) for g in workload["groups"]) for f in FORMATS}
    print(f"wrote {WORKLOAD}: {len(workload['groups'])} groups, prompts per format {sizes}")


if __name__ == "__main__":
    main()
