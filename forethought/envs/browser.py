"""The real browser: an async Playwright :class:`~forethought.envs.types.Environment`.

One Chromium per process (shared, reference-counted), a fresh context per episode, a
compact accessibility tree with stable ids, a navigation guard that keeps the episode
inside its task's allowed origins, and a write firewall that holds every write the step's
:class:`~forethought.envs.types.WritePermit` does not allow (see
:mod:`forethought.envs.firewall`). Suites plug in through a
:class:`~forethought.envs.setup.TaskSetup` (or a factory that picks one per task).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from forethought.envs.chromium import acquire_browser, release_browser
from forethought.envs.custom import CheckSetup
from forethought.envs.execute import GotoRefused, executor_for
from forethought.envs.firewall import WriteFirewall
from forethought.envs.guard import NavigationGuard, dead_end_proxy, origin_of
from forethought.envs.observe import IdMemory, draw_marks, read_page, settle_dom
from forethought.envs.parse import parse_action
from forethought.envs.setup import RestorableSetup, RestoreUnsupported, TaskSetup
from forethought.envs.types import (
    Action,
    ActionKind,
    Observation,
    Risk,
    StepResult,
    Task,
    Verdict,
    Write,
    WritePermit,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page, Request

__all__ = ["BrowserEnv", "GotoRefused", "RestoreUnsupported", "held_note"]

SetupFactory = Callable[[Task], TaskSetup]


#: Writes named in a step's error before "and N more".
_WRITES_SHOWN = 2


def _write_text(write: Write, page_url: str) -> str:
    """``POST /shop/checkout address_id=2 (irreversible)``: the URL without its origin
    when it is the page's."""
    url = write.url
    parts, page = urlsplit(url), urlsplit(page_url)
    if parts.netloc and (parts.scheme, parts.netloc) == (page.scheme, page.netloc):
        url = parts.path + (f"?{parts.query}" if parts.query else "")
    body = f" {write.body}" if write.body else ""
    return f"{write.method} {url}{body} ({write.risk.value})"


def held_note(held: list[Write], page_url: str = "") -> str:
    """What a step's error says of the writes the firewall held."""
    shown = ", ".join(_write_text(w, page_url) for w in held[:_WRITES_SHOWN])
    if len(held) == 1:
        return f"blocked write: {shown}; it needs the gate's approval"
    more = f" and {len(held) - _WRITES_SHOWN} more" if len(held) > _WRITES_SHOWN else ""
    return f"blocked {len(held)} writes: {shown}{more}; they need the gate's approval"


def _agent_focus_only(obs: Observation, acted_on: str | None) -> Observation:
    """``obs`` with the ``focused`` state kept only on the element the agent last acted
    on; ``Observation.focused`` still names the real focus (a key press goes there)."""
    if obs.focused is None or obs.focused == acted_on:
        return obs
    elements = [
        e.model_copy(update={"states": tuple(s for s in e.states if s != "focused")})
        if e.id == obs.focused
        else e
        for e in obs.elements
    ]
    return obs.model_copy(update={"elements": elements})


def _short_error(exc: BaseException) -> str:
    """The first line of a Playwright error, without its call log."""
    text = str(exc).strip().split("\n")[0]
    text = text.replace("ElementHandle.", "").replace("Page.", "")
    return text[:300] or type(exc).__name__


