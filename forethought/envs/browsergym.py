"""Any BrowserGym task (MiniWoB, WebArena, VisualWebArena, WorkArena) as our Environment.

Needs the ``browsergym`` extra, which pins Playwright 1.44; install it in its own
virtualenv (``pip install -e '.[browsergym]'``). Suites are named ``browsergym:<benchmark>``
(``browsergym:miniwob``); their task ids are ``browsergym:<gym task>``, e.g.
``browsergym:miniwob.click-button``. For MiniWoB, ``MINIWOB_URL`` defaults to the
``miniwob`` package's own HTML folder.

**Actions** are translated to BrowserGym's *default* high-level action set (the subsets
``chat``, ``infeas``, ``bid``, ``nav`` and ``tab``), which the env passes explicitly as its
``action_mapping``; see :func:`~forethought.envs.browsergym_actions.to_browsergym`.

**Benchmarks with servers** (WebArena and its variants, VisualWebArena, WorkArena) find
their servers by environment variables (:data:`REQUIRED_ENV`); an episode checks them
before ``gym.make`` and fails with one line naming the missing ones.

BrowserGym is synchronous. Every call runs on one dedicated worker thread (Playwright's
sync API is bound to the thread that started it), so our event loop is never blocked.

**The chat window, offline.** BrowserGym opens a second Chromium for its chat window
through Playwright's *default* browser path (``browsergym.core.chat.Chat`` calls
``pw.chromium.launch()`` with no ``executable_path``), which fails where Playwright could
not download its browser. We start BrowserGym's global Playwright ourselves (its
``browsergym.core._set_global_playwright`` hook) with ``chromium.launch`` defaulting to our
Chromium (``FORETHOUGHT_CHROMIUM``, Playwright's own, or the system's, as
:func:`~forethought.envs.chromium.find_chromium` finds it). Both of BrowserGym's browsers
then launch from that binary; nothing is downloaded and nothing is patched on disk.
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from forethought.envs.browsergym_actions import (
    BROWSERGYM_SUBSETS,
    UntranslatableAction,
    to_browsergym,
)
from forethought.envs.chromium import find_chromium
from forethought.envs.types import (
    Action,
    ActionKind,
    Element,
    Observation,
    StepResult,
    Task,
    Verdict,
)

__all__ = [
    "REQUIRED_ENV",
    "BrowserGymEnv",
    "BrowserGymNotConfigured",
    "BrowserGymUnavailable",
    "action_set",
    "browsergym_available",
    "check_benchmark_env",
    "list_browsergym_tasks",
]

PREFIX = "browsergym:"


class BrowserGymUnavailable(RuntimeError):
    """BrowserGym (or one of its benchmarks) is not installed or cannot be imported."""


class BrowserGymNotConfigured(BrowserGymUnavailable):
    """A benchmark that needs its own servers is installed, but they are not configured."""


#: The environment variables each benchmark's servers are found by (BrowserGym reads them
#: when a task starts). Each entry lists alternatives; one of them must be fully set. The
#: first is the one an error message asks for.
REQUIRED_ENV: dict[str, tuple[tuple[str, ...], ...]] = {
    "webarena": (
        (
            "WA_SHOPPING",
            "WA_SHOPPING_ADMIN",
            "WA_REDDIT",
            "WA_GITLAB",
            "WA_WIKIPEDIA",
            "WA_MAP",
            "WA_HOMEPAGE",
        ),
    ),
    "visualwebarena": (
        (
            "VWA_SHOPPING",
            "VWA_REDDIT",
            "VWA_WIKIPEDIA",
            "VWA_HOMEPAGE",
            "VWA_CLASSIFIEDS",
            "VWA_CLASSIFIEDS_RESET_TOKEN",
        ),
    ),
    # Your own ServiceNow instance, or a pool of them (a JSON file), or the gated pool on
    # the Hugging Face Hub (needs a token).
    "workarena": (
        ("SNOW_INSTANCE_URL", "SNOW_INSTANCE_UNAME", "SNOW_INSTANCE_PWD"),
        ("SNOW_INSTANCE_POOL",),
        ("HF_TOKEN",),
        ("HUGGING_FACE_HUB_TOKEN",),
    ),
}
# WebArena's variants run on WebArena's servers.
REQUIRED_ENV["webarena_verified"] = REQUIRED_ENV["webarenalite"] = REQUIRED_ENV["webarena"]

_SERVERS = {
    "webarena": "WebArena's sites",
    "webarena_verified": "WebArena's sites",
    "webarenalite": "WebArena's sites",
    "visualwebarena": "VisualWebArena's sites",
    "workarena": "a ServiceNow instance",
}


def check_benchmark_env(benchmark: str, environ: Mapping[str, str] | None = None) -> None:
    """Raise :class:`BrowserGymNotConfigured` (one line) if ``benchmark``'s servers are unset.

    Benchmarks that need no servers of their own (MiniWoB) always pass.
    """
    environ = os.environ if environ is None else environ
    options = REQUIRED_ENV.get(benchmark)
    if not options or any(all(environ.get(v) for v in names) for names in options):
        return
    missing = [v for v in options[0] if not environ.get(v)]
    also = ""
    if len(options) > 1:
        also = " (or " + " or ".join(" + ".join(names) for names in options[1:]) + ")"
    raise BrowserGymNotConfigured(
        f"BrowserGym benchmark {benchmark!r} needs {_SERVERS.get(benchmark, 'its servers')}: "
        f"set {', '.join(missing)}{also}; see the BrowserGym section of README.md"
    )


def browsergym_available() -> bool:
    try:
        import browsergym.core  # noqa: F401
    except ImportError:
        return False
    return True


def _import_benchmark(benchmark: str) -> None:
    package = f"browsergym-{benchmark.replace('_', '-')}"
    install = "'forethought[browsergym]'" if benchmark == "miniwob" else package
    try:
        __import__(f"browsergym.{benchmark}")
    except ImportError as exc:
        raise BrowserGymUnavailable(
            f"BrowserGym benchmark {benchmark!r} is not installed ({exc}): pip install "
            f"{install} in the BrowserGym virtualenv (Playwright 1.44; make install-bg)"
        ) from exc
    except Exception as exc:  # e.g. WebArena downloads NLTK data on import, offline it fails
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise BrowserGymUnavailable(
            f"importing BrowserGym benchmark {benchmark!r} failed ({detail[:300]})"
        ) from exc
    if benchmark == "miniwob" and "MINIWOB_URL" not in os.environ:
        from forethought.envs.miniwob import miniwob_html_dir

        os.environ["MINIWOB_URL"] = (miniwob_html_dir() / "miniwob").as_uri() + "/"


def action_set() -> Any:
    """BrowserGym's default high-level action set, one action per step.

    The subsets are ``HighLevelActionSet()``'s defaults (:data:`BROWSERGYM_SUBSETS`);
    :func:`~forethought.envs.browsergym_actions.to_browsergym` emits only their functions.
    """
    from browsergym.core.action.highlevel import HighLevelActionSet

    return HighLevelActionSet(subsets=list(BROWSERGYM_SUBSETS), multiaction=False)


def list_browsergym_tasks(benchmark: str) -> list[Task]:
    """The tasks BrowserGym registers for ``benchmark`` (suite ``browsergym:<benchmark>``)."""
    _import_benchmark(benchmark)
    import gymnasium as gym

    prefix = f"browsergym/{benchmark}."
    names = sorted(k.split("/", 1)[1] for k in gym.envs.registry if k.startswith(prefix))
    return [
        Task(
            id=f"{PREFIX}{name}",
            suite=f"{PREFIX}{benchmark}",
            site=benchmark,
            goal=f"Do the BrowserGym task {name!r}; its goal is given at reset.",
            start_url="about:blank",
            meta={"gym_id": f"browsergym/{name}", "benchmark": benchmark},
        )
        for name in names
    ]


# --- the worker thread -------------------------------------------------------------------

_EXECUTOR: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _EXECUTOR
    if _EXECUTOR is None:
        _EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="browsergym")
    return _EXECUTOR


async def _in_worker(fn: Any, *args: Any, **kwargs: Any) -> Any:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), functools.partial(fn, *args, **kwargs))


def _ensure_playwright(executable: str) -> None:
    """Give BrowserGym a global Playwright whose Chromium launches from ``executable``."""
    import browsergym.core as bgc
    from playwright.sync_api import sync_playwright

    if bgc._PLAYWRIGHT is not None:
        return
    pw = sync_playwright().start()
    pw.chromium.launch = functools.partial(pw.chromium.launch, executable_path=executable)  # type: ignore[method-assign]
    bgc._set_global_playwright(pw)


# --- observations ------------------------------------------------------------------------

_SKIP_ROLES = {
    "none",
    "generic",
    "presentation",
    "LineBreak",
    "InlineTextBox",
    "RootWebArea",
    "WebArea",
    "paragraph",
    "Section",
    "group",
    "LabelText",
    "ListMarker",
}
_STATES = ("checked", "disabled", "expanded", "selected", "required", "readonly")
_CONTROL_ROLES = frozenset(
    {
        "button",
        "link",
        "textbox",
        "searchbox",
        "checkbox",
        "radio",
        "combobox",
        "listbox",
        "option",
        "menuitem",
        "menuitemcheckbox",
        "menuitemradio",
        "tab",
        "switch",
        "slider",
        "spinbutton",
        "treeitem",
    }
)


#: States said when false too, under another word: a box not ticked, a section closed.
_FALSE_STATES = {"checked": "unchecked", "expanded": "collapsed"}


def _states(node: dict[str, Any]) -> list[str]:
    """The node's states, as the browser env words them."""
    states = []
    for prop in node.get("properties") or []:
        name, value = prop.get("name"), (prop.get("value") or {}).get("value")
        if name in _STATES and value in (True, "true"):
            states.append(name)
        elif name in _FALSE_STATES and value in (False, "false"):
            states.append(_FALSE_STATES[name])
    return states


