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


#: Reads the site's real state (and the agent's answer) and judges the episode.
Verifier = Callable[[sqlite3.Connection, Params, str | None], Verdict]


@dataclass(frozen=True)
class TaskTemplate:
    """A family of tasks; ``variants`` instances pick different records of the same seed.

    ``make(conn, variant)`` reads the freshly seeded database and writes the goal;
    ``verify`` later reads the same database after the episode.
    """

    id: str
    make: Callable[[sqlite3.Connection, int], Instance]
    verify: Verifier
    start: str = "/"
    trap: bool = False
    #: The fewest actions a perfect agent needs.
    min_actions: int = 1
    variants: int = 1

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
