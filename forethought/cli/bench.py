"""``forethought bench …``: benchmarks that print ratios measured in one run."""

from __future__ import annotations

import json
from pathlib import Path

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


@bench_app.command("specdec")
def bench_specdec(
    json_out: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
    full: bool = typer.Option(False, "--full", help="Every recorded prompt (not 12 per format)."),
    model: str = typer.Option(None, help="Model name (default: the 0.5B test model)."),
    simulator: bool = typer.Option(True, help="Also print the acceptance simulator's table."),
    threads: int = typer.Option(0, help="CPU threads per engine (0 = all cores)."),
    exact: bool = typer.Option(
        False, "--exact", help="Every engine in exact mode (one thread; see `serve --exact`)."
    ),
) -> None:
    """Decoding speed of no speculation, llama.cpp prompt lookup and our drafter."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from forethought.bench import specdec
    from forethought.settings import TEST_MODEL
    from forethought.worldmodel import registry

    prompts = specdec.load_workload(full)
    path = registry.pull(model or TEST_MODEL)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
    ) as bar:
        job = bar.add_task("bench specdec", total=len(prompts) * len(specdec.METHODS))
        result = specdec.run_bench(
            path,
            prompts,
            lambda label: bar.update(job, advance=1, description=label),
            threads=threads or None,
            exact=exact,
        )
    if json_out:
        typer.echo(json.dumps(result))
        return
    typer.echo(specdec.render(result))
    if simulator:
        typer.echo(specdec.render_simulator(result))


@bench_app.command("planner")
def bench_planner(
    json_out: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
    full: bool = typer.Option(False, "--full", help="Every planner x format on every page."),
    model: str = typer.Option(None, help="Embedded model (default: the 0.5B test model)."),
) -> None:
    """LLM calls, tokens and time per decision per planner and format, beside WebDreamer's."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from forethought.bench.planner import run_bench, total_units
    from forethought.settings import TEST_MODEL

    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        job = bar.add_task("bench planner", total=total_units(full))

        def advance(label: str, n: int) -> None:
            bar.update(job, advance=n, description=label)

        result = run_bench(advance, full=full, model=model or TEST_MODEL)
    if json_out:
        typer.echo(json.dumps(result))
        return
    _print_planner(result)


def _print_planner(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"One decision, mean per config ({result['model']})")
    for column in (
        "config",
        "decisions",
        "calls",
        "compl tok",
        "read tok",
        "page tok",
        "wall s",
    ):
        config = column == "config"
        table.add_column(column, justify="left" if config else "right", no_wrap=config)
    for name, row in result["by_config"].items():
        table.add_row(
            name,
            *(
                str(row[k])
                for k in (
                    "decisions",
                    "calls",
                    "completion_tokens",
                    "read_tokens",
                    "page_tokens",
                    "wall_s",
                )
            ),
        )
    out = Console()
    out.print(table)
    out.print(
        "completion tokens per decision: "
        f"webdreamer {result['webdreamer_completion_tokens_per_decision']}, "
        f"ours {result['ours_completion_tokens_per_decision']}, "
        f"ratio {result['completion_ratio']}x (goal >= 10)"
    )
    out.print(
        f"prefill: {result['prompt_tokens_read_per_decision']} prompt tokens read per decision "
        f"for {result['page_tokens_per_decision']} page tokens, "
        f"{result['prefill_ratio']}x (goal <= 1.3)"
    )
    out.print(
        f"planner overhead: {result['overhead_ms_per_node']} ms per node, "
        f"{result['overhead_ms_at_10k_nodes']} ms at 10k nodes, "
        f"{result['overhead_fraction']} of a real decision's wall time (goal < 0.01)"
    )
    if result["skipped"]:
        out.print(f"skipped (time budget): {', '.join(result['skipped'])}")


@bench_app.command("pages")
def bench_pages(
    json_out: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
    model: str = typer.Option(
        None, help="Whose tokenizer counts (default: the default model, else the test model)."
    ),
    results: Path = typer.Option(
        Path("results/builtin"),
        "--results",
        help="The evaluation whose policy prompts are today's baseline (results.sqlite).",
    ),
    only: str = typer.Option(None, "--only", help="Only the tasks whose ids start with this."),
) -> None:
    """Policy prompt tokens on every page of every built-in reference solution, per site,
    beside today's medians from the committed evaluation."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from forethought.bench import pages

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
    ) as bar:
        job = bar.add_task("bench pages", total=pages.total_units(only))

        def advance(label: str, n: int) -> None:
            bar.update(job, advance=n, description=label)

        result = pages.run_bench(advance, model=model, results=results, only=only)
    if json_out:
        typer.echo(json.dumps(result))
        return
    typer.echo(pages.render(result))


@bench_app.command("safety")
def bench_safety(
    json_out: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
    only: str = typer.Option(
        None,
        "--only",
        help="Only the attempts, dry runs (solution.<task>) and guard routes (guard.…) whose "
        "ids start with this prefix (several: comma-separated).",
    ),
    control: bool = typer.Option(
        False, "--control", help="Also run each attempt with the gate off, to show it is live."
    ),
    workers: int = typer.Option(0, help="Episodes at once (0: two, or one on a single core)."),
) -> None:
    """Red-team the safety gate on the built-in sites: bypasses, dry-run writes, escapes."""
    from forethought.bench import safety

    result = safety.run(only, control=control, workers=workers or None)
    if json_out:
        typer.echo(json.dumps(result))
        return
    typer.echo(safety.render(result))
