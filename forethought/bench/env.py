"""``forethought bench env``: how fast our browser env observes and acts, beside BrowserGym.

Workload (fixed): a set of MiniWoB++ tasks and seeds; in each episode, up to
``STEPS_PER_EPISODE`` non-terminal actions chosen the same way for both envs (fill text
boxes, tick checkboxes, pick a list option, hover buttons). We time each step (act, wait,
observe), each bare observation, and observations of a generated page with more than 300
elements. BrowserGym (when installed, here or in ``.venv-bg``) runs the same MiniWoB set.
Timings are printed, never asserted.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from forethought.envs.types import Action, ActionKind, Observation

TASKS = (
    "click-checkboxes",
    "enter-text",
    "login-user",
    "choose-list",
    "click-button",
    "click-link",
)
SEEDS = (1, 2)
STEPS_PER_EPISODE = 5
LARGE_PAGE_ROWS = 60
LARGE_PAGE_REPEATS = 20

Progress = Callable[[str, int], None]


def workload(obs: Observation) -> list[Action]:
    """Non-terminal actions for a MiniWoB page, the same for every env."""
    actions: list[Action] = []
    for e in obs.elements:
        if e.role == "textbox":
            actions.append(Action(kind=ActionKind.FILL, target=e.id, value="forethought"))
        elif e.role == "checkbox":
            actions.append(Action(kind=ActionKind.CLICK, target=e.id))
        elif e.role == "combobox":
            options = [o for o in obs.elements if o.role == "option" and o.depth > e.depth]
            if len(options) > 1:
                actions.append(Action(kind=ActionKind.SELECT, target=e.id, value=options[1].name))
        elif e.role in ("button", "clickable", "link"):
            actions.append(Action(kind=ActionKind.HOVER, target=e.id))
    return actions[:STEPS_PER_EPISODE]


def large_page(folder: Path, rows: int = LARGE_PAGE_ROWS) -> Path:
    """A shop-like table page with ``3 * rows`` interactive elements, and text besides."""
    body = "".join(
        f"<tr><td>Product {i}</td><td>${i * 3 % 97}.99</td>"
        f"<td><a href='#p{i}'>Details {i}</a></td><td><input aria-label='Qty {i}' value='1'></td>"
        f"<td><button>Add {i} to cart</button></td></tr>"
        for i in range(rows)
    )
    path = folder / "large.html"
    path.write_text(
        "<!doctype html><title>Catalogue</title><h1>Catalogue</h1>"
        "<form><input type='search' aria-label='Search'><button>Search</button></form>"
        f"<table><tr><th>Name</th><th>Price</th><th></th><th>Qty</th><th></th></tr>{body}</table>"
    )
    return path


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


async def bench_ours(progress: Progress | None = None) -> dict[str, Any]:
    from forethought.envs.browser import BrowserEnv
    from forethought.envs.miniwob import MiniWoBSetup, miniwob_task
    from forethought.envs.types import Task

    steps: list[float] = []
    observes: list[float] = []
    large: list[float] = []
    env = BrowserEnv(MiniWoBSetup())
    try:
        for name in TASKS:
            for seed in SEEDS:
                obs = await env.reset(miniwob_task(name), seed=seed)
                for action in workload(obs):
                    start = time.perf_counter()
                    result = await env.step(action)
                    steps.append((time.perf_counter() - start) * 1000)
                    start = time.perf_counter()
                    await env.observe()
                    observes.append((time.perf_counter() - start) * 1000)
                    if result.done:
                        break
                if progress:
                    progress(f"ours: {name}", 1)
        plain = BrowserEnv()  # custom-task setup; shares the same browser
        with tempfile.TemporaryDirectory() as tmp:
            page = large_page(Path(tmp))
            try:
                obs = await plain.reset(Task(id="bench.large", goal="-", start_url=page.as_uri()))
                for _ in range(LARGE_PAGE_REPEATS):
                    start = time.perf_counter()
                    await plain.observe()
                    large.append((time.perf_counter() - start) * 1000)
            finally:
                await plain.close()
            if progress:
                progress("ours: large page", 1)
    finally:
        await env.close()
    return {
        "ours_step_ms_median": _median(steps),
        "ours_observe_ms_median": _median(observes),
        "ours_large_page_observe_ms_median": _median(large),
        "ours_steps": len(steps),
        "large_page_elements": len(obs.elements),
    }


async def bench_browsergym(progress: Progress | None = None) -> dict[str, Any]:
    """BrowserGym's own ``env.step`` on the same workload (its default settings)."""
    from forethought.envs.browsergym import BrowserGymEnv, list_browsergym_tasks

    by_id = {t.id: t for t in list_browsergym_tasks("miniwob")}
    steps: list[float] = []
    env = BrowserGymEnv()
    try:
        for name in TASKS:
            for seed in SEEDS:
                obs = await env.reset(by_id[f"browsergym:miniwob.{name}"], seed=seed)
                for action in workload(obs):
                    result = await env.step(action)
                    steps.append(float(result.info["browsergym_step_ms"]))
                    if result.done:
                        break
                if progress:
                    progress(f"browsergym: {name}", 1)
    finally:
        await env.close()
    return {"browsergym_step_ms_median": _median(steps), "browsergym_steps": len(steps)}


def browsergym_python() -> str | None:
    """An interpreter with BrowserGym: this one, $FORETHOUGHT_BROWSERGYM_PYTHON, or .venv-bg."""
    from forethought.envs.browsergym import browsergym_available

    if browsergym_available():
        return sys.executable
    candidates = [os.environ.get("FORETHOUGHT_BROWSERGYM_PYTHON", ""), ".venv-bg/bin/python"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            check = subprocess.run(
                [candidate, "-c", "import browsergym.miniwob, forethought"],
                capture_output=True,
                check=False,
            )
            if check.returncode == 0:
                return candidate
    return None


def _browsergym_in(python: str, progress: Progress | None) -> dict[str, Any]:
    if python == sys.executable:
        return asyncio.run(bench_browsergym(progress))
    proc = subprocess.Popen(
        [python, "-m", "forethought.bench.env", "--browsergym-only"],
        stdout=subprocess.PIPE,
        text=True,
    )
    result: dict[str, Any] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("progress "):
            if progress:
                progress(line.removeprefix("progress ").strip(), 1)
        elif line.startswith("{"):
            result = json.loads(line)
    proc.wait()
    return result


def run_bench(progress: Progress | None = None, *, browsergym: bool = True) -> dict[str, Any]:
    """Run the whole benchmark; returns the JSON-able result."""
    result = asyncio.run(bench_ours(progress))
    python = browsergym_python() if browsergym else None
    bg = _browsergym_in(python, progress) if python else {}
    result["browsergym_step_ms_median"] = bg.get("browsergym_step_ms_median")
    result["browsergym_steps"] = bg.get("browsergym_steps", 0)
    ours = result["ours_step_ms_median"]
    theirs = result["browsergym_step_ms_median"]
    result["ratio"] = round(theirs / ours, 1) if ours and theirs else None
    return result


def total_units(browsergym: bool) -> int:
    episodes = len(TASKS) * len(SEEDS)
    return episodes + 1 + (episodes if browsergym else 0)


def _main() -> None:  # the BrowserGym half, run inside the Playwright 1.44 virtualenv
    if "--browsergym-only" not in sys.argv:
        raise SystemExit("use `forethought bench env`")

    def report(label: str, n: int) -> None:
        print(f"progress {label}", flush=True)

    print(json.dumps(asyncio.run(bench_browsergym(report))), flush=True)


if __name__ == "__main__":
    _main()
