"""``forethought demo``: one real imagined step from the embedded model."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.panel import Panel

from forethought.cli.app import app
from forethought.settings import DEFAULT_MODEL
from forethought.worldmodel.demo import DEMO_ACTION, DEMO_PAGE, imagine_once
from forethought.worldmodel.registry import ModelError
from forethought.worldmodel.serving.managed import ServerStartError


@app.command()
def demo(
    model: str = typer.Option(DEFAULT_MODEL, help="Embedded model to serve."),
) -> None:
    """Start the embedded model server and ask it what one click changes on a small page."""
    console = Console()
    console.print(Panel(DEMO_PAGE, title=f"page — action: {DEMO_ACTION}"))
    with console.status(f"Starting the embedded server ({model}) and imagining…"):
        try:
            _, reply = asyncio.run(imagine_once(model))
        except (ServerStartError, ModelError) as error:
            console.print(f"[red]error:[/red] {error}")
            raise typer.Exit(1) from None
    console.print(Panel(reply.text.strip(), title="imagined outcome"))
    u = reply.usage
    console.print(
        f"{u.prompt_tokens} prompt tokens, {u.completion_tokens} completion tokens, "
        f"{u.seconds:.1f} s"
    )
