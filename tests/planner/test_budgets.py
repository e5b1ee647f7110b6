"""Budgets, anytime stopping, early stopping and concurrency."""

from __future__ import annotations

import pytest

from forethought.planner import Budget, PlannerOptions, StopReason, plan

from .worlds import CALL, GraphWorld, Roles, TreeWorld

ALGORITHMS = ["lookahead", "mcts", "beam"]


def hungry(algorithm: str, **kw) -> PlannerOptions:
    """Options that want far more simulations than any budget below."""
    return PlannerOptions(
        algorithm=algorithm,
        candidates=3,
        depth=4,
        simulations=5,
        iterations=10_000,
        beam_width=3,
        early_stop=False,
        **kw,
    )


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("concurrency", [None, 2])
async def test_simulation_budget_is_exact(algorithm: str, concurrency: int | None) -> None:
    roles = Roles(TreeWorld())
    options = hungry(algorithm, budget_sims=11, concurrency=concurrency)
    decision = await plan("g", (), *roles.args, options)
    assert len(roles.simulate_calls) == decision.simulations == 11
    assert decision.stop_reason is StopReason.BUDGET_SIMULATIONS
    assert decision.action in {"a0", "a1", "a2"}


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_token_budget_stops_anytime_with_a_valid_action(algorithm: str) -> None:
    roles = Roles(TreeWorld())
    decision = await plan("g", (), *roles.args, hungry(algorithm, budget_tokens=95))
    assert decision.stop_reason is StopReason.BUDGET_TOKENS
    assert decision.action in {"a0", "a1", "a2"}
    # No call starts once spent: overshoot is at most the calls in flight (<= K + workers).
    assert decision.cost.tokens <= 95 + 8 * CALL.tokens


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_seconds_budget_stops_anytime_with_a_valid_action(algorithm: str) -> None:
    roles = Roles(TreeWorld(), delay=0.04)
    decision = await plan("g", (), *roles.args, hungry(algorithm, budget_seconds=0.1))
    assert decision.stop_reason is StopReason.BUDGET_SECONDS
    # No wall-clock assertion (shared machines are noisy): each call sleeps at least 0.04 s,
    # so within 0.1 s a handful of waves start, far short of the 10,000 iterations wanted.
    assert len(roles.simulate_calls) < 100
    assert decision.action in {"a0", "a1", "a2"}


async def test_zero_simulations_falls_back_to_the_prior() -> None:
    world = GraphWorld({"start": [("x", 0.2, "X"), ("y", 0.8, "Y")]}, {"X": 1.0})
    roles = Roles(world)
    decision = await plan("g", "start", *roles.args, PlannerOptions(budget_sims=0))
    assert decision.action == "y"
    assert decision.path == [] and decision.score is None
    assert roles.simulate_calls == []


async def test_budgets_combine_tightest_wins() -> None:
    assert Budget(simulations=5, tokens=100) & Budget(simulations=3, seconds=2.0) == Budget(
        3, 100, 2.0
    )
    roles = Roles(TreeWorld())
    options = hungry("lookahead", budget_sims=20)
    decision = await plan("g", (), *roles.args, options, budget=Budget(simulations=7))
    assert len(roles.simulate_calls) == decision.simulations == 7


@pytest.mark.parametrize("algorithm", ["lookahead", "mcts"])
async def test_early_stop_when_one_candidate_is_confidently_best(algorithm: str) -> None:
    world = GraphWorld(
        {"start": [("a", 1.0, "A"), ("b", 1.0, "B"), ("c", 1.0, "C")]},
        {"A": 0.2, "B": 1.0, "C": 0.3},
    )
    roles = Roles(world, delay=0.001)
    options = PlannerOptions(algorithm=algorithm, simulations=5, iterations=50, workers=1)
    decision = await plan("g", "start", *roles.args, options)
    assert decision.action == "b"
    assert decision.stop_reason is StopReason.CONFIDENT
    assert len(roles.simulate_calls) == 3


async def test_early_stop_when_all_candidates_agree() -> None:
    world = GraphWorld({"start": [(f"a{i}", 1.0, f"S{i}") for i in range(3)]}, {})
    roles = Roles(world, critic_value=lambda s: 0.5)
    decision = await plan("g", "start", *roles.args, PlannerOptions(simulations=4))
    assert decision.stop_reason is StopReason.AGREE
    assert len(roles.simulate_calls) == 3
    roles = Roles(world, critic_value=lambda s: 0.5)
    options = PlannerOptions(simulations=4, early_stop=False)
    decision = await plan("g", "start", *roles.args, options)
    assert decision.stop_reason is StopReason.COMPLETED
    assert len(roles.simulate_calls) == 12


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_siblings_are_simulated_concurrently(algorithm: str) -> None:
    roles = Roles(TreeWorld(branching=4), delay=0.01)
    options = PlannerOptions(algorithm=algorithm, candidates=4, depth=1, iterations=4)
    await plan("g", (), *roles.args, options)
    assert roles.max_in_flight == 4


async def test_concurrency_limit_caps_calls_in_flight() -> None:
    roles = Roles(TreeWorld(branching=4), delay=0.01)
    options = PlannerOptions(candidates=4, concurrency=2)
    decision = await plan("g", (), *roles.args, options)
    assert roles.max_in_flight == 2
    assert decision.simulations == 4
