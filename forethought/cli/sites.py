"""``forethought sites serve``: the built-in sites, for a person to click through."""

from __future__ import annotations

import threading

import typer
from rich.console import Console

from forethought.cli.app import app

sites_app = typer.Typer(help="The built-in local sites.", no_args_is_help=True)
app.add_typer(sites_app, name="sites")


@sites_app.command("serve")
def serve(
    port: int = typer.Option(8080, "--port", "-p", help="Port on 127.0.0.1 (0: any free one)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the sites' data."),
) -> None:
    """Serve the shop, webmail and travel sites until Ctrl-C."""
    from forethought.envs.sites import SiteServer, all_sites

    console = Console()
    try:
        server = SiteServer(seed=seed, port=port).start()
    except RuntimeError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"Serving the built-in sites (seed {seed}) at {server.base_url}/")
    for site in all_sites():
        console.print(f"  {site.title:<18} {server.url(site.prefix + '/')}")
    console.print("Press Ctrl-C to stop.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        console.print("Stopping…")
    finally:
        server.stop()
