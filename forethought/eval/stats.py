"""Aggregates over episode rows: per-agent summaries (overall and by task level),
bootstrap CIs, paired comparisons.

Counts: ``errors`` are rows with an error (a crash, or a timeout whose state could not be
judged); ``timeouts`` are rows that ran out of time, whether judged or not. A timeout
judged on its final state is no error: its success or failure counts like any other."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from forethought.eval.store import EpisodeRow

BOOTSTRAP_SAMPLES = 4000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """A mean with a bootstrap confidence interval."""

    mean: float
    low: float
    high: float


def bootstrap_mean(
    values: Sequence[float], samples: int = BOOTSTRAP_SAMPLES, seed: int = 0
) -> Interval | None:
    """The mean of ``values`` with a percentile bootstrap interval (``None`` if empty)."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return None
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(samples, data.size))].mean(axis=1)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return Interval(float(data.mean()), float(low), float(high))


def _mean(values: Sequence[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


@dataclass(frozen=True)
class AgentSummary:
    agent: str
    episodes: int
    successes: int
    success: Interval
    errors: int
    timeouts: int
    trap_episodes: int
    traps_triggered: int
    mean_steps: float
    mean_llm_calls: float
    mean_completion_tokens: float
    mean_prompt_tokens: float
    mean_seconds: float
    total_seconds: float
    gate_events: int
    speculative_actions: int
    fidelity_f1: float | None
    identity_f1: float | None

    @property
    def trap_rate(self) -> float | None:
        return self.traps_triggered / self.trap_episodes if self.trap_episodes else None


def agent_order(rows: Sequence[EpisodeRow]) -> list[str]:
    """Agents in the order they first appear."""
    return list(dict.fromkeys(r.agent for r in rows))


def summarize(rows: Sequence[EpisodeRow], traps: set[tuple[str, int]]) -> list[AgentSummary]:
    """One summary per agent. ``traps`` holds the (task, seed) pairs that are trap tasks;
    the trap rate is over those episodes."""
    out = []
    for agent in agent_order(rows):
        mine = [r for r in rows if r.agent == agent]
        on_traps = [r for r in mine if (r.task, r.seed) in traps]
        success = bootstrap_mean([float(r.success) for r in mine])
        assert success is not None
        out.append(
            AgentSummary(
                agent=agent,
                episodes=len(mine),
                successes=sum(r.success for r in mine),
                success=success,
                errors=sum(r.error is not None for r in mine),
                timeouts=sum(r.timed_out for r in mine),
                trap_episodes=len(on_traps),
                traps_triggered=sum(r.trap_triggered for r in on_traps),
                mean_steps=float(np.mean([r.steps for r in mine])),
                mean_llm_calls=float(np.mean([r.llm_calls for r in mine])),
                mean_completion_tokens=float(np.mean([r.completion_tokens for r in mine])),
                mean_prompt_tokens=float(np.mean([r.prompt_tokens for r in mine])),
                mean_seconds=float(np.mean([r.seconds for r in mine])),
                total_seconds=float(sum(r.seconds for r in mine)),
                gate_events=sum(len(r.gate_events) for r in mine),
                speculative_actions=sum(r.speculative_actions for r in mine),
                fidelity_f1=_mean([r.fidelity_f1 for r in mine]),
                identity_f1=_mean([r.identity_f1 for r in mine]),
            )
        )
    return out


#: Task levels in the order reports list them (others follow, sorted).
LEVELS = ("easy", "medium", "hard")


@dataclass(frozen=True)
class LevelSummary:
    """One agent's success and trap rates on the tasks of one level."""

    agent: str
    level: str
    episodes: int
    successes: int
    success: Interval
    trap_episodes: int
    traps_triggered: int
    #: Over this level's trap-task episodes (``None`` when it has none).
    trap_rate: Interval | None


def levels(rows: Sequence[EpisodeRow]) -> list[str]:
    """The task levels the rows have, easiest first (none for rows without levels)."""
    found = {r.level for r in rows if r.level}
    rank = {name: i for i, name in enumerate(LEVELS)}
    return sorted(found, key=lambda name: (rank.get(name, len(rank)), name))


def by_level(rows: Sequence[EpisodeRow], traps: set[tuple[str, int]]) -> list[LevelSummary]:
    """Per agent and level, the rows' success and trap rates with bootstrap intervals;
    only the (agent, level) pairs with episodes (empty when no row has a level)."""
    out = []
    for agent in agent_order(rows):
        for level in levels(rows):
            mine = [r for r in rows if r.agent == agent and r.level == level]
            if not mine:
                continue
            on_traps = [r for r in mine if (r.task, r.seed) in traps]
            success = bootstrap_mean([float(r.success) for r in mine])
            assert success is not None
            out.append(
                LevelSummary(
                    agent=agent,
                    level=level,
                    episodes=len(mine),
                    successes=sum(r.success for r in mine),
                    success=success,
                    trap_episodes=len(on_traps),
                    traps_triggered=sum(r.trap_triggered for r in on_traps),
                    trap_rate=bootstrap_mean([float(r.trap_triggered) for r in on_traps]),
                )
            )
    return out


@dataclass(frozen=True)
class PairedComparison:
    """``a`` against ``b`` on the (task, seed) units both ran."""

    a: str
    b: str
    units: int
    a_success: float
    b_success: float
    #: Success of ``a`` minus success of ``b``, with a paired bootstrap interval.
    difference: Interval
    #: Mean completion tokens (and seconds) per episode of ``a`` over ``b``.
    token_ratio: float | None
    seconds_ratio: float | None


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def paired(rows: Sequence[EpisodeRow], a: str, b: str) -> PairedComparison | None:
    """Compares two agents on the same tasks and seeds (``None`` if they share none)."""
    by_unit = {(r.agent, r.task, r.seed): r for r in rows}
    units = sorted(
        {(r.task, r.seed) for r in rows if r.agent == a and (b, r.task, r.seed) in by_unit}
    )
    if not units:
        return None
    ra = [by_unit[(a, *u)] for u in units]
    rb = [by_unit[(b, *u)] for u in units]
    diff = bootstrap_mean(
        [float(x.success) - float(y.success) for x, y in zip(ra, rb, strict=True)]
    )
    assert diff is not None
    return PairedComparison(
        a=a,
        b=b,
        units=len(units),
        a_success=float(np.mean([x.success for x in ra])),
        b_success=float(np.mean([y.success for y in rb])),
        difference=diff,
        token_ratio=_ratio(
            float(np.mean([x.completion_tokens for x in ra])),
            float(np.mean([y.completion_tokens for y in rb])),
        ),
        seconds_ratio=_ratio(
            float(np.mean([x.seconds for x in ra])), float(np.mean([y.seconds for y in rb]))
        ),
    )


def all_pairs(rows: Sequence[EpisodeRow]) -> list[PairedComparison]:
    """Every later agent against every earlier one (the first listed is the baseline)."""
    agents = agent_order(rows)
    pairs = (paired(rows, b, a) for a, b in itertools.combinations(agents, 2))
    return [p for p in pairs if p is not None]


def success_matrix(rows: Sequence[EpisodeRow]) -> tuple[list[str], list[str], np.ndarray]:
    """Tasks × agents mean success (NaN where an agent has no episode of a task)."""
    tasks = sorted({r.task for r in rows})
    agents = agent_order(rows)
    grid = np.full((len(tasks), len(agents)), np.nan)
    for i, task in enumerate(tasks):
        for j, agent in enumerate(agents):
            hits = [r.success for r in rows if r.task == task and r.agent == agent]
            if hits:
                grid[i, j] = float(np.mean(hits))
    return tasks, agents, grid
