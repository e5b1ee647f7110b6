"""How a suite prepares and judges an episode inside the browser env."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from forethought.envs.types import Task, Verdict

if TYPE_CHECKING:
    from playwright.async_api import Page


class TaskSetup(Protocol):
    """A suite's hooks around one browser episode.

    The browser env calls ``start`` on reset, ``status`` after every step (episodes that
    end by themselves, such as MiniWoB's, report a verdict there) and ``evaluate`` when
    the agent stops. ``close`` frees what ``start`` created (servers, files).
    """

    def allowed_origins(self, task: Task) -> list[str]:
        """Origins the episode may load, besides the task's own ``allowed_origins``."""
        ...

    async def start(self, task: Task, seed: int, page: Page) -> None:
        """Reset the task's state for ``seed`` and open its start page in ``page``."""
        ...

    async def status(self, task: Task, page: Page) -> Verdict | None:
        """A verdict if the episode ended by itself, else ``None``."""
        ...

    async def evaluate(self, task: Task, page: Page, answer: str | None) -> Verdict:
        """Judge the episode from the world's real state (never from the agent's word alone)."""
        ...

    async def close(self) -> None: ...


class RestorableSetup(TaskSetup, Protocol):
    """A setup that can reopen an episode where an earlier run left it (``--resume``)."""

    async def restore(self, task: Task, page: Page, url: str) -> None:
        """Reopen ``url`` on the task's state as it was left, without resetting it."""
        ...


class RestoreUnsupported(RuntimeError):
    """The task's setup cannot reopen an episode mid-way (MiniWoB, custom tasks).

    Whoever resumes a run restarts that episode from :meth:`BrowserEnv.reset` instead.
    """
