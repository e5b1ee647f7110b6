"""The planner's single entry point: :func:`plan`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .beam import run_beam
from .budget import Budget, BudgetTracker
from .candidates import candidates
from .decision import Decision
from .lookahead import run_lookahead
from .mcts import run_mcts
from .memo import Memo
from .options import PlannerOptions
from .protocols import A, Critic, Policy, S, StateKey, WorldModel, default_state_key
from .search import EventHandler, Search, SearchResult
from .tree import SearchTree
from .types import EventKind, PlanEvent, StopReason

Algorithm = Callable[[Search[Any, Any]], Awaitable[SearchResult[Any]]]

ALGORITHMS: dict[str, Algorithm] = {
    "lookahead": run_lookahead,
    "mcts": run_mcts,
    "beam": run_beam,
}


async def plan(
    goal: str,
    state: S,
    policy: Policy[S, A],
    world_model: WorldModel[S, A],
    critic: Critic[S, A],
    options: PlannerOptions | None = None,
    *,
    tree: SearchTree[S, A] | None = None,
    memo: Memo[S, A] | None = None,
    on_event: EventHandler | None = None,
    budget: Budget | None = None,
    state_key: StateKey = default_state_key,
) -> Decision[S, A]:
    """Chooses the next real action by imagining outcomes.

    - ``options``: algorithm, K, depth, budgets (default: ``PlannerOptions()``).
    - ``tree``: a tree to continue, typically ``previous.tree.reroot(action, state)``; used
      only if its root has ``state``'s key, else a fresh tree is grown.
    - ``memo``: the episode's :class:`Memo` (predictions and proposals already paid for).
    - ``on_event``: called (or awaited) with a :class:`PlanEvent` per proposal,
      simulation, score, and at the end.
    - ``budget``: combined with the options' budgets; the tightest limit wins.
    - ``state_key``: how states are keyed for transpositions (used for a fresh tree).

    The root's proposal is always made (there is no action without it); every other call
    respects the budgets. Role exceptions propagate.
    """
    options = options or PlannerOptions()
    limits = options.budget() if budget is None else options.budget() & budget
    tracker = BudgetTracker(limits)
    if tree is not None and tree.root_key is not None and tree.root_key == tree.state_key(state):
        tree.adopt_root_state(state)
    else:
        tree = SearchTree(state, state_key=state_key)
    search = Search(
        goal,
        policy,
        world_model,
        critic,
        options,
        tree,
        memo if memo is not None else Memo(),
        tracker,
        on_event,
    )
    result = await ALGORITHMS[options.algorithm](search)

    if result.choice is None:
        reason = StopReason.NO_CANDIDATES
    else:
        reason = search.stop or tracker.exhausted or StopReason.COMPLETED
    await search.emit(PlanEvent(EventKind.STOPPED, tree.root, reason=reason))
    return Decision(
        action=None if result.choice is None else result.choice.action,
        score=result.score,
        path=[] if result.leaf is None else tree.imagined_path(result.leaf),
        tree=tree,
        cost=search.cost,
        simulations=search.simulations,
        stop_reason=reason,
        candidates=candidates(tree, result.proposals),
        memo_hits=search.memo_hits,
        seconds=tracker.elapsed,
        options=options,
    )
