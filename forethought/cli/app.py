"""The ``forethought`` command: one typer app, one module per command group."""

from __future__ import annotations

import typer

from forethought import __version__

app = typer.Typer(
    name="forethought",
    help="Web agents that look before they click: plan with an imagined lookahead, "
    "score outcomes with a critic, and act in a real browser behind a safety gate.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Forethought's command line."""


def _register() -> None:
    # Each command group lives in its own module; importing it adds its commands.
    from forethought.cli import (  # noqa: F401
        bench,
        demo,
        eval,
        models,
        report,
        serve,
        sites,
        solve,
        tasks,
        trace,
    )


_register()


def main() -> None:
    app()
