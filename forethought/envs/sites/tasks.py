"""The built-in suite: every site's task templates, instantiated from one seed's data."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import lru_cache

from forethought.envs.sites import db
from forethought.envs.sites.base import Instance, Site, TaskTemplate
from forethought.envs.sites.catalog import all_sites
from forethought.envs.sites.reference import level_of, page_actions
from forethought.envs.types import Task, Verdict

SUITE = "builtin"


@dataclass(frozen=True)
class BuiltinTask:
    """A task with what only the verifier (and tests) may know: its template, facts and
    reference solutions."""

    task: Task
    site: Site
    template: TaskTemplate
    instance: Instance

    @property
    def solution(self) -> list[str]:
        """The reference path (see :mod:`~forethought.envs.sites.reference`)."""
        return self.template.solve(self.instance.params)

    @property
    def trap_solution(self) -> list[str] | None:
        """For a trap task, the path that falls for its look-alike."""
        solve = self.template.solve_trap
        return solve(self.instance.params) if solve else None


@lru_cache(maxsize=8)
def _instantiate(seed: int) -> tuple[BuiltinTask, ...]:
    conn = db.in_memory(all_sites(), seed)
    try:
        out = []
        for site in all_sites():
            for template in site.templates:
                for variant, task_id in enumerate(template.task_ids()):
                    instance = template.make(conn, variant)
                    actions = page_actions(template.solve(instance.params))
                    task = Task(
                        id=task_id,
                        goal=instance.goal,
                        suite=SUITE,
                        site=site.name,
                        start_url=site.prefix + (instance.start or template.start),
                        trap=template.trap,
                        meta={
                            "seed": seed,
                            "template": template.id,
                            "min_actions": actions,
                            "level": level_of(actions),
                        },
                    )
                    out.append(BuiltinTask(task, site, template, instance))
        return tuple(out)
    finally:
        conn.close()


def builtin_tasks(seed: int = 0) -> list[Task]:
    """Every built-in task, with goals written from ``seed``'s data (ids do not depend on it)."""
    return [b.task.model_copy(deep=True) for b in _instantiate(seed)]


def task_ids() -> list[str]:
    return [b.task.id for b in _instantiate(0)]


def task_seed(task: Task, default: int = 0) -> int:
    """The seed a built-in task's goal was written for; its episode must use the same data."""
    return int(task.meta.get("seed", default))


def lookup(task: Task | str, seed: int | None = None) -> BuiltinTask:
    """The hidden side of a built-in task: verifier and facts. Not for agents."""
    task_id = task if isinstance(task, str) else task.id
    if seed is None:
        seed = 0 if isinstance(task, str) else task_seed(task)
    for built in _instantiate(seed):
        if built.task.id == task_id:
            return built
    raise KeyError(
        f"unknown built-in task {task_id!r}; `forethought tasks list --suite builtin` lists them"
    )


def verify(task: Task, conn: sqlite3.Connection, answer: str | None) -> Verdict:
    """Judge an episode of ``task`` from the sites' database after it."""
    built = lookup(task)
    return built.template.verify(conn, built.instance.params, answer)
