"""Fixtures every test folder shares: one real Chromium for the whole session."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from forethought.envs.chromium import (
    ChromiumNotFound,
    acquire_browser,
    find_chromium,
    release_browser,
)


@pytest.fixture(scope="session")
def chromium() -> str:
    try:
        return find_chromium()
    except ChromiumNotFound as exc:
        pytest.skip(str(exc))


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def shared_browser(chromium: str) -> AsyncIterator[None]:
    """Hold one use of the process's browser so every env in the session reuses it."""
    browser = await acquire_browser(executable=chromium)
    yield
    await release_browser(browser)
