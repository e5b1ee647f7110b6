"""``forethought bench planner``: what one decision costs, per planner and format.

Workload (fixed): real built-in site pages, observed through the browser env (a product
page for ``shop.cart-add`` and the travel home page; ``--full`` adds the webmail inbox).
On each, one decision with the embedded model (0.5B by default) for:

- ours: the default lookahead (``PlannerOptions()``: 3 candidates, depth 1, ``diff``), on
  every page;
- the ``webdreamer`` preset through our code (4 candidates x 3 simulations x 2 steps,
  ``nl``, 10 judge samples), on the first page (``--full``: two);
- every other planner x format (lookahead, mcts, beam x diff, nl, full) with its preset
  settings, on the first page (``--full``: every page). In the default run MCTS and beam
  are capped at ``SHRUNK_SIMS`` simulations.

Ours and WebDreamer's preset on the first page run first. In the default run every later
decision is skipped (and listed) once ``SOFT_BUDGET_S`` has passed, so that the run stays
within about 30 minutes on a loaded 2-core machine; ``--full`` skips nothing.

Before each decision the server reads two requests, both with the roles' shared system
preamble (as every earlier call of a real run has): an empty one and one with only the
page. Their prompt-token difference is the page's size in tokens, and they flush the
server's prefix cache after the preamble, so that each decision pays for its own goal,
page and instructions; only the constant preamble stays cached, as it does between the
steps of a real episode. Per decision
it records LLM calls, completion tokens, prompt tokens the server really read
(``prompt - cached``) and wall time. The planner's own overhead comes from
:func:`~forethought.bench.planner_overhead.measure_overhead`. Timings are printed, never
asserted.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from forethought.bench.planner_overhead import measure_overhead
from forethought.envs.browser import BrowserEnv
from forethought.envs.sites import BuiltinSetup
from forethought.envs.sites.tasks import lookup
from forethought.envs.suites import load_tasks
from forethought.envs.types import Action, ActionKind, Observation
from forethought.planner import PlannerOptions, WMFormat, plan
from forethought.settings import TEST_MODEL
from forethought.worldmodel.client import LLMClient
from forethought.worldmodel.critic import LLMCritic
from forethought.worldmodel.policy import LLMPolicy
from forethought.worldmodel.prompts import Prompts
from forethought.worldmodel.serving.managed import embedded_server
from forethought.worldmodel.world_model import LLMWorldModel

OURS = "lookahead/diff"
WEBDREAMER = "webdreamer"
SHRUNK_SIMS = 4
SOFT_BUDGET_S = 20 * 60
N_CTX = 8192

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class PageSpec:
    """A built-in task and, optionally, a page to open after its start page."""

    task: str
    path: Callable[[dict[str, Any]], str] | None = None

    def name(self, start_url: str, params: dict[str, Any]) -> str:
        return f"{self.task}:{self.path(params) if self.path else start_url}"


PAGES = (
    PageSpec("shop.cart-add", lambda p: f"/shop/product/{p['product_id']}"),
    PageSpec("travel.flight-price"),
    PageSpec("mail.send-new-1"),
)


@dataclass(frozen=True)
class BenchPage:
    """A page observed in the browser, with the goal of the task it belongs to."""

    name: str
    goal: str
    observation: Observation


@dataclass(frozen=True)
class Config:
    """One planner setting, and how many of the pages it runs on."""

    name: str
    options: PlannerOptions
    pages: int


@dataclass
class DecisionRecord:
    """What one real decision cost; ``read_tokens`` = prompt tokens not served from cache."""

    config: str
    page: str
    action: str | None
    stop_reason: str
    simulations: int
    calls: int
    completion_tokens: int
    prompt_tokens: int
    read_tokens: int
    page_tokens: int
    wall_s: float


@dataclass
class BenchRun:
    """The decisions made and the ones skipped for time."""

    records: list[DecisionRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def configs(full: bool) -> list[Config]:
    """Ours first, then WebDreamer's preset, then every other planner x format."""
    n_pages = len(PAGES) if full else 2
    out = [
        Config(OURS, PlannerOptions(), n_pages),
        Config(WEBDREAMER, PlannerOptions.preset("webdreamer"), 2 if full else 1),
    ]
    for fmt in WMFormat:  # cheap formats first: a default run may skip the last ones
        for algorithm in ("lookahead", "mcts", "beam"):
            name = f"{algorithm}/{fmt.value}"
            if name == OURS:
                continue
            preset = "default" if algorithm == "lookahead" else algorithm
            cap = {} if full or algorithm == "lookahead" else {"budget_sims": SHRUNK_SIMS}
            options = PlannerOptions.preset(preset, wm_format=fmt.value, **cap)
            out.append(Config(name, options, n_pages if full else 1))
    return out


