"""The suite registry behind ``tasks list``, ``eval`` and ``solve``.

Suites: ``builtin`` (our local sites), ``miniwob`` (MiniWoB++ on our browser),
``browsergym:<benchmark>`` (BrowserGym's registry) and custom tasks files. Everything but
the built-in suite is imported lazily, so a missing extra only matters when it is used.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from forethought.envs.setup import TaskSetup
from forethought.envs.types import Task

BUILTIN = "builtin"
MINIWOB = "miniwob"
BROWSERGYM = "browsergym:"
CUSTOM = "custom"


class SuiteError(ValueError):
    """A suite, a task id or a suite's backend cannot be used; the message says why."""


def list_suites() -> list[str]:
    """The suite names ``load_tasks`` accepts (``<benchmark>`` is e.g. ``miniwob``)."""
    return [BUILTIN, MINIWOB, f"{BROWSERGYM}<benchmark>"]


def _module(name: str, what: str, fix: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise SuiteError(f"{what} is unavailable ({exc}); {fix}") from exc


def load_tasks(
    suite: str = BUILTIN,
    *,
    seed: int = 0,
    tasks_file: Path | str | None = None,
    ids: list[str] | None = None,
    limit: int | None = None,
) -> list[Task]:
    """The tasks of ``suite`` (or of ``tasks_file``, which takes precedence).

    ``seed`` writes the built-in tasks' goals; ``ids`` keeps those tasks, in that order;
    ``limit`` keeps the first ``limit``.
    """
    tasks = _all_tasks(suite, seed, tasks_file)
    if ids:
        by_id = {t.id: t for t in tasks}
        unknown = [i for i in ids if i not in by_id]
        if unknown:
            sample = ", ".join(list(by_id)[:5])
            raise SuiteError(
                f"no task(s) {', '.join(unknown)} in suite {suite!r}; ids look like: {sample}"
            )
        tasks = [by_id[i] for i in ids]
    if limit is not None:
        tasks = tasks[: max(0, limit)]
    return tasks


def _all_tasks(suite: str, seed: int, tasks_file: Path | str | None) -> list[Task]:
    if tasks_file is not None:
        custom = _module(
            "forethought.envs.custom",
            "Custom tasks files",
            "the custom-task loader could not be imported",
        )
        try:
            return list(custom.load_tasks_file(tasks_file))
        except ValueError as exc:
            raise SuiteError(str(exc)) from exc
    if suite == BUILTIN:
        from forethought.envs.sites import builtin_tasks

        return builtin_tasks(seed)
    if suite == MINIWOB:
        miniwob = _module(
            "forethought.envs.miniwob",
            "The MiniWoB++ suite",
            "install it with: pip install 'forethought[miniwob]'",
        )
        try:
            return list(miniwob.list_miniwob_tasks())
        except ImportError as exc:
            raise SuiteError(
                f"The MiniWoB++ suite is unavailable ({exc}); install it with: "
                "pip install 'forethought[miniwob]'"
            ) from exc
    if suite.startswith(BROWSERGYM) and suite != BROWSERGYM:
        gym = _module(
            "forethought.envs.browsergym",
            "The BrowserGym adapter",
            "install it with: pip install 'forethought[browsergym]'",
        )
        try:
            return list(gym.list_browsergym_tasks(suite.removeprefix(BROWSERGYM)))
        except (ImportError, RuntimeError) as exc:
            raise SuiteError(str(exc)) from exc
    raise SuiteError(
        f"unknown suite {suite!r}; valid suites: {', '.join(list_suites())}, "
        "or --tasks-file FILE for custom tasks"
    )


def check_ready(suite: str) -> None:
    """Raise :class:`SuiteError` (one line) if ``suite`` needs servers that are not set up:
    BrowserGym's WebArena, VisualWebArena and WorkArena read theirs from the environment."""
    if not suite.startswith(BROWSERGYM) or suite == BROWSERGYM:
        return
    gym = _module(
        "forethought.envs.browsergym",
        "The BrowserGym adapter",
        "install it with: pip install 'forethought[browsergym]'",
    )
    try:
        gym.check_benchmark_env(suite.removeprefix(BROWSERGYM))
    except gym.BrowserGymUnavailable as exc:
        raise SuiteError(str(exc)) from exc


def make_setup(task: Task) -> TaskSetup:
    """The :class:`TaskSetup` that prepares and judges ``task`` in the browser env.

    Only for :class:`~forethought.envs.browser.BrowserEnv`: BrowserGym tasks have none (the
    eval path builds their env with :class:`~forethought.envs.factory.SuiteEnvs`).
    """
    if task.suite == BUILTIN:
        from forethought.envs.sites import BuiltinSetup

        return BuiltinSetup()
    if task.suite == MINIWOB:
        miniwob = _module(
            "forethought.envs.miniwob",
            "The MiniWoB++ suite",
            "install it with: pip install 'forethought[miniwob]'",
        )
        return miniwob.MiniWoBSetup()
    if task.suite.startswith(BROWSERGYM):
        raise SuiteError(
            f"task {task.id} is a BrowserGym task: it runs in "
            "forethought.envs.browsergym.BrowserGymEnv (forethought.envs.factory.SuiteEnvs "
            "picks it), not in the browser env"
        )
    custom = _module(
        "forethought.envs.custom", "Custom tasks", "the custom-task checker could not be imported"
    )
    return custom.CheckSetup()
