"""``forethought solve``: solve one task interactively, with a live view of the planning."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.prompt import Confirm
from rich.table import Table

from forethought import settings
from forethought.agents.config import (
    AUTO_STEPS_RULE,
    AgentKind,
    OnIrreversible,
    parse_max_steps,
)
from forethought.cli import options as opts
from forethought.cli.app import app
from forethought.worldmodel.registry import ModelError

if TYPE_CHECKING:
    from forethought.agents.events import Event
    from forethought.agents.result import ApprovalRequest, EpisodeResult


@app.command()
def solve(
    goal: str = typer.Argument(None, help="What to do, in words (not needed with --task)."),
    site: str = typer.Option(None, help="A built-in site: shop, mail or travel."),
    task: str = typer.Option(None, help="A built-in task id (see `forethought tasks list`)."),
    url: str = typer.Option(None, help="Start at this URL (with --allow-origin)."),
    allow_origin: list[str] = typer.Option(None, help="Origins the agent may visit (--url)."),
    agent: AgentKind = typer.Option(AgentKind.LOOKAHEAD, help="Which agent plans."),
    model: str = typer.Option(
        None, help=f"Model for every role (default: {settings.DEFAULT_MODEL})."
    ),
    base_url: str = typer.Option(
        None, help="An OpenAI-compatible endpoint instead of the embedded server."
    ),
    api_key: str = typer.Option(None, envvar="FORETHOUGHT_API_KEY", help="API key for --base-url."),
    policy_model: str = typer.Option(None, help="Model for the policy only."),
    world_model: str = typer.Option(None, help="Model for the world model only."),
    critic_model: str = typer.Option(None, help="Model for the critic only."),
    max_steps: str = typer.Option(
        "auto", metavar="auto|N", help=f"Real steps at most: a number, or {AUTO_STEPS_RULE}."
    ),
    candidates: opts.Candidates = None,
    depth: opts.Depth = None,
    simulations: opts.Simulations = None,
    budget_sims: opts.BudgetSims = None,
    budget_tokens: opts.BudgetTokens = None,
    budget_seconds: opts.BudgetSeconds = None,
    critic_samples: opts.CriticSamples = None,
    wm_format: opts.WMFormatOption = None,
    proposals: opts.ProposalsOption = None,
    gate: opts.Switch = typer.Option(opts.Switch.on, help="The safety gate for risky actions."),
    gate_threshold: opts.GateThreshold = 0.75,
    dry_run: bool = typer.Option(False, help="Never execute a state-changing action."),
    on_irreversible: OnIrreversible = typer.Option(
        None, help="ask (default on a terminal), allow-scored (default otherwise) or deny."
    ),
    no_speculate: opts.NoSpeculate = False,
    seed: int = typer.Option(0, help="Seed of the built-in sites' data."),
    resume: str = typer.Option(
        None,
        help="Continue a killed run, or one awaiting approval (its RUN_ID), with the "
        "configuration it started with.",
    ),
    headed: bool = typer.Option(False, help="Show the browser window."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON result object."),
) -> None:
    """Solve a task: plan by imagining outcomes, pass risky actions through the gate, act."""
    from forethought.agents import Agent, AgentConfig, ResumeError
    from forethought.agents.trace import run_dir
    from forethought.envs.types import Task

    err = Console(stderr=True)
    out = err if json_out else Console()
    target: Any = goal
    started_with: dict[str, Any] | None = None
    if resume:
        manifest = run_dir(resume) / "manifest.json"
        if not manifest.exists():
            err.print(f"[red]error:[/red] no run {resume} under {run_dir(resume).parent}")
            raise typer.Exit(2)
        recorded = json.loads(manifest.read_text())
        target = Task.model_validate(recorded["task"])
        started_with = recorded["config"]
        # The run goes on with the models it started with.
        models = recorded.get("models") or {}
        policy_model, world_model, critic_model = (
            models.get(role) for role in ("policy", "world_model", "critic")
        )
    elif task:
        target = task
    elif not goal or sum(x is not None for x in (site, url)) != 1:
        err.print("[red]error:[/red] give --task ID, or a GOAL with exactly one of --site or --url")
        raise typer.Exit(2)
    interactive = sys.stdin.isatty() and not json_out
    mode = on_irreversible or (OnIrreversible.ASK if interactive else OnIrreversible.ALLOW_SCORED)
    planner = opts.planner_overrides(
        candidates,
        depth,
        simulations,
        budget_sims,
        budget_tokens,
        budget_seconds,
        critic_samples,
        wm_format,
        proposals,
    )
    try:
        config = (
            AgentConfig.model_validate(started_with)
            if started_with
            else AgentConfig(
                agent=agent,
                gate=gate is opts.Switch.on,
                gate_threshold=gate_threshold,
                on_irreversible=mode,
                dry_run=dry_run,
                speculate=not no_speculate,
                max_steps=parse_max_steps(max_steps),
                planner=planner,
            )
        )
        roles = {"policy": policy_model, "world_model": world_model, "critic": critic_model}
        runner = Agent(
            config,
            model=model,
            base_url=base_url,
            api_key=api_key,
            role_models={k: v for k, v in roles.items() if v},
            approver=_approver(out) if interactive else None,
            headed=headed,
        )
        view = LiveView(out)
        result = asyncio.run(
            _run(
                runner,
                target,
                view,
                site=site,
                url=url,
                allow=allow_origin,
                seed=seed,
                resume=resume,
            )
        )
    except (ValueError, ResumeError, ModelError) as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    if json_out:
        typer.echo(json.dumps(result.summary(), indent=2))
    else:
        view.summary(result)


async def _run(runner: Any, target: Any, view: LiveView, **kw: Any) -> Any:
    from forethought.agents.trace import run_dir

    resume = kw.pop("resume")
    allow = kw.pop("allow")
    options: dict[str, Any] = {"seed": kw["seed"]}
    if resume:
        options.update(run_id=resume, resume=True, folder=run_dir(resume))
    else:
        options.update(site=kw["site"], url=kw["url"], allowed_origins=allow)
    try:
        return await runner.run(target, events=view.event, **options)
    finally:
        await runner.aclose()


def _approver(console: Console):
    async def approve(request: ApprovalRequest) -> bool:
        console.print(
            f"\n[bold yellow]Approval needed[/bold yellow] step {request.step}: "
            f"[bold]{request.action}[/bold] ({request.risk}), imagined outcome scored "
            f"{request.score:.2f}\n{request.imagined}"
        )
        if request.writes:
            console.print("It will send (and only this will be let through):", markup=False)
            for write in request.writes:
                console.print(f"  {write.line()}", markup=False, highlight=False)
        return await asyncio.to_thread(Confirm.ask, "Execute it?", default=False)

    return approve


class LiveView:
    """Prints each step as it happens: candidates, imagined outcomes, scores, gate, action."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.tokens = 0
        self.calls = 0

    def event(self, event: Event) -> None:
        c = self.console
        if event.kind == "start":
            c.print(f"[bold]Goal:[/bold] {event.goal}\n[dim]run {event.run_id} · {event.url}[/dim]")
        elif event.kind == "planning":
            c.print(f"\n[bold cyan]Step {event.step}[/bold cyan] planning on {event.url} …")
        elif event.kind == "planned":
            self._planned(event)
        elif event.kind == "gate":
            colour = "green" if event.decision in ("allowed", "approved") else "red"
            c.print(
                f"gate: [{colour}]{event.decision}[/{colour}] {event.action} "
                f"({event.risk}, score {event.score}) {event.reason}"
            )
            for write in event.writes:
                c.print(f"  {write.line()}", markup=False, highlight=False)
        elif event.kind == "speculate":
            c.print(
                f"\n[bold cyan]Step {event.step}[/bold cyan] continuing the imagined path: "
                f"{event.action}"
            )
        elif event.kind == "acted":
            fid = event.fidelity
            note = (
                f" · fidelity F1 {fid.f1:.2f} (identity {fid.identity_f1:.2f})"
                if fid is not None and fid.f1 is not None
                else ""
            )
            c.print(f"acted: {event.action} → {event.url}{note}")
            if event.error:
                c.print(f"[yellow]error: {event.error}[/yellow]")

    def _planned(self, event: Any) -> None:
        c = self.console
        table = Table("candidate", "risk", "score", "imagined outcome", show_lines=False)
        for cand in event.candidates:
            score = "" if cand.score is None else f"{cand.score:.2f}"
            table.add_row(cand.action, cand.risk, score, (cand.prediction or "")[:160])
        if event.candidates:
            c.print(table)
        if event.rejected:
            c.print(f"[dim]rejected proposals: {', '.join(event.rejected[:5])}[/dim]")
        u = event.usage
        c.print(
            f"chosen: [bold]{event.action}[/bold] ({event.seconds:.1f} s) · so far "
            f"{u.calls} calls, {u.prompt_tokens} prompt / {u.completion_tokens} completion "
            f"tokens, {u.seconds:.0f} s in the LLM"
        )

    def summary(self, result: EpisodeResult) -> None:
        c = self.console
        if result.approval is not None:
            request = result.approval
            c.print(
                f"\n[bold yellow]awaiting approval[/bold yellow] at step {request.step}: "
                f"{request.action} (score {request.score}); answer it with "
                f"`forethought solve --resume {result.run_id}` on a terminal"
            )
            return
        status = "[green]success[/green]" if result.success else "[red]not successful[/red]"
        c.print(
            f"\n{status} in {result.steps} steps, {result.seconds:.0f} s "
            f"({result.stop_reason or 'not stopped'}); answer: {result.answer}"
        )
        if result.verdict_detail:
            c.print(f"verdict: {result.verdict_detail}")
        u = result.usage
        c.print(
            f"{u.calls} LLM calls, {u.prompt_tokens} prompt tokens ({u.cached_tokens} cached), "
            f"{u.completion_tokens} completion tokens · gate events: {len(result.gate_events)} · "
            f"speculative actions: {result.speculative_actions}"
        )
        c.print(f"trace: {result.trace_dir}  (forethought trace view {result.run_id})")
