"""``forethought bench pages``: what the page representation costs the policy, page by page.

Workload (fixed): every built-in task's reference solution (seed 0) followed in a real
Chromium on the built-in sites. On every page a step is taken from, the policy prompt
(``Prompts().messages("policy", goal, page, k=3)``) is rendered and its tokens counted
with the model's own tokenizer (llama.cpp, vocabulary only) over the chat-templated
text, as the embedded server counts them; without a pulled model, characters / 3.6 with
a warning. The prompt carries no memory of earlier actions (the loop adds it).

Baseline: the policy prompt's median tokens per site in the committed evaluation
(``results/builtin``), agent ``reactive:gate-off``, whose calls are all policy calls:
per step, its prompt tokens over its calls, read from each episode's trace; an episode
without a trace counts once, with its totals from the ``episodes`` table. The issue
quotes those medians as :data:`ISSUE_MEDIANS`.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from forethought.envs.types import Observation, Task

__all__ = [
    "BASELINE_AGENT",
    "CHARS_PER_TOKEN",
    "ISSUE_MEDIANS",
    "SITES",
    "PageCost",
    "TokenCounter",
    "baseline",
    "measure",
    "render",
    "run_bench",
    "summarise",
    "token_counter",
]

SITES = ("shop", "mail", "travel")
#: Today's median policy prompt per site, as the issue quotes the committed evaluation.
ISSUE_MEDIANS = {"mail": 939, "travel": 1308, "shop": 1816}
BASELINE_AGENT = "reactive:gate-off"
#: Characters per token when no tokenizer is at hand (English page text runs 3.5–4).
CHARS_PER_TOKEN = 3.6
#: Candidates the policy is asked for.
K = 3

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class PageCost:
    """One page a solution took a step from, and what showing it to the policy costs."""

    task: str
    url: str
    prompt_tokens: int
    page_tokens: int
    actionable: int

    @property
    def site(self) -> str:
        return self.task.split(".", 1)[0]


@dataclass
class TokenCounter:
    """Counts tokens of text and of chat messages (ChatML, as Qwen's template lays them
    out); ``exact`` is false for the characters-per-token estimate."""

    name: str
    count_text: Callable[[str], int]
    exact: bool = True

    def text(self, text: str) -> int:
        return self.count_text(text)

    def messages(self, messages: Sequence[dict[str, str]]) -> int:
        chat = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
        return self.count_text(chat + "<|im_start|>assistant\n")


def token_counter(model: str | None = None) -> TokenCounter:
    """The tokenizer of ``model`` (default: the default model, else the test model) when
    it is pulled; else an estimate of characters / :data:`CHARS_PER_TOKEN`, with a warning
    on stderr."""
    from forethought.settings import DEFAULT_MODEL, TEST_MODEL
    from forethought.worldmodel import registry

    names = [model] if model else [DEFAULT_MODEL, TEST_MODEL]
    for name in names:
        try:
            path = registry.resolve(name)
        except Exception:  # not pulled, unknown, or not a file: try the next one
            continue
        try:
            from llama_cpp import Llama
        except ImportError:
            break
        return TokenCounter(name, _llama_count(Llama(str(path), vocab_only=True, verbose=False)))
    print(
        f"warning: no tokenizer for {' or '.join(names)} (pull one with `forethought models "
        f"pull {names[0]}`, and install llama-cpp-python); counting characters / "
        f"{CHARS_PER_TOKEN} instead",
        file=sys.stderr,
    )
    return TokenCounter(f"chars/{CHARS_PER_TOKEN}", _estimate, exact=False)


def _llama_count(llama: Any) -> Callable[[str], int]:
    def count(text: str) -> int:
        return len(llama.tokenize(text.encode(), add_bos=False, special=True))

    return count


def _estimate(text: str) -> int:
    return round(len(text) / CHARS_PER_TOKEN)


# --- the baseline ---------------------------------------------------------------------------


def baseline(results: Path, agent: str = BASELINE_AGENT) -> dict[str, float]:
    """Median policy prompt tokens per site (and over them all, ``all``) in the evaluation
    stored in ``results`` (a folder with ``results.sqlite``); ``{}`` when there is none."""
    db = results / "results.sqlite"
    if not db.is_file():
        return {}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT task, prompt_tokens, llm_calls, trace_path FROM episodes WHERE agent = ?",
            (agent,),
        ).fetchall()
    finally:
        conn.close()
    per_site: dict[str, list[float]] = {}
    for task, prompt_tokens, calls, trace in rows:
        site = task.split(".", 1)[0]
        steps = results / trace / "steps.jsonl" if trace else None
        if steps is not None and steps.is_file():
            per_site.setdefault(site, []).extend(_per_call(steps))
        elif calls:
            per_site.setdefault(site, []).append(prompt_tokens / calls)
    medians = {site: statistics.median(v) for site, v in per_site.items() if v}
    if medians:
        medians["all"] = statistics.median([x for v in per_site.values() for x in v])
    return medians


def _per_call(steps: Path) -> list[float]:
    """Each step's prompt tokens per LLM call, from a trace's ``steps.jsonl``."""
    out: list[float] = []
    for line in steps.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        usage = json.loads(line).get("usage") or {}
        if usage.get("llm_calls"):
            out.append(usage["prompt_tokens"] / usage["llm_calls"])
    return out


# --- measuring ------------------------------------------------------------------------------


def page_cost(task: Task, obs: Observation, counter: TokenCounter) -> PageCost:
    """What the policy reads on ``obs`` for ``task``."""
    from forethought.worldmodel.prompts import Prompts

    messages = Prompts().messages("policy", task.goal, obs, k=K)
    return PageCost(
        task=task.id,
        url=obs.url,
        prompt_tokens=counter.messages(messages),
        page_tokens=counter.text(obs.render()),
        actionable=len(obs.actionable),
    )


async def measure(
    tasks: Sequence[Task], counter: TokenCounter, progress: Progress | None = None
) -> tuple[list[PageCost], list[str]]:
    """Follow each task's reference solution: the cost of every page a step is taken from,
    and the tasks whose solution broke off (with why; their pages so far still count)."""
    from forethought.envs.browser import BrowserEnv
    from forethought.envs.sites import BuiltinSetup, SiteServer
    from forethought.envs.sites.reference import SolutionError, run_solution
    from forethought.envs.sites.tasks import lookup

    costs: list[PageCost] = []
    failed: list[str] = []
    server = await asyncio.to_thread(SiteServer().start)
    env = BrowserEnv(BuiltinSetup(server))
    try:
        for task in tasks:

            async def seen(obs: Observation, task: Task = task) -> None:
                costs.append(page_cost(task, obs, counter))

            try:
                await run_solution(env, task, lookup(task).solution, on_page=seen)
            except SolutionError as exc:
                failed.append(f"{task.id}: {str(exc).splitlines()[0]}")
                print(f"warning: {failed[-1]}", file=sys.stderr)
            if progress is not None:
                progress(task.id, 1)
    finally:
        await env.close()
        await asyncio.to_thread(server.stop)
    return costs, failed


# --- figures --------------------------------------------------------------------------------


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def summarise(
    pages: Sequence[PageCost],
    today: dict[str, float],
    *,
    tokenizer: str = "",
    failed: Sequence[str] = (),
) -> dict[str, Any]:
    """Per site (and ``all``): pages, median and max prompt tokens, median page tokens and
    actionable elements, today's median prompt (``baseline``, from the evaluation, and as
    the issue quotes it) and the ratio of the new median to it."""
    by_site: dict[str, dict[str, Any]] = {}
    groups = {site: [p for p in pages if p.site == site] for site in SITES}
    groups.update({p.site: [q for q in pages if q.site == p.site] for p in pages})
    groups["all"] = list(pages)
    for site, mine in groups.items():
        prompts = [p.prompt_tokens for p in mine]
        base, issue = today.get(site), ISSUE_MEDIANS.get(site)
        median = _median(prompts)
        by_site[site] = {
            "pages": len(mine),
            "prompt_tokens_median": median,
            "prompt_tokens_max": max(prompts) if prompts else None,
            "page_tokens_median": _median([p.page_tokens for p in mine]),
            "actionable_median": _median([p.actionable for p in mine]),
            "baseline_prompt_tokens_median": round(base, 1) if base is not None else None,
            "issue_prompt_tokens_median": issue,
            "ratio": round(median / base, 2) if median is not None and base else None,
            "ratio_to_issue": round(median / issue, 2) if median is not None and issue else None,
        }
    return {
        "tokenizer": tokenizer,
        "by_site": by_site,
        "failed": list(failed),
        "pages": [asdict(p) for p in pages],
    }


def render(result: dict[str, Any]) -> str:
    """The summary as a small text table."""
    head = (
        f"{'site':<7}{'pages':>6}{'prompt med':>11}{'max':>7}{'page med':>9}"
        f"{'actionable':>11}{'today':>8}{'issue':>7}{'new/today':>10}"
    )
    lines = [f"Policy prompt per page, reference solutions, seed 0 ({result['tokenizer']})", head]

    def cell(value: Any, width: int) -> str:
        if value is None:
            return f"{'-':>{width}}"
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return f"{value:>{width},}"

    for site, row in result["by_site"].items():
        lines.append(
            f"{site:<7}{cell(row['pages'], 6)}{cell(row['prompt_tokens_median'], 11)}"
            f"{cell(row['prompt_tokens_max'], 7)}{cell(row['page_tokens_median'], 9)}"
            f"{cell(row['actionable_median'], 11)}"
            f"{cell(row['baseline_prompt_tokens_median'], 8)}"
            f"{cell(row['issue_prompt_tokens_median'], 7)}{cell(row['ratio'], 10)}"
        )
    lines.append(
        f"today: median policy prompt per call of {BASELINE_AGENT} in the committed "
        "evaluation; issue: as the issue quotes them ("
        + ", ".join(f"{site} {n:,}" for site, n in ISSUE_MEDIANS.items())
        + ")"
    )
    lines += [f"solution broke off: {line}" for line in result["failed"]]
    return "\n".join(lines)


def run_bench(
    progress: Progress | None = None,
    *,
    model: str | None = None,
    results: Path = Path("results/builtin"),
    only: str | None = None,
) -> dict[str, Any]:
    """Run the benchmark (``only``: tasks whose ids start with it); the JSON-able result."""
    from forethought.envs.sites import builtin_tasks

    tasks = [t for t in builtin_tasks(0) if not only or t.id.startswith(only)]
    counter = token_counter(model)
    pages, failed = asyncio.run(measure(tasks, counter, progress))
    return summarise(pages, baseline(results), tokenizer=counter.name, failed=failed)


def total_units(only: str | None = None) -> int:
    from forethought.envs.sites import builtin_tasks

    return sum(1 for t in builtin_tasks(0) if not only or t.id.startswith(only))
