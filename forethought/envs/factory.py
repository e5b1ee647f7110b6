"""Environment factories: which environment an episode of a task runs in.

The agent loop never builds an environment itself; ``run_episode`` and ``Agent`` take an
:class:`EnvFactory`. Every suite has one (built-in sites, MiniWoB++, custom URLs,
BrowserGym), and :class:`SuiteEnvs` picks a task's by its suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from forethought.envs.types import Environment, Task


class EnvFactory(Protocol):
    """Makes the environment for one episode of ``task``.

    ``run_dir`` is the episode's run folder: what must survive a killed run (a site's
    database, say) belongs there, so that ``--resume`` finds it.
    """

    def __call__(self, task: Task, run_dir: Path) -> Environment: ...


def builtin_env(task: Task, run_dir: Path, *, headed: bool = False) -> Environment:
    """The built-in sites in a real browser; the sites' database lives in ``run_dir``."""
    from forethought.envs.browser import BrowserEnv
    from forethought.envs.sites import BuiltinSetup, SiteServer

    return BrowserEnv(BuiltinSetup(SiteServer(db_path=run_dir / "sites.db")), headed=headed)


def miniwob_env(task: Task, run_dir: Path, *, headed: bool = False) -> Environment:
    """MiniWoB++'s HTML tasks in our real browser; the reward is the task's own."""
    from forethought.envs.browser import BrowserEnv
    from forethought.envs.miniwob import MiniWoBSetup

    return BrowserEnv(MiniWoBSetup(), headed=headed)


def custom_env(task: Task, run_dir: Path, *, headed: bool = False) -> Environment:
    """Any URL (a custom task), judged by the task's own checks where it has them."""
    from forethought.envs.browser import BrowserEnv
    from forethought.envs.custom import CheckSetup

    return BrowserEnv(CheckSetup(), headed=headed)


def browsergym_env(task: Task, run_dir: Path, *, headed: bool = False) -> Environment:
    """A BrowserGym task (needs the ``browsergym`` extra, in its own virtualenv)."""
    from forethought.envs.browsergym import BrowserGymEnv

    return BrowserGymEnv(headless=not headed)


@dataclass(frozen=True)
class SuiteEnvs:
    """The default :class:`EnvFactory`: each task runs in its suite's environment."""

    headed: bool = False

    def __call__(self, task: Task, run_dir: Path) -> Environment:
        from forethought.envs.suites import BROWSERGYM, BUILTIN, MINIWOB

        if task.suite == BUILTIN:
            make = builtin_env
        elif task.suite == MINIWOB:
            make = miniwob_env
        elif task.suite.startswith(BROWSERGYM):
            make = browsergym_env
        else:
            make = custom_env
        return make(task, run_dir, headed=self.headed)
