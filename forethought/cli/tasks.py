"""``forethought tasks list``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from forethought.cli.app import app
from forethought.envs.suites import BUILTIN, SuiteError, load_tasks

tasks_app = typer.Typer(help="Task suites: list their tasks.", no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")


@tasks_app.command("list")
def list_tasks(
    suite: str = typer.Option(
        BUILTIN, "--suite", "-s", help="builtin, miniwob or browsergym:<benchmark>."
    ),
    tasks_file: Path | None = typer.Option(
        None, "--tasks-file", "-f", help="A YAML/JSON file of custom tasks."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed that writes the built-in tasks' goals."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """List a suite's tasks: id, site, trap, level, minimum actions and goal.

    The minimum is the page actions of the task's reference solution (its final stop not
    counted); the level follows from it: easy ≤ 3, medium 4–6, hard ≥ 7. Suites without
    reference solutions (MiniWoB++, BrowserGym, custom) leave both blank.
    """
    try:
        tasks = load_tasks(suite, seed=seed, tasks_file=tasks_file)
    except SuiteError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if json_out:
        rows = [
            {
                "id": t.id,
                "suite": t.suite,
                "site": t.site,
                "goal": t.goal,
                "trap": t.trap,
                "level": t.meta.get("level"),
                "min_actions": t.meta.get("min_actions"),
                "start_url": t.start_url,
            }
            for t in tasks
        ]
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table("id", "site", "trap", "level", "min", "goal", title=f"{len(tasks)} tasks")
    for t in tasks:
        level, least = t.meta.get("level"), t.meta.get("min_actions")
        table.add_row(
            t.id,
            t.site or "",
            "yes" if t.trap else "",
            level or "",
            "" if least is None else str(least),
            t.goal,
        )
    Console().print(table)
