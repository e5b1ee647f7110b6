"""``BuiltinSetup``: the TaskSetup that runs built-in tasks on a ``SiteServer``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from forethought.envs.sites.server import SiteServer
from forethought.envs.sites.tasks import task_seed, verify
from forethought.envs.types import Task, Verdict

if TYPE_CHECKING:
    from playwright.async_api import Page


class BuiltinSetup:
    """Resets the sites' database for the task's seed, opens its start page, and verifies.

    Give it a running ``server`` to share one across episodes (it will not stop it);
    otherwise it starts its own on a free port and stops it on :meth:`close`.
    """

    def __init__(self, server: SiteServer | None = None) -> None:
        self._owned = server is None
        self.server = server or SiteServer()

    def _ensure_started(self) -> SiteServer:
        if not self.server.running:
            self.server.start()
        return self.server

    def allowed_origins(self, task: Task) -> list[str]:
        return [self._ensure_started().origin]

    async def start(self, task: Task, seed: int, page: Page) -> None:
        """Seed the data the goal was written for (``task.meta['seed']``), then open it."""
        server = await asyncio.to_thread(self._ensure_started)
        await asyncio.to_thread(server.reset, task_seed(task, seed))
        await page.goto(server.url(task.start_url))

    async def status(self, task: Task, page: Page) -> Verdict | None:
        return None  # built-in episodes end when the agent stops

    async def evaluate(self, task: Task, page: Page | None, answer: str | None) -> Verdict:
        return await asyncio.to_thread(self.verify, task, answer)

    def verify(self, task: Task, answer: str | None = None) -> Verdict:
        """The verdict from the server's database right now."""
        conn = self.server.connect()
        try:
            return verify(task, conn, answer)
        finally:
            conn.close()

    async def close(self) -> None:
        if self._owned:
            await asyncio.to_thread(self.server.stop)
