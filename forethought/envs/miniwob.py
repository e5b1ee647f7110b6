"""MiniWoB++ on our browser env: the ``miniwob`` package's HTML tasks, judged by their own JS.

Each task page carries the benchmark's JavaScript protocol (``core.js``): we seed it
(``Math.seedrandom``), stretch its episode clock (``core.EPISODE_MAX_TIME``, 10 s by
default, far too short for an LLM) to our episode timeout, start the episode
(``core.startEpisodeReal``), read the instruction (``core.getUtterance``) and, after every
step, the reward (``WOB_DONE_GLOBAL`` / ``WOB_RAW_REWARD_GLOBAL``). A raw reward above 0
is a success.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from forethought.envs.types import Task, Verdict

if TYPE_CHECKING:
    from playwright.async_api import Page

__all__ = ["MiniWoBSetup", "list_miniwob_tasks", "miniwob_html_dir"]

SUITE = "miniwob"
#: MiniWoB's on-page score board; hidden so it does not crowd the observation.
_HIDE_DISPLAY = "#reward-display, #click-canvas { display: none !important; }"


@cache
def miniwob_html_dir() -> Path:
    """The ``miniwob`` package's ``html`` folder (it holds ``miniwob/*.html`` and ``core/``)."""
    try:
        import miniwob
    except ImportError as exc:
        raise RuntimeError(
            "MiniWoB++ needs the `miniwob` package: pip install 'forethought[miniwob]'"
        ) from exc
    root = Path(miniwob.__file__).parent / "html"
    if not (root / "miniwob").is_dir():
        raise RuntimeError(f"the miniwob package at {root.parent} ships no html/miniwob tasks")
    return root


def list_miniwob_tasks() -> list[Task]:
    """Every MiniWoB++ HTML task, as ``miniwob.<name>`` in suite ``miniwob``."""
    root = miniwob_html_dir()
    tasks = []
    for html in sorted((root / "miniwob").glob("*.html")):
        name = html.stem
        tasks.append(
            Task(
                id=f"{SUITE}.{name}",
                suite=SUITE,
                site=SUITE,
                goal=f"Do the MiniWoB++ task {name!r}; its instruction is shown on the page.",
                start_url=html.as_uri(),
                allowed_origins=[root.as_uri() + "/"],
                meta={"subdomain": name},
            )
        )
    return tasks


def miniwob_task(name: str) -> Task:
    """One MiniWoB++ task by name (``click-button``) or id (``miniwob.click-button``)."""
    wanted = name if name.startswith(f"{SUITE}.") else f"{SUITE}.{name}"
    for task in list_miniwob_tasks():
        if task.id == wanted:
            return task
    raise KeyError(f"no MiniWoB++ task {name!r}; see `forethought tasks list --suite miniwob`")


class MiniWoBSetup:
    """:class:`~forethought.envs.setup.TaskSetup` for MiniWoB++ tasks.

    ``episode_timeout_s`` becomes the page's ``core.EPISODE_MAX_TIME``.
    After :meth:`start`, :attr:`goal` holds the episode's instruction (the utterance).
    """

    def __init__(self, episode_timeout_s: float = 600.0) -> None:
        self.episode_max_ms = int(episode_timeout_s * 1000)
        self.goal: str | None = None

    def allowed_origins(self, task: Task) -> list[str]:
        return [miniwob_html_dir().as_uri() + "/"]

    async def start(self, task: Task, seed: int, page: Page) -> None:
        await page.goto(task.start_url, wait_until="load")
        await page.add_style_tag(content=_HIDE_DISPLAY)
        await page.evaluate(
            """([seed, maxMs]) => {
                Math.seedrandom(seed);
                core.EPISODE_MAX_TIME = maxMs;
                core.startEpisodeReal();
            }""",
            [seed, self.episode_max_ms],
        )
        await page.wait_for_function("() => WOB_TASK_READY", polling=10)
        utterance = await page.evaluate("() => core.getUtterance()")
        if isinstance(utterance, dict):
            utterance = utterance.get("utterance", "")
        self.goal = str(utterance or "").strip() or task.goal

    async def _read(self, page: Page) -> tuple[bool, float, str | None]:
        done, raw, reason = await page.evaluate(
            "() => [WOB_DONE_GLOBAL, WOB_RAW_REWARD_GLOBAL, WOB_REWARD_REASON]"
        )
        return bool(done), float(raw or 0.0), reason

    async def status(self, task: Task, page: Page) -> Verdict | None:
        done, raw, reason = await self._read(page)
        if not done:
            return None
        return Verdict(success=raw > 0, reward=raw, detail=str(reason or f"reward {raw:g}"))

    async def evaluate(self, task: Task, page: Page, answer: str | None) -> Verdict:
        verdict = await self.status(task, page)
        if verdict is not None:
            return verdict
        return Verdict(success=False, reward=0.0, detail="the task did not finish its episode")

    async def close(self) -> None:
        return None
