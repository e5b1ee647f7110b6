"""``forethought bench specdec``: speculative decoding on world-model rollouts, measured.

Workload (fixed, ``data/specdec_workload.json``, recorded by ``record_specdec``): world
model prompts for real pages of the built-in sites and MiniWoB++, in each format (``full``,
``diff``, ``nl``), in sibling groups of four actions on the same page. The default run
takes three groups (12 prompts per format); ``--full`` takes them all.

Methods, on the same prompts, greedy, ``max_tokens`` 512, in one run: no speculation,
llama.cpp's prompt lookup and our drafter, each in its own in-process
:class:`EmbeddedEngine` (n_ctx 4096). The engines take turns group by group, so a change
in the machine's load hits all three alike. The run records the no-speculation outputs'
token ids, replays every drafter on them with the acceptance simulator, and checks the
simulator against the real runs' counts. Timings are printed, never asserted.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from forethought.worldmodel.drafting import Rollout, SimReport, SuffixDrafter, replay
from forethought.worldmodel.drafting.baselines import (
    ArcticSuffixDraft,
    arctic_available,
    prompt_lookup,
)
from forethought.worldmodel.drafting.index import common_prefix
from forethought.worldmodel.serving.drafters import CappedDraft
from forethought.worldmodel.serving.embedded import EXACT_VERIFY_BATCH, EmbeddedEngine

FORMATS = ("full", "diff", "nl")
METHODS = ("none", "prompt-lookup", "ours")
MAX_TOKENS = 512
N_CTX = 4096
DRAFTERS: dict[str, Callable[[], Any]] = {"prompt-lookup": prompt_lookup, "ours": SuffixDrafter}

Progress = Callable[[str], None]


@dataclass
class Prompt:
    group: str
    format: str
    action: str
    messages: list[dict[str, str]]


def load_workload(full: bool = False, path: Path | None = None) -> list[Prompt]:
    """The prompts, format by format, then group by group (siblings one after another)."""
    if path is None:
        text = resources.files("forethought.bench").joinpath("data/specdec_workload.json")
        data = json.loads(text.read_text())
    else:
        data = json.loads(path.read_text())
    groups = [g for g in data["groups"] if full or g["default"]]
    return [
        Prompt(
            g["id"],
            fmt,
            action,
            [
                {"role": "system", "content": g["system"]},
                {"role": "user", "content": g["context"] + task},
            ],
        )
        for fmt in FORMATS
        for g in groups
        for action, task in zip(g["actions"], g["tasks"][fmt], strict=True)
    ]


class TimedDraft:
    """Times every call of a draft model (the drafter's own cost)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0
        self.seconds = 0.0

    def __call__(self, input_ids: np.ndarray, /, **kwargs: Any) -> np.ndarray:
        start = time.perf_counter()
        draft = self.inner(input_ids, **kwargs)
        self.seconds += time.perf_counter() - start
        self.calls += 1
        return draft


@dataclass
class Result:
    """One prompt served by one method."""

    text: str
    completion_tokens: int
    decode_seconds: float
    seconds: float
    speculative: dict[str, int] = field(default_factory=dict)


@dataclass
class MethodRun:
    name: str
    engine: Any
    timer: TimedDraft | None
    results: list[Result] = field(default_factory=list)
    rollouts: list[Rollout | None] = field(default_factory=list)


def _engine(
    model_path: Path, method: str, threads: int | None = None, exact: bool = False
) -> MethodRun:
    timer = TimedDraft(DRAFTERS[method]()) if method in DRAFTERS else None
    spec = "off" if timer is None else method
    engine = EmbeddedEngine(
        model_path, spec=spec, n_ctx=N_CTX, n_threads=threads, draft=timer, exact=exact
    )
    return MethodRun(method, engine, timer)


def _serve(run: MethodRun, prompt: Prompt, max_tokens: int) -> tuple[Result, Rollout | None]:
    """Serve one prompt; returns its result and its token ids (see :func:`recorded_rollout`)."""
    start = time.perf_counter()
    body = {"messages": prompt.messages, "max_tokens": max_tokens, "temperature": 0.0}
    response = run.engine.chat(body)
    seconds = time.perf_counter() - start
    usage = response["usage"]
    result = Result(
        text=response["choices"][0]["message"]["content"] or "",
        completion_tokens=int(usage["completion_tokens"]),
        decode_seconds=float(usage["timings"]["decode_seconds"]),
        seconds=seconds,
        speculative=dict(usage.get("speculative") or {}),
    )
    return result, recorded_rollout(run.engine.llama, usage, response, prompt)


def recorded_rollout(llama: Any, usage: dict, response: dict, prompt: Prompt) -> Rollout | None:
    """Prompt and output ids of the request ``llama`` just served (with or without drafts).

    ``Llama`` has evaluated the prompt and every sampled token but the last (the end
    token, or the ``max_tokens``-th), each at its position; rejected draft tokens past
    the output may follow. The last token's identity never changes a replay (generation
    ends on reaching it), so the end token stands in for it.
    """
    n_prompt, n_out = int(usage["prompt_tokens"]), int(usage["completion_tokens"])
    stopped = response["choices"][0].get("finish_reason") == "stop"
    known = n_out if stopped else n_out - 1
    if llama.n_tokens < n_prompt + known:
        return None
    return Rollout(
        llama.input_ids[:n_prompt].tolist(),
        [*llama.input_ids[n_prompt : n_prompt + known].tolist(), int(llama.token_eos())],
        group=prompt.group,
        format=prompt.format,
    )


def _close(run: MethodRun) -> None:
    close = getattr(run.engine.llama, "close", None)
    if close is not None:
        close()
    run.engine = None
    gc.collect()


def _by_group(prompts: list[Prompt]) -> Iterator[list[Prompt]]:
    batch: list[Prompt] = []
    for p in prompts:
        if batch and (p.group, p.format) != (batch[0].group, batch[0].format):
            yield batch
            batch = []
        batch.append(p)
    if batch:
        yield batch


def run_bench(
    model_path: Path,
    prompts: list[Prompt],
    progress: Progress | None = None,
    max_tokens: int = MAX_TOKENS,
    threads: int | None = None,
    exact: bool = False,
) -> dict[str, Any]:
    """Serve every prompt with every method; returns the JSON-able result.

    ``threads``: CPU threads per engine (default: all cores). On a machine shared with
    other busy processes one thread can be several times faster than two, which spin
    waiting for each other. ``exact``: every engine in exact mode (see
    :class:`~forethought.worldmodel.serving.embedded.EmbeddedEngine`).
    """
    runs = [_engine(model_path, m, threads, exact) for m in METHODS]
    try:
        for batch in _by_group(prompts):
            for run in runs:  # the engines take turns, one sibling group at a time
                for prompt in batch:
                    result, rollout = _serve(run, prompt, max_tokens)
                    run.results.append(result)
                    run.rollouts.append(rollout)
                    if progress:
                        progress(f"{prompt.format} {prompt.group} {run.name}")
    finally:
        for run in runs:
            _close(run)
    return summarize(prompts, runs, exact) | {"exact": exact, "threads": 1 if exact else threads}


def _format_summary(idx: list[int], runs: dict[str, MethodRun]) -> dict[str, Any]:
    def tok_s(run: MethodRun) -> float:
        tokens = sum(run.results[i].completion_tokens for i in idx)
        seconds = sum(run.results[i].decode_seconds for i in idx)
        return tokens / seconds if seconds else 0.0

    none, lookup, ours = (runs[m] for m in METHODS)
    same = {
        m: all(runs[m].results[i].text == none.results[i].text for i in idx)
        for m in ("prompt-lookup", "ours")
    }
    entry: dict[str, Any] = {"prompts": len(idx)}
    for run in (none, lookup, ours):
        key = run.name.replace("-", "_")
        entry[f"{key}_tok_s"] = round(tok_s(run), 2)
        entry[f"{key}_seconds"] = round(sum(run.results[i].seconds for i in idx), 1)
    entry["completion_tokens"] = sum(none.results[i].completion_tokens for i in idx)
    entry["speedup_vs_none"] = _ratio(tok_s(ours), tok_s(none))
    entry["speedup_vs_prompt_lookup"] = _ratio(tok_s(ours), tok_s(lookup))
    entry["prompt_lookup_vs_none"] = _ratio(tok_s(lookup), tok_s(none))
    for run in (lookup, ours):
        counts = sum_counts(run.results[i].speculative for i in idx)
        key = "mean_accepted_len" if run is ours else "prompt_lookup_mean_accepted_len"
        entry[key] = (
            round(1 + counts["accepted_tokens"] / counts["drafts"], 2) if counts["drafts"] else 1.0
        )
    entry["identical"] = all(same.values())
    entry["identical_by_method"] = same
    return entry


def _ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else 0.0


def sum_counts(items: Iterator[dict[str, int]] | list[dict[str, int]]) -> dict[str, int]:
    total = {"drafts": 0, "draft_tokens": 0, "accepted_tokens": 0}
    for item in items:
        for k in total:
            total[k] += int(item.get(k, 0))
    return total


def summarize(prompts: list[Prompt], runs_list: list[MethodRun], exact: bool = False) -> dict:
    runs = {r.name: r for r in runs_list}
    rollouts = [r for r in runs["none"].rollouts if r is not None]
    result: dict[str, Any] = {}
    for fmt in FORMATS:
        idx = [i for i, p in enumerate(prompts) if p.format == fmt]
        if idx:
            result[fmt] = _format_summary(idx, runs)
    result["drafter_us_per_call"] = {
        r.name: round(1e6 * r.timer.seconds / r.timer.calls, 1)
        for r in runs_list
        if r.timer is not None and r.timer.calls
    }
    result["drafter_us_per_call_by_context"] = drafter_cost()
    result["simulator_check"] = simulator_check(runs, exact)
    result["differences"] = differences(prompts, runs)
    result["simulator"] = {
        fmt: {r.name: sim_entry(r) for r in simulate([x for x in rollouts if x.format == fmt])}
        for fmt in FORMATS
        if any(x.format == fmt for x in rollouts)
    }
    result["identical"] = all(result[f]["identical"] for f in FORMATS if f in result)
    return result


def simulate(rollouts: list[Rollout]) -> list[SimReport]:
    """Every drafter replayed on the rollouts (ArcticInference's when it is installed)."""
    makers: dict[str, Callable[[], Any]] = dict(DRAFTERS)
    if arctic_available():
        makers["arctic-suffix"] = ArcticSuffixDraft
    return [replay(make(), rollouts, name=name, n_ctx=N_CTX) for name, make in makers.items()]


def sim_entry(report: SimReport) -> dict[str, Any]:
    return {
        "acceptance_rate": round(report.acceptance_rate, 3),
        "mean_accepted_len": round(report.mean_accepted_len, 2),
        "tokens_per_step": round(report.tokens_per_step, 2),
        "estimated_speedup": round(report.estimated_speedup, 2),
        "position_acceptance": [round(x, 2) for x in report.position_rates()[:16]],
        "by_source": {
            s: {"drafted": d, "accepted": a, "rate": round(a / d, 3) if d else 0.0}
            for s, (d, a) in sorted(report.by_source.items())
        },
        **report.counts(),
    }


def simulator_check(runs: dict[str, MethodRun], exact: bool = False) -> dict[str, Any]:
    """The simulator's counts beside each real speculative run's, on that run's outputs
    (in exact mode, with the engine's draft cap)."""
    check: dict[str, Any] = {}
    for name, make in DRAFTERS.items():
        run = runs[name]
        real = sum_counts([r.speculative for r in run.results])
        if any(r is None for r in run.rollouts):
            check[name] = {"real": real, "simulated": None, "equal": False}
            continue
        drafter = CappedDraft(make(), EXACT_VERIFY_BATCH - 1) if exact else make()
        simulated = replay(drafter, [r for r in run.rollouts if r], n_ctx=N_CTX).counts()
        check[name] = {"real": real, "simulated": simulated, "equal": real == simulated}
    return check


def differences(prompts: list[Prompt], runs: dict[str, MethodRun]) -> list[dict[str, Any]]:
    """Outputs that differ from no speculation: where, and the first differing token."""
    found = []
    plain = runs["none"].rollouts
    for name in DRAFTERS:
        for i, (a, b) in enumerate(zip(plain, runs[name].rollouts, strict=True)):
            if runs[name].results[i].text == runs["none"].results[i].text:
                continue
            at = common_prefix(np.asarray(a.output), np.asarray(b.output)) if a and b else None
            p = prompts[i]
            found.append(
                {
                    "method": name,
                    "format": p.format,
                    "group": p.group,
                    "action": p.action,
                    "first_different_token": at,
                }
            )
    return found


def drafter_cost(contexts: tuple[int, ...] = (1024, 8192), seed: int = 0) -> dict[str, Any]:
    """Our drafter's microseconds per call on a page of ``n`` tokens copied into the output.

    ``first_call_us`` includes indexing the whole prompt (once per request);
    ``steady_us`` is the median of the calls after it.
    """
    rng = np.random.default_rng(seed)
    cost: dict[str, Any] = {}
    for n in contexts:
        page = rng.integers(100, 150000, size=n).tolist()
        out = [*page[:300], 7, *page[310:600], 8]
        drafter = TimedDraft(SuffixDrafter())
        first = replay(drafter, [Rollout(page, out[:2])])  # one call: the request's start
        steady = TimedDraft(drafter.inner)
        replay(steady, [Rollout([*page, 1], out)])  # a sibling: cut back, then copy
        cost[str(n)] = {
            "first_call_us": round(first.us_per_call),
            "steady_us": round(1e6 * steady.seconds / max(steady.calls, 1), 1),
        }
    return cost


def render(result: dict[str, Any]) -> str:
    """The human-readable report."""
    mode = "exact (one thread, small verification batches)" if result.get("exact") else "batched"
    lines = [
        f"verification: {mode}; threads per engine: {result.get('threads') or 'all cores'}",
        f"{'format':<6}{'none tok/s':>11}{'lookup tok/s':>13}{'ours tok/s':>11}"
        f"{'ours/none':>10}{'ours/lookup':>12}{'mean acc len':>13}  e2e s (none/lookup/ours)"
        "  identical",
    ]
    for fmt in FORMATS:
        if fmt not in result:
            continue
        e = result[fmt]
        lines.append(
            f"{fmt:<6}{e['none_tok_s']:>11.1f}{e['prompt_lookup_tok_s']:>13.1f}"
            f"{e['ours_tok_s']:>11.1f}{e['speedup_vs_none']:>9.2f}x"
            f"{e['speedup_vs_prompt_lookup']:>11.2f}x{e['mean_accepted_len']:>13.2f}  "
            f"{e['none_seconds']:.0f}/{e['prompt_lookup_seconds']:.0f}/{e['ours_seconds']:.0f}"
            f"  {'yes' if e['identical'] else 'NO'}"
        )
    per_call = ", ".join(f"{k} {v} us" for k, v in result["drafter_us_per_call"].items())
    lines.append(f"drafter cost per call (this run): {per_call}")
    by_ctx = ", ".join(
        f"{n} tokens: {c['steady_us']} us (request start {c['first_call_us']} us)"
        for n, c in result["drafter_us_per_call_by_context"].items()
    )
    lines.append(f"ours per call by context: {by_ctx}")
    for name, c in result["simulator_check"].items():
        verdict = "equal" if c["equal"] else "DIFFERENT"
        lines.append(f"simulator vs real ({name}): {c['simulated']} vs {c['real']}: {verdict}")
    lines.append(f"every output identical to no speculation: {result['identical']}")
    for d in result["differences"]:
        lines.append(
            f"  differs: {d['method']} {d['format']} {d['group']} {d['action']} "
            f"from output token {d['first_different_token']}"
        )
    return "\n".join(lines)


def render_simulator(result: dict[str, Any]) -> str:
    """The acceptance simulator's table per format."""
    lines = []
    for fmt, reports in result["simulator"].items():
        lines.append(f"[{fmt}]")
        lines.append(
            f"  {'drafter':<15}{'accept':>7}{'mean len':>9}{'tok/step':>9}{'est. x':>7}"
            "  by source (rate, drafted)  acceptance at positions 1,2,4,8,16"
        )
        for name, r in reports.items():
            sources = " ".join(
                f"{s} {v['rate']:.2f}/{v['drafted']}" for s, v in r["by_source"].items()
            )
            pos = r["position_acceptance"]
            picks = " ".join(f"{pos[i]:.2f}" for i in (0, 1, 3, 7, 15) if i < len(pos))
            lines.append(
                f"  {name:<15}{r['acceptance_rate']:>7.2f}{r['mean_accepted_len']:>9.2f}"
                f"{r['tokens_per_step']:>9.2f}{r['estimated_speedup']:>7.2f}  {sources}  {picks}"
            )
    return "\n".join(lines)
