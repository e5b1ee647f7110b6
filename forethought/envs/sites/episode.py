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

    Give it a ``server`` to share one across episodes, or to keep the sites' database in
    a folder of your own (``SiteServer(db_path=run_dir / "sites.db")``, which is what a
    resumable run needs); it will not stop a server it was given. Otherwise it starts
    its own on a free port and stops it on :meth:`close`.
    """

    def __init__(self, server: SiteServer | None = None) -> None:
        self._owned = server is None
        self.server = server or SiteServer()

    def _ensure_started(self) -> SiteServer:
        """Start the server on its database as it is: ``start`` resets it, ``restore`` not."""
        if not self.server.running:
            self.server.start(reset=False)
        return self.server

    def allowed_origins(self, task: Task) -> list[str]:
        return [self._ensure_started().origin]

    async def start(self, task: Task, seed: int, page: Page) -> None:
        """Seed the data the goal was written for (``task.meta['seed']``), then open it."""
        server = await asyncio.to_thread(self._ensure_started)
        await asyncio.to_thread(server.reset, task_seed(task, seed))
        await page.goto(server.url(task.start_url))

    async def restore(self, task: Task, page: Page, url: str) -> None:
        """Reopen ``url`` on the sites' database as an earlier run left it (no reset).

        ``url`` may come from an earlier server on another port: it is rebased onto this
        one, keeping its path and query.
        """
        server = await asyncio.to_thread(self._ensure_started)
        await page.goto(server.rebase(url))

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
