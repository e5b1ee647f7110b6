"""``forethought bench …``: benchmarks that print ratios measured in one run."""

from __future__ import annotations

import json

import typer

from forethought.cli.app import app

bench_app = typer.Typer(
    help="Benchmarks (timings are printed, never asserted).", no_args_is_help=True
)
app.add_typer(bench_app, name="bench")


@bench_app.command("env")
def bench_env(
    json_out: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
    browsergym: bool = typer.Option(
        True, "--browsergym/--no-browsergym", help="Also time BrowserGym when it is installed."
    ),
) -> None:
    """Median observe+act latency of our browser env on MiniWoB, beside BrowserGym's."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from forethought.bench.env import browsergym_python, run_bench, total_units

    console = Console(stderr=True)
    use_bg = browsergym and browsergym_python() is not None
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        job = bar.add_task("bench env", total=total_units(use_bg))

        def advance(label: str, n: int) -> None:
            bar.update(job, advance=n, description=label)

        result = run_bench(advance, browsergym=use_bg)
    if json_out:
        typer.echo(json.dumps(result))
        return
    out = Console()
    out.print(
        f"ours: step (observe+act) median {result['ours_step_ms_median']} ms "
        f"over {result['ours_steps']} steps"
    )
    out.print(
        f"ours: observe median {result['ours_observe_ms_median']} ms; large page "
        f"({result['large_page_elements']} elements) "
        f"{result['ours_large_page_observe_ms_median']} ms"
    )
    if result["browsergym_step_ms_median"] is None:
        out.print("browsergym: not installed (pip install 'forethought[browsergym]' in .venv-bg)")
    else:
        out.print(
            f"browsergym: step median {result['browsergym_step_ms_median']} ms over "
            f"{result['browsergym_steps']} steps"
        )
        out.print(f"ratio (browsergym / ours): {result['ratio']}x")