def _prop(node: dict[str, Any], key: str) -> Any:
    return (node.get(key) or {}).get("value")


def axtree_elements(axtree: dict[str, Any], extra: dict[str, Any]) -> list[Element]:
    """BrowserGym's AXTree as our compact elements: controls carry their ``bid`` as id,
    other lines (text, headings, containers) none."""
    nodes = axtree.get("nodes") or []
    by_id = {n["nodeId"]: n for n in nodes}
    children = {n["nodeId"]: n.get("childIds") or [] for n in nodes}
    out: list[Element] = []

    def visit(node_id: str, depth: int, parent_name: str) -> None:
        node = by_id.get(node_id)
        if node is None:
            return
        role = str(_prop(node, "role") or "")
        name = " ".join(str(_prop(node, "name") or "").split())
        bid = node.get("browsergym_id")
        props = extra.get(bid, {}) if bid else {}
        shown = not node.get("ignored") and role not in _SKIP_ROLES
        if role == "StaticText":
            role = "text"
            shown = bool(name) and bid is None and name != parent_name  # not its parent's name
        if shown and bid is not None and props.get("visibility", 1) < 0.5:
            shown = False
        if shown and (name or role not in ("text",)):
            states = _states(node)
            value = _prop(node, "value")
            # Ids only on what one can act on: a control's role, or what the page made
            # clickable (BrowserGym reads the listeners); the rest is context text.
            acts = role in _CONTROL_ROLES or bool(props.get("clickable"))
            out.append(
                Element(
                    id=str(bid) if bid is not None and acts and "disabled" not in states else "",
                    role=role,
                    name=name,
                    value=str(value) if value not in (None, "") else None,
                    depth=depth,
                    states=tuple(states),
                )
            )
            depth += 1
            parent_name = name
        for child in children.get(node_id, []):
            visit(child, depth, parent_name)

    if nodes:
        visit(nodes[0]["nodeId"], 0, "")
    return out


