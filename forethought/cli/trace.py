"""``forethought trace view|list``: render a run's trace page, list recent runs."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from forethought.agents.trace import TraceNotFound, read_trace, recent_runs, resolve_trace, run_dir
from forethought.agents.trace_html import render_trace_html
from forethought.cli.app import app

trace_app = typer.Typer(help="Episode traces: render and list them.", no_args_is_help=True)
app.add_typer(trace_app, name="trace")


@trace_app.command("view")
def view(
    target: str = typer.Argument(
        ..., help="A run id, or any trace folder (e.g. an eval episode's)."
    ),
) -> None:
    """Render the trace as a static local page (trace.html in its folder); print its path."""
    try:
        folder = resolve_trace(target)
    except TraceNotFound as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    typer.echo(str(render_trace_html(folder)))


@trace_app.command("list")
def list_runs(
    limit: int = typer.Option(20, "--limit", "-n", help="How many of the newest runs."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """List the newest runs under $FORETHOUGHT_HOME/runs."""
    rows = []
    for run_id in recent_runs(limit):
        trace = read_trace(run_dir(run_id))
        result = trace.result
        rows.append(
            {
                "run_id": run_id,
                "task": result.task_id if result else None,
                "agent": result.agent if result else None,
                "success": result.success if result else None,
                "steps": len(trace.steps),
            }
        )
    if json_out:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("run id", "task", "agent", "success", "steps", title=f"{len(rows)} runs")
    for r in rows:
        done = "running/killed" if r["success"] is None else "yes" if r["success"] else "no"
        table.add_row(r["run_id"], r["task"] or "", r["agent"] or "", done, str(r["steps"]))
    Console().print(table)