def llm_roles(
    client: LLMClient, options: PlannerOptions, goal: str
) -> tuple[LLMPolicy, LLMWorldModel, LLMCritic]:
    """The LLM policy, world model and critic that ``options`` asks for, on one client."""
    return (
        LLMPolicy(client),
        LLMWorldModel(client, options.wm_format, goal=goal),
        LLMCritic(client, samples=options.critic_samples, rubric=options.critic_rubric == "coarse"),
    )


async def open_pages(specs: tuple[PageSpec, ...] = PAGES) -> list[BenchPage]:
    """Observe each page in a real browser on the built-in sites (seed 0)."""
    pages: list[BenchPage] = []
    async with BrowserEnv(BuiltinSetup()) as env:
        for spec in specs:
            (task,) = load_tasks("builtin", ids=[spec.task])
            params = lookup(task).instance.params
            obs = await env.reset(task)
            if spec.path is not None:
                goto = Action(kind=ActionKind.GOTO, value=spec.path(params))
                obs = (await env.step(goto)).observation
            pages.append(BenchPage(spec.name(task.start_url, params), task.goal, obs))
    return pages


async def page_tokens(client: LLMClient, page: Observation) -> int:
    """The page's size in the server's tokens; also flushes its prefix cache after the
    shared system preamble."""
    system = {"role": "system", "content": Prompts().preamble}
    empty = await client.complete([system, {"role": "user", "content": ""}], max_tokens=1)
    full = await client.complete([system, {"role": "user", "content": page.render()}], max_tokens=1)
    return full.usage.prompt_tokens - empty.usage.prompt_tokens


async def decide(client: LLMClient, config: Config, page: BenchPage) -> DecisionRecord:
    """One real decision on ``page`` with ``config``, metered."""
    tokens = await page_tokens(client, page.observation)
    roles = llm_roles(client, config.options, page.goal)
    started = time.perf_counter()
    decision = await plan(page.goal, page.observation, *roles, config.options)
    wall = time.perf_counter() - started
    cost = decision.cost
    return DecisionRecord(
        config=config.name,
        page=page.name,
        action=None if decision.action is None else str(decision.action),
        stop_reason=str(decision.stop_reason),
        simulations=decision.simulations,
        calls=cost.calls,
        completion_tokens=cost.completion_tokens,
        prompt_tokens=cost.prompt_tokens,
        read_tokens=cost.read_tokens,
        page_tokens=tokens,
        wall_s=round(wall, 2),
    )


def planned(full: bool) -> list[tuple[Config, int]]:
    """Every (config, page index) the run will try, in order: ours and WebDreamer's preset
    on the first page (the essential pair, never skipped), then everything else."""
    todo = [(c, i) for c in configs(full) for i in range(c.pages)]
    return sorted(todo, key=lambda item: item[1] > 0 or item[0].name not in (OURS, WEBDREAMER))


