"""``forethought report``: the HTML/Markdown/CSV report of an evaluation folder."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from forethought.cli.app import app


@app.command("report")
def report_command(
    out: Path = typer.Argument(..., help="An evaluation folder (from `forethought eval --out`)."),
    compare: Path = typer.Option(None, help="A second evaluation folder to compare against."),
) -> None:
    """Write DIR/report.html (static, plots inline), DIR/report.md and DIR/episodes.csv."""
    from forethought.eval.report import build_report

    try:
        files = build_report(out, compare=compare)
    except (FileNotFoundError, ValueError) as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    for path in (files.html, files.markdown, files.csv):
        typer.echo(str(path))
