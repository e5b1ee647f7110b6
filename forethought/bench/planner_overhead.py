"""Planner overhead: time a decision spends outside the LLM.

The roles answer instantly (no I/O, zero cost), so all wall time is the planner's own:
tree bookkeeping, selection, budgets, memo and asyncio. Each algorithm grows a tree of
``nodes`` imagined states (a simulation budget makes the count exact).
Goal (issue 4): <= 1 ms per tree node and <= 2 s at 10,000 nodes.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from forethought.planner import ZERO_COST, Cost, PlannerOptions, Score, plan

_BRANCHING = 10


class InstantWorld:
    """Policy, world model and critic in one, over integer states; answers instantly."""

    async def propose(self, goal: str, state: int, k: int) -> tuple[list[tuple[int, float]], Cost]:
        return [(i, 1.0 / (i + 1)) for i in range(min(k, _BRANCHING))], ZERO_COST

    async def simulate(self, state: int, action: int) -> tuple[int, Cost]:
        return state * _BRANCHING + action + 1, ZERO_COST

    async def score(
        self, goal: str, path: list[tuple[int, int]], outcome: int
    ) -> tuple[Score, Cost]:
        return Score((outcome * 2654435761 % 1000) / 999), ZERO_COST


def workload(algorithm: str, nodes: int) -> PlannerOptions:
    """Options whose search grows exactly ``nodes`` imagined states."""
    common: dict[str, Any] = {"budget_sims": nodes, "early_stop": False}
    if algorithm == "mcts":
        return PlannerOptions(algorithm="mcts", candidates=4, depth=12, iterations=nodes, **common)
    if algorithm == "lookahead":
        per_round = _BRANCHING * 10
        return PlannerOptions(
            candidates=_BRANCHING,
            depth=10,
            simulations=max(1, math.ceil(nodes / per_round)),
            **common,
        )
    if algorithm == "beam":
        width = 100
        return PlannerOptions(
            algorithm="beam",
            candidates=_BRANCHING,
            beam_width=width,
            depth=math.ceil(nodes / (width * _BRANCHING)) + 2,
            **common,
        )
    raise ValueError(f"unknown algorithm {algorithm!r}")


async def _decide(options: PlannerOptions) -> tuple[float, int]:
    world = InstantWorld()
    started = time.perf_counter()
    decision = await plan("overhead", 0, world, world, world, options)
    seconds = time.perf_counter() - started
    return seconds, len(decision.tree) - 1  # imagined nodes (the root is real)


def measure_overhead(nodes: int = 10_000) -> dict[str, Any]:
    """Planner time per imagined tree node for each algorithm, with instant roles.

    Returns ``overhead_ms_per_node`` and ``overhead_ms_at_10k_nodes`` for the slowest
    algorithm (measured when ``nodes == 10_000``, else scaled linearly), the same per
    algorithm under ``by_algorithm``, and ``default_decision_overhead_ms``: the planner's
    own time for one decision with the default options (its share of a real decision's
    wall time is the benchmark's ``overhead_fraction``).
    """
    by_algorithm: dict[str, dict[str, float]] = {}
    for algorithm in ("lookahead", "mcts", "beam"):
        seconds, grown = asyncio.run(_decide(workload(algorithm, nodes)))
        per_node = 1000 * seconds / max(grown, 1)
        by_algorithm[algorithm] = {
            "nodes": grown,
            "seconds": seconds,
            "ms_per_node": per_node,
            "ms_at_10k_nodes": per_node * 10_000,
        }
    default_seconds, _ = asyncio.run(_decide(PlannerOptions()))
    worst = max(by_algorithm.values(), key=lambda r: r["ms_per_node"])
    return {
        "overhead_ms_per_node": worst["ms_per_node"],
        "overhead_ms_at_10k_nodes": worst["ms_at_10k_nodes"],
        "overhead_nodes_measured": nodes,
        "default_decision_overhead_ms": 1000 * default_seconds,
        "by_algorithm": by_algorithm,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(measure_overhead(), indent=2))