async def _run_decisions(
    client: LLMClient, pages: list[BenchPage], full: bool, progress: Progress
) -> BenchRun:
    run, started = BenchRun(), time.monotonic()
    for n, (config, index) in enumerate(planned(full)):
        label = f"{config.name} on {pages[index].name}"
        if not full and n >= 2 and time.monotonic() - started > SOFT_BUDGET_S:
            run.skipped.append(label)
        else:
            progress(label, 0)
            run.records.append(await decide(client, config, pages[index]))
        progress(label, 1)
    return run


def _mean(records: list[DecisionRecord], attr: str) -> float | None:
    values = [getattr(r, attr) for r in records]
    return round(statistics.fmean(values), 2) if values else None


def _ratio(a: float | None, b: float | None, digits: int = 3) -> float | None:
    return round(a / b, digits) if a is not None and b else None


def summarize(run: BenchRun, overhead: dict[str, Any], model: str) -> dict[str, Any]:
    """The benchmark's figures; ``completion_ratio`` compares ours and WebDreamer's
    preset on the same pages."""

    def by(name: str) -> list[DecisionRecord]:
        return [r for r in run.records if r.config == name]

    ours, webdreamer = by(OURS), by(WEBDREAMER)
    wd_pages = {r.page for r in webdreamer}
    ours_same = [r for r in ours if r.page in wd_pages] or ours
    wd_tokens = _mean(webdreamer, "completion_tokens")
    ours_tokens = _mean(ours_same, "completion_tokens")
    read, page = _mean(ours, "read_tokens"), _mean(ours, "page_tokens")
    ours_wall = _mean(ours, "wall_s")
    decision_overhead_s = overhead["default_decision_overhead_ms"] / 1000
    per_config = {}
    for name in dict.fromkeys(r.config for r in run.records):
        rows = by(name)
        per_config[name] = {
            attr: _mean(rows, attr)
            for attr in ("calls", "completion_tokens", "read_tokens", "page_tokens", "wall_s")
        } | {"decisions": len(rows)}
    return {
        "model": model,
        "webdreamer_completion_tokens_per_decision": wd_tokens,
        "ours_completion_tokens_per_decision": ours_tokens,
        "completion_ratio": _ratio(wd_tokens, ours_tokens),
        "overhead_ms_per_node": round(overhead["overhead_ms_per_node"], 4),
        "overhead_ms_at_10k_nodes": round(overhead["overhead_ms_at_10k_nodes"], 1),
        "overhead_fraction": _ratio(decision_overhead_s, ours_wall, 6),
        "prompt_tokens_read_per_decision": read,
        "page_tokens_per_decision": page,
        "prefill_ratio": _ratio(read, page),
        "ours_wall_s_per_decision": ours_wall,
        "webdreamer_wall_s_per_decision": _mean(webdreamer, "wall_s"),
        "webdreamer_calls_per_decision": _mean(webdreamer, "calls"),
        "ours_calls_per_decision": _mean(ours_same, "calls"),
        "by_config": per_config,
        "decisions": [asdict(r) for r in run.records],
        "skipped": run.skipped,
        "overhead": overhead,
    }


def total_units(full: bool) -> int:
    """Progress units: pages, the model server, every planned decision, the overhead run."""
    return 3 + len(planned(full))


def run_bench(progress: Progress, *, full: bool = False, model: str = TEST_MODEL) -> dict[str, Any]:
    """Run the benchmark (see the module docstring) and return its figures."""
    progress("observing pages", 0)
    pages = asyncio.run(open_pages(PAGES if full else PAGES[:2]))
    progress("starting the model server", 1)
    with embedded_server(model, n_ctx=N_CTX) as base_url:
        progress("deciding", 1)

        async def decisions() -> BenchRun:
            client = LLMClient(base_url=base_url, model=model)
            try:
                return await _run_decisions(client, pages, full, progress)
            finally:
                await client.aclose()

        run = asyncio.run(decisions())
    progress("planner overhead (instant roles)", 0)
    overhead = measure_overhead()
    progress("done", 1)
    return summarize(run, overhead, model)
