"""What a built-in site is made of: a schema, seeded data, routes and task templates."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.routing import BaseRoute

from forethought.envs.types import Verdict

Params = dict[str, Any]


@dataclass(frozen=True)
class Instance:
    """A task template filled in from one seed's data: the goal and the verifier's facts."""

    goal: str
    params: Params
    #: Where this instance starts, when not at its template's ``start``.
    start: str | None = None


#: Reads the site's real state (and the agent's answer) and judges the episode.
Verifier = Callable[[sqlite3.Connection, Params, str | None], Verdict]

#: Writes an instance's reference solution (see :mod:`~forethought.envs.sites.reference`).
Solver = Callable[[Params], list[str]]


@dataclass(frozen=True)
class TaskTemplate:
    """A family of tasks; ``variants`` instances pick different records of the same seed.

    ``make(conn, variant)`` reads the freshly seeded database and writes the goal;
    ``verify`` later reads the same database after the episode. ``solve`` writes the
    instance's reference solution; a trap task also has ``solve_trap``, the path that
    falls for its look-alike (its verdict must fail and flag the trap).
    """

    id: str
    make: Callable[[sqlite3.Connection, int], Instance]
    verify: Verifier
    solve: Solver
    solve_trap: Solver | None = None
    start: str = "/"
    trap: bool = False
    variants: int = 1

    def __post_init__(self) -> None:
        if self.trap and self.solve_trap is None:
            raise ValueError(f"trap task {self.id} needs solve_trap, the path into its trap")

    def task_ids(self) -> list[str]:
        if self.variants == 1:
            return [self.id]
        return [f"{self.id}-{n + 1}" for n in range(self.variants)]


@dataclass(frozen=True)
class Site:
    """One web app mounted under ``/<name>`` of the shared ASGI app."""

    name: str
    title: str
    schema: str
    seed: Callable[[sqlite3.Connection, random.Random], None]
    routes: list[BaseRoute]
    templates: list[TaskTemplate]

    @property
    def prefix(self) -> str:
        return f"/{self.name}"
