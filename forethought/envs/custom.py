"""Custom tasks: a YAML/JSON file of goals, start URLs and declarative checks."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from forethought.envs.guard import origin_of
from forethought.envs.types import CheckSpec, Task, Verdict

if TYPE_CHECKING:
    from playwright.async_api import Page

__all__ = ["CheckSetup", "TasksFileError", "check_verdict", "load_tasks_file"]


class TasksFileError(ValueError):
    """A tasks file could not be read; the message names the file and the entry."""


_FIELDS = {"id", "goal", "start_url", "allowed_origins", "check", "site", "meta", "trap"}


def load_tasks_file(path: str | Path) -> list[Task]:
    """Read custom tasks from YAML or JSON.

    The file holds a list of tasks, or ``{"tasks": [...]}``; each task has ``goal`` and an
    absolute ``start_url``, optionally ``id``, ``allowed_origins`` (default: the start
    URL's origin) and ``check`` (``url_contains``, ``page_text``, ``answer``,
    ``answer_contains``).
    """
    path = Path(path)
    if not path.is_file():
        raise TasksFileError(f"{path}: no such tasks file")
    text = path.read_text(encoding="utf-8")
    try:
        data: Any = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise TasksFileError(
            f"{path}: not valid {path.suffix.lstrip('.') or 'YAML'}: {exc}"
        ) from exc
    if isinstance(data, dict) and "tasks" in data:
        data = data["tasks"]
    if not isinstance(data, list) or not data:
        raise TasksFileError(
            f"{path}: expected a non-empty list of tasks (or {{tasks: [...]}}), "
            f"got {type(data).__name__}"
        )
    stem = re.sub(r"[^\w-]+", "-", path.stem).strip("-") or "tasks"
    tasks: list[Task] = []
    seen: set[str] = set()
    for i, entry in enumerate(data):
        where = f"{path}: task {i + 1}"
        task = _task_from_entry(entry, where, f"custom.{stem}.{i + 1}")
        if task.id in seen:
            raise TasksFileError(f"{where}: duplicate id {task.id!r}")
        seen.add(task.id)
        tasks.append(task)
    return tasks


def _task_from_entry(entry: Any, where: str, default_id: str) -> Task:
    if not isinstance(entry, dict):
        raise TasksFileError(f"{where}: expected a mapping, got {type(entry).__name__}")
    unknown = set(entry) - _FIELDS
    if unknown:
        raise TasksFileError(
            f"{where}: unknown field(s) {', '.join(sorted(unknown))}; "
            f"known fields are {', '.join(sorted(_FIELDS))}"
        )
    goal = entry.get("goal")
    if not isinstance(goal, str) or not goal.strip():
        raise TasksFileError(f"{where}: 'goal' is required and must be non-empty text")
    start = entry.get("start_url")
    if not isinstance(start, str) or not re.match(r"^(https?|file)://", start):
        raise TasksFileError(
            f"{where}: 'start_url' is required and must be an absolute http(s):// or file:// URL"
        )
    origins = entry.get("allowed_origins") or [origin_of(start)]
    if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
        raise TasksFileError(f"{where}: 'allowed_origins' must be a list of origins")
    check = entry.get("check")
    if check is not None:
        if not isinstance(check, dict) or not check:
            raise TasksFileError(f"{where}: 'check' must be a mapping of conditions")
        bad = set(check) - set(CheckSpec.model_fields)
        if bad:
            raise TasksFileError(
                f"{where}: unknown check(s) {', '.join(sorted(bad))}; "
                f"use {', '.join(CheckSpec.model_fields)}"
            )
    try:
        return Task(
            id=str(entry.get("id") or default_id),
            goal=goal.strip(),
            suite="custom",
            site=entry.get("site"),
            start_url=start,
            allowed_origins=origins,
            trap=bool(entry.get("trap", False)),
            check=CheckSpec(**check) if check else None,
            meta=entry.get("meta") or {},
        )
    except ValidationError as exc:
        raise TasksFileError(f"{where}: {exc}") from exc


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def check_verdict(check: CheckSpec | None, url: str, page_text: str, answer: str | None) -> Verdict:
    """Judge a custom task: every condition given in ``check`` must hold."""
    if check is None:
        return Verdict(success=False, detail="this task has no check; it cannot be verified")
    failed: list[str] = []
    if check.url_contains is not None and check.url_contains not in url:
        failed.append(f"url {url!r} does not contain {check.url_contains!r}")
    if check.page_text is not None and _norm(check.page_text) not in _norm(page_text):
        failed.append(f"page does not show {check.page_text!r}")
    if check.answer is not None and _norm(answer or "") != _norm(check.answer):
        failed.append(f"answer {answer!r} is not {check.answer!r}")
    if check.answer_contains is not None and _norm(check.answer_contains) not in _norm(
        answer or ""
    ):
        failed.append(f"answer {answer!r} does not contain {check.answer_contains!r}")
    return Verdict(success=not failed, detail="; ".join(failed) or "all checks passed")


class CheckSetup:
    """The :class:`~forethought.envs.setup.TaskSetup` for custom tasks (``Task.check``)."""

    def allowed_origins(self, task: Task) -> list[str]:
        try:
            return [origin_of(task.start_url)]
        except ValueError:
            return []

    async def start(self, task: Task, seed: int, page: Page) -> None:
        if not re.match(r"^[a-z][a-z0-9+.-]*:", task.start_url):
            raise ValueError(f"task {task.id}: start_url {task.start_url!r} must be absolute")
        await page.goto(task.start_url, wait_until="domcontentloaded")

    async def status(self, task: Task, page: Page) -> Verdict | None:
        return None

    async def evaluate(self, task: Task, page: Page, answer: str | None) -> Verdict:
        text = await page.evaluate("() => document.body ? document.body.innerText : ''")
        return check_verdict(task.check, page.url, text, answer)

    async def close(self) -> None:
        return None