class BrowserEnv:
    """A real Chromium driven by Playwright, one task episode at a time.

    Args:
        setup: the suite's :class:`TaskSetup`, or a callable choosing one per task; the
            default runs custom tasks (:class:`~forethought.envs.custom.CheckSetup`).
        headed: show the browser window.
        screenshot: attach a set-of-marks PNG to every observation.
        viewport: page size in CSS pixels.
        action_timeout_ms: how long an action waits for its element to be actionable.
        settle_quiet_ms / settle_cap_ms: after an action, wait until the DOM has been
            quiet this long and the network idle, but never longer than the cap.
        executable: a Chromium binary (default: :func:`~forethought.envs.chromium.find_chromium`).
    """

    def __init__(
        self,
        setup: TaskSetup | SetupFactory | None = None,
        *,
        headed: bool = False,
        screenshot: bool = False,
        viewport: tuple[int, int] = (1280, 800),
        action_timeout_ms: int = 3000,
        navigation_timeout_ms: int = 15000,
        settle_quiet_ms: int = 15,
        settle_cap_ms: int = 1500,
        executable: str | None = None,
    ) -> None:
        self._setup_arg: TaskSetup | SetupFactory = setup or CheckSetup()
        self.headed = headed
        self.screenshot = screenshot
        self.viewport = viewport
        self.action_timeout_ms = action_timeout_ms
        self.navigation_timeout_ms = navigation_timeout_ms
        self.settle_quiet_ms = settle_quiet_ms
        self.settle_cap_ms = settle_cap_ms
        self.executable = executable

        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self._setups: dict[int, TaskSetup] = {}
        self.setup: TaskSetup | None = None
        self.task: Task | None = None
        self.guard: NavigationGuard | None = None
        self.firewall: WriteFirewall | None = None
        #: How many writes the firewall had sent and held, and the guard blocked, when the
        #: last step ended: what came after, before the next step, came between steps.
        self._marks = (0, 0, 0)
        self._inflight: set[Request] = set()
        self._idle = asyncio.Event()
        self._requested = asyncio.Event()  # set by every request; cleared by ``_settle``
        self._verdict: Verdict | None = None
        self._done = False
        self._last: Observation | None = None
        #: The element the agent's last action targeted: the only one shown as focused.
        #: A focus the page set itself (an autofocused dialog field) pulls a small model
        #: to type there whatever the goal (see :func:`_agent_focus_only`).
        self._acted_on: str | None = None
        #: The safe actions done on the current document since it loaded (``None`` once
        #: a risky one was): what :meth:`reopen` replays to re-create client-side state.
        self._replay: list[Action] | None = []
        #: Ids of the folded summary lines ``more(id)`` unfolded in this episode.
        self.unfolded: set[str] = set()
        #: The episode's element ids, across its pages.
        self.ids = IdMemory()

    # --- lifecycle -----------------------------------------------------------------------

    def _setup_for(self, task: Task) -> TaskSetup:
        arg = self._setup_arg
        setup = arg if hasattr(arg, "start") and hasattr(arg, "evaluate") else arg(task)  # type: ignore[operator]
        self._setups.setdefault(id(setup), setup)
        return setup  # type: ignore[return-value]

    @property
    def goal(self) -> str:
        """The running episode's goal (for MiniWoB, the page's own instruction); ``""``
        before :meth:`reset`."""
        return self.task.goal if self.task is not None else ""

    @property
    def page(self) -> Page:
        if self._page is None:
            raise RuntimeError("no episode is running; call reset(task) first")
        return self._page

    async def reset(self, task: Task, seed: int = 0) -> Observation:
        """Start an episode of ``task`` in a fresh browser context and observe its page."""
        setup = self._setup_for(task)
        page = await self._open(task, setup)
        await setup.start(task, seed, page)
        goal = getattr(setup, "goal", None)  # suites whose goal the page sets (MiniWoB)
        if isinstance(goal, str) and goal:
            self.task = task.model_copy(update={"goal": goal})
        await self._settle()
        self._ready()
        self._acted_on = None
        self._last = await self.observe()
        return self._last

    async def restore(
        self,
        task: Task,
        url: str,
        storage_state: dict[str, Any],
        ids: IdMemory | None = None,
    ) -> Observation:
        """Reopen an episode of ``task`` where an earlier run left it (``--resume``).

        A fresh context gets ``storage_state`` (from :meth:`storage_state`), then the
        setup reopens ``url`` on the task's state as it was left, without resetting it.
        Raises :class:`RestoreUnsupported` when the task's setup cannot do that (MiniWoB,
        custom tasks): restart that episode with :meth:`reset` instead.
        ``ids`` (from a snapshot) gives the page's elements the ids they had.
        """
        setup = self._setup_for(task)
        if not callable(getattr(setup, "restore", None)):
            raise RestoreUnsupported(
                f"{type(setup).__name__} cannot reopen task {task.id} mid-episode; "
                "restart the episode with reset()"
            )
        page = await self._open(task, setup, storage_state)
        if ids is not None:
            self.ids = ids
        await cast(RestorableSetup, setup).restore(task, page, url)
        await self._settle()
        self._ready()
        self._acted_on = None
        self._last = await self.observe()
        return self._last

    async def storage_state(self) -> dict[str, Any]:
        """The episode's cookies and local storage, to pass to :meth:`restore` later."""
        if self._context is None:
            raise RuntimeError("no episode is running; call reset(task) first")
        return dict(await self._context.storage_state())

    async def snapshot(self) -> dict[str, Any] | None:
        """The page's URL, storage state, the safe actions done on it since it loaded and
        the episode's element ids, for :meth:`reopen` (``None`` before reset)."""
        if self._context is None or self._page is None or self._page.is_closed():
            return None
        replay = None if self._replay is None else [str(a) for a in self._replay]
        return {
            "url": self._page.url,
            "storage": await self.storage_state(),
            "replay": replay,
            "ids": {"known": self.ids.known, "next": self.ids.next},
        }

    async def reopen(self, task: Task, snapshot: dict[str, Any]) -> Observation:
        """:meth:`restore` from a :meth:`snapshot`, then replay the page's safe actions (an
        open dialog, a filled field), so the page is as it was left. The replay sends no
        write: the server already holds what the episode sent."""
        ids = IdMemory(**snapshot["ids"]) if snapshot.get("ids") else None
        obs = await self.restore(task, snapshot["url"], snapshot["storage"], ids)
        for text in snapshot.get("replay") or []:
            result = await self.step(parse_action(text, obs), WritePermit.nothing())
            obs = result.observation
        return obs

    async def _open(
        self, task: Task, setup: TaskSetup, storage_state: dict[str, Any] | None = None
    ) -> Page:
        """A fresh context for an episode of ``task``, guarded and firewalled, with one
        blank page. The setup's own work (opening the start page) runs with every write
        allowed: it is the harness's, not the agent's; :meth:`_ready` ends that."""
        await self._close_context()
        if self._browser is None:
            self._browser = await acquire_browser(headed=self.headed, executable=self.executable)
        self.task, self.setup, self._verdict, self._done = task, setup, None, False
        self._replay = []
        self.ids, self.unfolded = IdMemory(), set()
        allowed = list(dict.fromkeys([*task.allowed_origins, *setup.allowed_origins(task)]))
        if not allowed and "://" in task.start_url:
            allowed = [origin_of(task.start_url)]
        self.guard = NavigationGuard(allowed)
        self.firewall = WriteFirewall(self.guard, permit=WritePermit.everything())
        self._marks = (0, 0, 0)
        width, height = self.viewport
        self._context = await self._browser.new_context(
            viewport={"width": width, "height": height},
            service_workers="block",
            storage_state=storage_state,  # type: ignore[arg-type]
            proxy=dead_end_proxy(allowed),  # type: ignore[arg-type]
        )
        self._context.set_default_timeout(self.action_timeout_ms)
        self._context.set_default_navigation_timeout(self.navigation_timeout_ms)
        await self.firewall.install(self._context)  # the guard's routes too
        self._context.on("page", self._on_new_page)
        page = await self._context.new_page()
        self._attach(page)
        return page

    def _ready(self) -> None:
        """The episode is set up: from now until the first step no write passes."""
        if self.firewall is not None:
            self.firewall.permit = WritePermit.nothing()
            self._mark()

    def _mark(self) -> None:
        assert self.firewall is not None and self.guard is not None
        self._marks = (len(self.firewall.sent), len(self.firewall.held), len(self.guard.blocked))

    async def close(self) -> None:
        """End the episode and release the browser and the suites' resources."""
        await self._close_context()
        for setup in self._setups.values():
            await setup.close()
        self._setups.clear()
        if self._browser is not None:
            browser, self._browser = self._browser, None
            await release_browser(browser)

    async def __aenter__(self) -> BrowserEnv:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _close_context(self) -> None:
        if self._context is not None:
            context, self._context, self._page = self._context, None, None
            self._inflight.clear()
            with contextlib.suppress(Exception):  # the browser may already be gone
                await context.close()

    # --- pages and network ---------------------------------------------------------------

    def _attach(self, page: Page) -> None:
        self._page = page
        self._inflight.clear()
        self._idle.set()
        page.on("request", self._on_request)
        page.on("requestfinished", self._on_request_done)
        page.on("requestfailed", self._on_request_failed)
        page.on("close", self._on_page_close)

    def _on_new_page(self, page: Page) -> None:
        if self._page is not None and page is not self._page:
            self._attach(page)  # follow the newest tab (target=_blank, window.open)

    def _on_page_close(self, page: Page) -> None:
        if page is self._page and self._context is not None:
            others = [p for p in self._context.pages if not p.is_closed()]
            if others:
                self._attach(others[-1])

    def _on_request(self, request: Request) -> None:
        self._inflight.add(request)
        self._idle.clear()
        self._requested.set()

    def _on_request_done(self, request: Request) -> None:
        self._inflight.discard(request)
        if not self._inflight:
            self._idle.set()

    def _on_request_failed(self, request: Request) -> None:
        """A redirect hop the route never saw, stopped by the dead-end proxy: a block."""
        self._on_request_done(request)
        guard = self.guard
        if guard is not None and request.redirected_from and not guard.allows(request.url):
            guard.record(request.url, "a redirect")

    async def _settle(self) -> None:
        """Wait for load, network idle and a quiet DOM, each capped; never a fixed sleep.

        Repeats while the quiet DOM left requests in flight (a script that fetches after a
        timer), and waits for the request of a navigation that began meanwhile (a timer
        that sets ``location``), so that such requests, and the guard's verdicts on them,
        belong to the step that caused them.
        """
        deadline = time.monotonic() + self.settle_cap_ms / 1000
        while (left := deadline - time.monotonic()) > 0:
            page = self.page
            try:
                await page.wait_for_load_state("domcontentloaded", timeout=left * 1000 + 1)
                if self._inflight:
                    await asyncio.wait_for(self._idle.wait(), timeout=max(left, 0.001))
                left_ms = int((deadline - time.monotonic()) * 1000)
                if left_ms > 0:
                    self._requested.clear()
                    if await settle_dom(page, min(self.settle_quiet_ms, left_ms), left_ms):
                        left = max(deadline - time.monotonic(), 0.001)
                        await asyncio.wait_for(self._requested.wait(), timeout=left)
                        continue
            except TimeoutError:
                return
            except Exception as exc:  # navigated while waiting: wait for the new document
                if "destroyed" not in str(exc) and "navigat" not in str(exc).lower():
                    return
                continue
            if not self._inflight:
                return

    # --- observing -----------------------------------------------------------------------

    async def observe(self, error: str | None = None) -> Observation:
        """Read the current page; ``error`` is the last action's error, if any."""
        page = self.page
        for attempt in range(3):
            try:
                obs, marks = await read_page(
                    page, marks=self.screenshot, ids=self.ids, unfolded=self.unfolded
                )
                break
            except Exception as exc:
                if attempt == 2 or "destroyed" not in str(exc):
                    raise
                await page.wait_for_load_state("domcontentloaded")
        obs = _agent_focus_only(obs, self._acted_on)
        if self.screenshot:
            obs.screenshot = await draw_marks(page, marks)
        if error:
            obs.error = error
        return obs

    # --- acting --------------------------------------------------------------------------

    async def step(self, action: Action, permit: WritePermit | None = None) -> StepResult:
        """Perform ``action``, wait for the page to settle, and observe.

        ``permit`` says which writes the action may send (``None``: no gate, every one);
        the firewall holds and aborts the others, lists them in ``blocked_writes`` and
        says so in the step's error. Until the next step, a late write of this action
        (a timer, a slow script) is judged by the same permit.
        """
        if self._done:
            obs = self._last or await self.observe()
            return StepResult(
                observation=obs,
                done=True,
                reward=self._verdict.reward if self._verdict else None,
                error="the episode is over; call reset()",
            )
        if action.kind is ActionKind.STOP:
            verdict = await self.evaluate(action.value)
            self._done = True
            obs = await self.observe()
            self._last = obs
            info = {"action": str(action), "verdict": verdict.model_dump()}
            return StepResult(observation=obs, done=True, reward=verdict.reward, info=info)
        if permit is None:
            permit = WritePermit.everything()
        return await self._perform(action, permit, probing=False)

    async def probe(self, action: Action) -> list[Write]:
        """Try ``action`` with every write held and aborted; the writes it tried to send.

        The action really runs on the page, so its client-side effects stay (a field
        filled, a dialog opened; a link, which sends no write, is followed); it is not
        added to what :meth:`reopen` replays, and it cannot end the episode (the next
        step sees the page's verdict).
        """
        if self._done or action.kind is ActionKind.STOP:
            return []
        result = await self._perform(action, WritePermit.nothing(), probing=True)
        return [*result.writes, *result.blocked_writes]

    async def _perform(self, action: Action, permit: WritePermit, *, probing: bool) -> StepResult:
        assert self.guard is not None and self.task is not None and self.setup is not None
        assert self.firewall is not None
        firewall, guard = self.firewall, self.guard
        info: dict[str, Any] = {"action": str(action)}
        between = {  # what the page did on its own since the last step
            "writes": [w.line() for w in firewall.sent[self._marks[0] :]],
            "blocked_writes": [w.model_dump(mode="json") for w in firewall.held[self._marks[1] :]],
            "blocked": guard.blocked[self._marks[2] :],
        }
        if any(between.values()):
            info["between_steps"] = between
        firewall.permit = permit
        sent_before, held_before = len(firewall.sent), len(firewall.held)
        blocked_before = len(guard.blocked)
        error: str | None = None
        started = time.perf_counter()
        tab, document = self.page, self.page.url
        if action.target is not None:
            self._acted_on = action.target
        try:
            await self._act(action)
        except Exception as exc:
            if not (action.kind is ActionKind.GOTO and len(firewall.held) > held_before):
                error = _short_error(exc)  # (a goto held by the firewall fails; it says why)
        await self._settle()
        returned = await self._come_back(document)
        if len(guard.blocked) > blocked_before:
            await self._close_blank_tab(tab)
        sent, held = firewall.sent[sent_before:], firewall.held[held_before:]
        self._mark()
        navigated = returned or self.page.url != document
        if not probing:
            self._remember(action, navigated=navigated, wrote=bool(sent))
        elif navigated:  # a new document: nothing done on the old one applies to it
            self._replay = []
        info["act_ms"] = round((time.perf_counter() - started) * 1000, 1)
        notes = [error] if error else []
        blocked = guard.blocked[blocked_before:]
        if blocked:
            info["blocked"] = list(blocked)
            notes.extend(guard.explain(url) for url in blocked[:3])
        if held:
            info["blocked_writes"] = [w.line() for w in held]
            notes.append(held_note(held, self.page.url))
        error = "; ".join(notes) or None
        obs = await self.observe(error)
        self._last = obs
        verdict = None if probing else await self.setup.status(self.task, self.page)
        if verdict is not None:
            self._verdict, self._done = verdict, True
            info["verdict"] = verdict.model_dump()
        return StepResult(
            observation=obs,
            done=self._done,
            reward=verdict.reward if verdict is not None else None,
            error=error,
            info=info,
            writes=sent,
            blocked_writes=held,
        )

    def _remember(self, action: Action, *, navigated: bool, wrote: bool = False) -> None:
        """Keep ``action`` for :meth:`reopen` to replay: a safe one that sent nothing."""
        if navigated or action.kind in (ActionKind.GOTO, ActionKind.GO_BACK):
            self._replay = []
        elif self._replay is not None:
            if action.risk is Risk.SAFE and not wrote:
                self._replay.append(action)
            else:
                self._replay = None

    async def _come_back(self, before: str) -> bool:
        """If the page landed outside the allowed origins (a redirect: the guard sees only
        a chain's first URL), record it as blocked and go back. Whether it did."""
        assert self.guard is not None
        page = self.page
        url = page.url
        stopped = url.startswith("chrome-error:") and url != before  # at the dead end
        if self.guard.allows(url) and not stopped:
            return False
        if not stopped:
            self.guard.record(url, "a redirect")
        with contextlib.suppress(Exception):
            await page.go_back(wait_until="domcontentloaded")
        if not self.guard.allows(page.url):
            others = [p for p in page.context.pages if p is not page and not p.is_closed()]
            with contextlib.suppress(Exception):
                if others:  # a new tab that went astray: close it, back to the one before
                    await page.close()
                else:
                    back = before if self.guard.allows(before) else "about:blank"
                    await page.goto(back, wait_until="domcontentloaded")
        await self._settle()
        return True

    async def _close_blank_tab(self, tab: Page) -> None:
        """Close a new tab the step opened whose navigation the guard blocked (left on
        ``about:blank``): the episode goes on in the tab before it."""
        page = self.page
        if page is not tab and not tab.is_closed() and page.url == "about:blank":
            with contextlib.suppress(Exception):
                await page.close()  # (``_on_page_close`` returns to the last open tab)

    async def _act(self, action: Action) -> None:
        """Perform ``action`` by its executor in the action table."""
        await executor_for(action.kind)(self, action)

    async def unfold(self, element_id: str) -> None:
        """Show the folded summary line ``element_id`` in full from the next observation
        on (``more(id)``; the page reader reads :attr:`unfolded`)."""
        self.unfolded.add(element_id)

    # --- judging -------------------------------------------------------------------------

    async def evaluate(self, answer: str | None = None) -> Verdict:
        """The suite's verdict on the episode (a verdict the page already gave wins)."""
        if self._verdict is not None:
            return self._verdict
        if self.task is None or self.setup is None:
            raise RuntimeError("no episode to evaluate; call reset(task) first")
        verdict = await self.setup.evaluate(self.task, self.page, answer)
        self._verdict = verdict
        return verdict
