"""Memoisation, transpositions and reuse of the previous step's tree."""

from __future__ import annotations

from forethought.planner import Memo, PlannerOptions, plan

from .worlds import TRAP, GraphWorld, Roles

#: "a" then "c" and "b" then "d" both reach X; X continues to Y.
DIAMOND = GraphWorld(
    moves={
        "start": [("a", 0.5, "A"), ("b", 0.5, "B")],
        "A": [("c", 1.0, "X")],
        "B": [("d", 1.0, "X")],
        "X": [("e", 1.0, "Y")],
    },
    values={"Y": 1.0},
)


async def test_transposition_shares_the_prediction() -> None:
    roles = Roles(DIAMOND)
    decision = await plan("g", "start", *roles.args, PlannerOptions(candidates=2, depth=3))
    # A, B, X (via c), X (via d), and Y only once although two paths continue from X.
    assert len(roles.simulate_calls) == decision.simulations == 5
    assert decision.memo_hits == 1
    tree = decision.tree
    assert len(tree.nodes_with_key("X")) == 2
    assert len(tree.nodes_with_key("Y")) == 2


async def test_memo_is_reused_across_decisions() -> None:
    memo: Memo = Memo()
    options = PlannerOptions(candidates=3, depth=2)
    first = Roles(TRAP)
    await plan("g", "start", *first.args, options, memo=memo)
    assert len(memo) == 6
    again = Roles(TRAP)
    decision = await plan("g", "start", *again.args, options, memo=memo)
    assert again.simulate_calls == [] and again.propose_calls == 0
    assert decision.memo_hits == 6
    assert decision.action == "good"


async def test_reroot_reuses_the_matching_imagined_subtree() -> None:
    memo: Memo = Memo()
    options = PlannerOptions(candidates=3, depth=2)
    roles = Roles(TRAP)
    first = await plan("g", "start", *roles.args, options, memo=memo)
    assert first.action == "good"
    imagined = first.path[0][1]

    assert first.tree.reroot("good", "somewhere else") is None
    tree = first.tree.reroot("good", "G1")
    assert tree is not None
    assert tree.root == first.tree.children_by(first.tree.root, "good")[0]
    assert tree.root_key == "G1" and tree.state(tree.root) == imagined
    assert tree.data(tree.root)["real"] and tree.data(tree.root)["depth"] == 0
    reused = set(tree.graph.nodes)

    roles = Roles(TRAP)
    second = await plan(
        "g", "G1", *roles.args, options.model_copy(update={"depth": 1}), tree=tree, memo=memo
    )
    assert second.tree is tree and reused <= set(second.tree.graph.nodes)
    assert second.action == "g-next"
    # g-next was imagined last step; only g-bad is new.
    assert roles.simulate_calls == [("G1", "g-bad")]


async def test_a_tree_for_another_state_is_not_reused() -> None:
    roles = Roles(TRAP)
    first = await plan("g", "start", *roles.args, PlannerOptions(depth=2))
    tree = first.tree.reroot("good", "G1")
    second = await plan("g", "D1", *roles.args, PlannerOptions(), tree=tree)
    assert second.tree is not tree and second.tree.root_key == "D1"
