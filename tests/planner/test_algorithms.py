"""Lookahead, MCTS and beam search on worlds with a known best action."""

from __future__ import annotations

import pytest

from forethought.planner import PlannerOptions, StopReason, plan

from .worlds import TRAP, GraphWorld, Roles, TreeWorld


async def decide(world, options: PlannerOptions, state="start", **kwargs):
    roles = Roles(world)
    decision = await plan("reach G2", state, *roles.args, options, **kwargs)
    return decision, roles


@pytest.mark.parametrize(("depth", "expected"), [(1, "decoy"), (2, "good")])
async def test_lookahead_depth_matters(depth: int, expected: str) -> None:
    decision, _ = await decide(TRAP, PlannerOptions(candidates=3, depth=depth))
    assert decision.action == expected


async def test_lookahead_imagines_with_the_policy_continuing() -> None:
    decision, roles = await decide(TRAP, PlannerOptions(candidates=3, depth=2))
    assert decision.path == [("good", "G1"), ("g-next", "G2")]
    assert decision.prediction == "G1"
    assert decision.score is not None and decision.score.value == 1.0
    assert decision.simulations == len(roles.simulate_calls) == 6  # 3 candidates x 2 steps
    assert decision.stop_reason is StopReason.COMPLETED
    # Inside imagination the policy was asked for one action.
    assert {c.action: c.value for c in decision.candidates} == {
        "decoy": 0.5,
        "meh": 0.3,
        "good": 1.0,
    }


async def test_lookahead_picks_the_top_scored_candidate() -> None:
    values = {"s0": 0.2, "s1": 0.9, "s2": 0.4, "s3": 0.7}
    world = GraphWorld({"start": [(f"a{i}", 0.25, f"s{i}") for i in range(4)]}, values)
    decision, roles = await decide(world, PlannerOptions(candidates=4))
    assert decision.action == "a1"
    assert roles.score_calls == 4
    assert sorted(c.value for c in decision.candidates) == sorted(values.values())


async def test_lookahead_samples_each_candidate_simulations_times() -> None:
    options = PlannerOptions.preset("webdreamer")
    assert (options.candidates, options.simulations, options.depth) == (4, 3, 2)
    assert (options.wm_format, options.critic_samples, options.critic_rubric) == (
        "nl",
        10,
        "coarse",
    )
    decision, roles = await decide(TRAP, options)
    assert decision.action == "good"
    assert len(roles.simulate_calls) == 3 * 3 * 2  # 3 candidates exist in TRAP
    assert roles.score_calls == 3 * 3
    assert all(c.visits == 3 for c in decision.candidates)


async def test_mcts_finds_the_deep_best_action_within_budget() -> None:
    options = PlannerOptions(algorithm="mcts", candidates=3, depth=2, iterations=200)
    decision, roles = await decide(TRAP, options.model_copy(update={"budget_sims": 12}))
    assert decision.action == "good"
    assert len(roles.simulate_calls) <= 12
    assert decision.path[:2] == [("good", "G1"), ("g-next", "G2")]


@pytest.mark.parametrize("final_choice", ["visits", "value"])
async def test_mcts_final_choice(final_choice: str) -> None:
    options = PlannerOptions(
        algorithm="mcts", depth=2, iterations=60, final_choice=final_choice, early_stop=False
    )
    decision, _ = await decide(TRAP, options)
    assert decision.action == "good"
    by_action = {c.action: c for c in decision.candidates}
    assert by_action["good"].visits == max(c.visits for c in decision.candidates)


async def test_mcts_rollouts_reach_the_horizon() -> None:
    options = PlannerOptions(algorithm="mcts", depth=3, iterations=4, rollout_depth=2, workers=1)
    decision, _ = await decide(TreeWorld(), options, state=())
    depths = [d["depth"] for _, d in decision.tree.graph.nodes(data=True)]
    assert max(depths) == 3


async def test_beam_width_one_is_greedy_and_wider_beams_keep_the_best_path() -> None:
    greedy, _ = await decide(TRAP, PlannerOptions(algorithm="beam", depth=2, beam_width=1))
    assert greedy.action == "decoy"
    wide, _ = await decide(TRAP, PlannerOptions(algorithm="beam", depth=2, beam_width=3))
    assert wide.action == "good"
    assert wide.path == [("good", "G1"), ("g-next", "G2")]
    assert wide.score is not None and wide.score.value == 1.0


async def test_beam_keeps_the_top_paths_at_each_depth() -> None:
    options = PlannerOptions(algorithm="beam", candidates=3, depth=3, beam_width=2)
    decision, _ = await decide(TreeWorld(), options, state=())
    tree = decision.tree
    for depth in (1, 2):
        level = [n for n, d in tree.graph.nodes(data=True) if d["depth"] == depth]
        expanded = {n for n in level if tree.children(n)}
        kept = sorted(level, key=lambda n: tree.data(n)["score"], reverse=True)[:2]
        assert expanded == set(kept)
    leaves = [n for n, d in tree.graph.nodes(data=True) if d["depth"] == 3]
    best = max(leaves, key=lambda n: tree.data(n)["score"])
    assert decision.path == tree.imagined_path(best)


async def test_no_candidates_gives_no_action() -> None:
    decision, _ = await decide(GraphWorld({}, {}), PlannerOptions())
    assert decision.action is None
    assert decision.stop_reason is StopReason.NO_CANDIDATES


@pytest.mark.parametrize("algorithm", ["lookahead", "mcts", "beam"])
async def test_every_algorithm_reports_cost_and_events(algorithm: str) -> None:
    events = []
    options = PlannerOptions(algorithm=algorithm, depth=2, iterations=10)
    decision, roles = await decide(TRAP, options, on_event=events.append)
    kinds = {e.kind.value for e in events}
    assert kinds == {"proposed", "simulated", "scored", "stopped"}
    calls = roles.propose_calls + len(roles.simulate_calls) + roles.score_calls
    assert decision.cost.calls == calls
    assert decision.cost.tokens == 10 * calls
    assert decision.action in {"decoy", "meh", "good"}
