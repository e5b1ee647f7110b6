"""``forethought eval``: suites × agents × seeds, in parallel, resumable, into one folder."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from forethought.agents.config import AGENTS, AUTO_STEPS_RULE, OnIrreversible, parse_max_steps
from forethought.cli import options as opts
from forethought.cli.app import app
from forethought.settings import DEFAULT_MODEL


class Backend(StrEnum):
    local = "local"
    ray = "ray"


@app.command("eval")
def eval_command(
    out: Path = typer.Option(..., "--out", help="Folder for results.sqlite, traces and reports."),
    agents: str = typer.Option(
        ...,
        help=f"Comma-separated: {','.join(AGENTS)}; "
        "add :gate-off or :no-speculate to one, e.g. reactive:gate-off.",
    ),
    suite: str = typer.Option("builtin", help="builtin, miniwob or browsergym:<benchmark>."),
    tasks: str = typer.Option(None, help="Comma-separated task ids (default: the whole suite)."),
    limit: int = typer.Option(None, help="Only the suite's first N tasks."),
    tasks_file: Path = typer.Option(None, help="A YAML/JSON file of custom tasks."),
    seeds: str = typer.Option(None, help="Comma-separated seeds (default 0)."),
    episodes: int = typer.Option(None, help="Seeds 0..N-1 (instead of --seeds)."),
    workers: int = typer.Option(1, help="Episodes at once (they share one model server)."),
    backend: Backend = typer.Option(Backend.local, help="local processes, or a Ray cluster."),
    address: str = typer.Option(None, help="Ray cluster address (--backend ray)."),
    model: str = typer.Option(DEFAULT_MODEL, help="Model for every role."),
    base_url: str = typer.Option(
        None, help="An OpenAI-compatible endpoint (default: start the embedded server)."
    ),
    max_steps: str = typer.Option(
        "auto",
        metavar="auto|N",
        help=f"Real steps per episode, at most: a number, or {AUTO_STEPS_RULE}.",
    ),
    gate: opts.Switch = typer.Option(
        opts.Switch.on, help="The safety gate (per agent: name:gate-off)."
    ),
    gate_threshold: opts.GateThreshold = 0.75,
    on_irreversible: OnIrreversible = typer.Option(
        OnIrreversible.ALLOW_SCORED,
        help="What the gate does with scored irreversible actions: allow-scored or deny "
        "(ask needs a person, so eval refuses it).",
    ),
    no_speculate: opts.NoSpeculate = False,
    candidates: opts.Candidates = None,
    depth: opts.Depth = None,
    simulations: opts.Simulations = None,
    budget_sims: opts.BudgetSims = None,
    budget_tokens: opts.BudgetTokens = None,
    budget_seconds: opts.BudgetSeconds = None,
    critic_samples: opts.CriticSamples = None,
    wm_format: opts.WMFormatOption = None,
    proposals: opts.ProposalsOption = None,
    episode_timeout: float = typer.Option(
        900.0,
        help="Seconds per episode; then it is judged on the state it reached "
        "(an error if that cannot be judged).",
    ),
    report: bool = typer.Option(True, help="Write the report when the run ends."),
) -> None:
    """Run every (task, agent, seed) as one episode; rerun the same command to resume."""
    from forethought.eval.config import EvalConfig, EvalConfigError, parse_seeds, split_list
    from forethought.eval.report import build_report
    from forethought.eval.runner import run_eval

    err = Console(stderr=True)
    try:
        config = EvalConfig(
            suite=suite,
            tasks=split_list(tasks),
            limit=limit,
            tasks_file=str(tasks_file) if tasks_file else None,
            agents=split_list(agents) or [],
            seeds=parse_seeds(seeds, episodes),
            model=model,
            max_steps=parse_max_steps(max_steps),
            gate=gate is opts.Switch.on,
            gate_threshold=gate_threshold,
            on_irreversible=on_irreversible,
            speculate=not no_speculate,
            planner=opts.planner_overrides(
                candidates,
                depth,
                simulations,
                budget_sims,
                budget_tokens,
                budget_seconds,
                critic_samples,
                wm_format,
                proposals,
            ),
            episode_timeout=episode_timeout,
        )
        summary = run_eval(
            config,
            out,
            workers=workers,
            backend=backend.value,
            address=address,
            base_url=base_url,
            console=err,
        )
    except (EvalConfigError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    err.print(
        f"{summary.total} episodes: {summary.skipped} already done, {summary.ran} ran now "
        f"({summary.successes} succeeded, {summary.errors} errors, {summary.timed_out} timed "
        f"out) in {summary.seconds:.0f} s"
    )
    if report:
        files = build_report(out)
        err.print(f"report: {files.html}")