def _observation(obs: dict[str, Any], error: str | None = None) -> Observation:
    titles = obs.get("open_pages_titles") or ("",)
    index = int((obs.get("active_page_index") or [0])[0])
    return Observation(
        url=str(obs.get("url", "")),
        title=str(titles[index] if index < len(titles) else ""),
        elements=axtree_elements(
            obs.get("axtree_object") or {}, obs.get("extra_element_properties") or {}
        ),
        focused=obs.get("focused_element_bid") or None,
        error=error or obs.get("last_action_error") or None,
    )


def _goal(obs: dict[str, Any]) -> str:
    parts = [m.get("text", "") for m in obs.get("goal_object") or () if m.get("type") == "text"]
    return " ".join(p for p in parts if p) or str(obs.get("goal") or "")


# --- the environment ---------------------------------------------------------------------


class BrowserGymEnv:
    """Runs BrowserGym tasks behind our async :class:`~forethought.envs.types.Environment`.

    Args:
        headless: run BrowserGym's browsers headless.
        pre_observation_delay: BrowserGym's fixed wait before each observation
            (its default, 0.5 s, when ``None``).
        executable: the Chromium both of BrowserGym's browsers launch from.
        env_kwargs: extra keyword arguments for ``gym.make``.
    """

    def __init__(
        self,
        *,
        headless: bool = True,
        pre_observation_delay: float | None = None,
        executable: str | None = None,
        env_kwargs: dict[str, Any] | None = None,
    ) -> None:
        if not browsergym_available():
            raise BrowserGymUnavailable(
                "BrowserGym is not installed: pip install 'forethought[browsergym]' in a "
                "virtualenv with Playwright 1.44"
            )
        self.headless = headless
        self.pre_observation_delay = pre_observation_delay
        self.executable = executable
        self.env_kwargs = dict(env_kwargs or {})
        self._gym: Any = None
        self.task: Task | None = None
        self.goal: str = ""
        self._reward: float = 0.0
        self._done = False
        self._last: Observation | None = None

    def _reset_sync(self, task: Task, seed: int) -> tuple[Observation, str]:
        import gymnasium as gym

        benchmark = str(task.meta.get("benchmark") or task.suite.removeprefix(PREFIX))
        _import_benchmark(benchmark)
        check_benchmark_env(benchmark)
        executable = self.executable or find_chromium()
        _ensure_playwright(executable)
        if self._gym is not None:
            self._gym.close()
            self._gym = None
        kwargs: dict[str, Any] = {
            "headless": self.headless,
            "action_mapping": action_set().to_python_code,
            **self.env_kwargs,
        }
        kwargs["pw_chromium_kwargs"] = {
            "executable_path": executable,
            **kwargs.get("pw_chromium_kwargs", {}),
        }
        if self.pre_observation_delay is not None:
            kwargs["pre_observation_delay"] = self.pre_observation_delay
        gym_id = str(task.meta.get("gym_id") or f"browsergym/{task.id.removeprefix(PREFIX)}")
        self._gym = gym.make(gym_id, **kwargs)
        try:
            obs, _info = self._gym.reset(seed=seed)
        except Exception as exc:
            if benchmark not in REQUIRED_ENV:
                raise
            # e.g. Playwright's net::ERR_CONNECTION_REFUSED with its call log: one line
            first = next((line for line in str(exc).splitlines() if line.strip()), "")
            raise BrowserGymUnavailable(
                f"BrowserGym benchmark {benchmark!r} could not start {task.id} "
                f"({type(exc).__name__}: {first.strip()[:200]}); check that "
                f"{_SERVERS[benchmark]} can be reached at the URLs its variables name"
            ) from exc
        return _observation(obs), _goal(obs)

    async def reset(self, task: Task, seed: int = 0) -> Observation:
        observation, goal = await _in_worker(self._reset_sync, task, seed)
        self.goal = goal or task.goal
        self.task = task.model_copy(update={"goal": self.goal})
        self._reward, self._done, self._last = 0.0, False, observation
        return observation

    def _step_sync(self, code: str) -> tuple[Observation, float, bool, dict[str, Any]]:
        started = time.perf_counter()
        obs, reward, terminated, truncated, info = self._gym.step(code)
        info["browsergym_step_ms"] = (time.perf_counter() - started) * 1000
        return _observation(obs), float(reward), bool(terminated or truncated), info

    async def step(self, action: Action) -> StepResult:
        if self._gym is None:
            raise RuntimeError("no episode is running; call reset(task) first")
        if self._done:
            return StepResult(
                observation=self._last,
                done=True,
                reward=self._reward,  # type: ignore[arg-type]
                error="the episode is over; call reset()",
            )
        last = self._last or Observation(url="")
        try:
            code = to_browsergym(action, focused=last.focused)
        except UntranslatableAction as exc:  # nothing is sent; the page is as it was
            error = str(exc)
            return StepResult(observation=last.model_copy(update={"error": error}), error=error)
        observation, reward, done, info = await _in_worker(self._step_sync, code)
        self._reward = max(self._reward, reward) if not done else reward
        self._done = done or action.kind is ActionKind.STOP
        self._last = observation
        task_info = info.get("task_info") or {}
        return StepResult(
            observation=observation,
            done=self._done,
            reward=reward if self._done else None,
            error=observation.error,
            info={
                "action": code,
                "browsergym_step_ms": info["browsergym_step_ms"],
                "task_info": {k: v for k, v in task_info.items() if _plain(v)},
            },
        )

    async def evaluate(self, answer: str | None = None) -> Verdict:
        return Verdict(
            success=self._reward > 0, reward=self._reward, detail="BrowserGym's task reward"
        )

    def _close_sync(self) -> None:
        if self._gym is not None:
            self._gym.close()
            self._gym = None

    async def close(self) -> None:
        await _in_worker(self._close_sync)


def _plain(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | type(None))
