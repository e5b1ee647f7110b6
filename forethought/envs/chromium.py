"""Finding a Chromium to drive, and sharing one browser per process."""

from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import Browser, Playwright

__all__ = ["LAUNCH_ARGS", "ChromiumNotFound", "acquire_browser", "find_chromium", "release_browser"]

SYSTEM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: Flags that keep Chromium from talking to the network behind our back.
LAUNCH_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-breakpad",
    "--metrics-recording-only",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-pings",
    # WebRTC would carry data past every route; pages lose RTCPeerConnection too (see
    # forethought.envs.firewall), and this keeps any that remains off the network.
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,"
    "InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater",
]


class ChromiumNotFound(RuntimeError):
    """No Chromium binary could be found."""


def find_chromium(*, allow_playwright: bool = True) -> str:
    """Return a Chromium executable: ``$FORETHOUGHT_CHROMIUM``, Playwright's, then the system's.

    Raises :class:`ChromiumNotFound` with install instructions when there is none.
    """
    env = os.environ.get("FORETHOUGHT_CHROMIUM")
    if env:
        if Path(env).is_file() and os.access(env, os.X_OK):
            return env
        found = shutil.which(env)
        if found:
            return found
        raise ChromiumNotFound(
            f"FORETHOUGHT_CHROMIUM={env!r} is not an executable file; point it at a Chromium "
            "binary (e.g. /usr/bin/chromium) or unset it."
        )
    if allow_playwright:
        managed = _playwright_managed_cached()
        if managed:
            return managed
    for name in SYSTEM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    for path in ("/usr/bin/chromium", "/usr/lib/chromium/chromium", "/snap/bin/chromium"):
        if Path(path).is_file():
            return path
    raise ChromiumNotFound(
        "No Chromium found. Install one with `apt-get install chromium` (Debian/Ubuntu) or "
        "`playwright install chromium`, or set FORETHOUGHT_CHROMIUM to a Chromium binary."
    )


_MANAGED: list[str | None] = []


def _playwright_managed_cached() -> str | None:
    if not _MANAGED:
        _MANAGED.append(_playwright_managed_path_only())
    return _MANAGED[0]


def _playwright_managed_path_only() -> str | None:
    """Playwright's expected Chromium path, computed without starting a driver when possible."""
    browsers = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or str(
        Path.home() / ".cache/ms-playwright"
    )
    root = Path(browsers)
    if root.is_dir():
        hits = sorted(root.glob("chromium-*/chrome-linux*/chrome"), reverse=True)
        if hits:
            return str(hits[0])
    return None


@dataclass
class _Shared:
    playwright: Playwright
    browser: Browser
    users: int


_SHARED: dict[tuple[str, bool, int], _Shared] = {}
_LOCKS: dict[int, asyncio.Lock] = {}


def _lock() -> asyncio.Lock:
    return _LOCKS.setdefault(id(asyncio.get_running_loop()), asyncio.Lock())


async def acquire_browser(*, headed: bool = False, executable: str | None = None) -> Browser:
    """The process's shared Chromium (launched on first use), counted per user."""
    from playwright.async_api import async_playwright

    path = executable or find_chromium()
    key = (path, headed, id(asyncio.get_running_loop()))
    async with _lock():
        shared = _SHARED.get(key)
        if shared is not None and shared.browser.is_connected():
            shared.users += 1
            return shared.browser
        pw = await async_playwright().start()
        try:
            browser = await pw.chromium.launch(
                executable_path=path, headless=not headed, args=LAUNCH_ARGS
            )
        except Exception as exc:
            await pw.stop()
            raise ChromiumNotFound(f"Could not launch Chromium at {path}: {exc}") from exc
        _SHARED[key] = _Shared(pw, browser, 1)
        return browser


async def release_browser(browser: Browser) -> None:
    """Drop one use of a shared browser; the last user closes it."""
    async with _lock():
        for key, shared in list(_SHARED.items()):
            if shared.browser is browser:
                shared.users -= 1
                if shared.users <= 0:
                    del _SHARED[key]
                    try:
                        await browser.close()
                    finally:
                        await shared.playwright.stop()
                return
