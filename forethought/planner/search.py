"""What every algorithm shares: budgeted, memoised, concurrent role calls on one tree.

:class:`Search` wraps the three roles for one decision. Each helper checks the budget
before a call starts, respects the concurrency limit, charges the cost to the decision
and to the tree node, reuses memoised work, merges identical calls already in flight,
and reports events. Algorithms only decide *what* to expand.
"""

from __future__ import annotations

import asyncio
import inspect
import math
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .budget import BudgetTracker
from .candidates import Candidate
from .memo import Memo
from .options import PlannerOptions
from .protocols import A, Critic, Policy, S, WorldModel
from .tree import SearchTree
from .types import ZERO_COST, Cost, EventKind, PlanEvent, Score, StopReason

T = TypeVar("T")
EventHandler = Callable[[PlanEvent], Awaitable[None] | None]


def normalise_proposals(raw: list[tuple[A, float]], k: int) -> list[tuple[A, float]]:
    """The first ``k`` distinct actions, priors clipped to >= 0 and summing to 1."""
    seen: set[A] = set()
    out: list[tuple[A, float]] = []
    for action, prior in raw:
        if action in seen:
            continue
        seen.add(action)
        p = float(prior)
        out.append((action, p if math.isfinite(p) and p > 0 else 0.0))
        if len(out) == k:
            break
    total = sum(p for _, p in out)
    if total > 0:
        return [(a, p / total) for a, p in out]
    return [(a, 1.0 / len(out)) for a, _ in out]


class _Unlimited:
    """A no-op stand-in for the concurrency semaphore (cheaper than a generator)."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None


@dataclass(slots=True)
class SearchResult(Generic[A]):
    """What an algorithm hands back: the root proposals, the chosen one, its score, and the
    last node of the best imagined path under it."""

    proposals: list[tuple[A, float]] = field(default_factory=list)
    choice: Candidate[A] | None = None
    score: Score | None = None
    leaf: int | None = None


class Search(Generic[S, A]):
    """One decision's shared state: roles, options, tree, memo, budget and counters."""

    def __init__(
        self,
        goal: str,
        policy: Policy[S, A],
        world_model: WorldModel[S, A],
        critic: Critic[S, A],
        options: PlannerOptions,
        tree: SearchTree[S, A],
        memo: Memo[S, A],
        tracker: BudgetTracker,
        on_event: EventHandler | None = None,
    ) -> None:
        self.goal = goal
        self.policy = policy
        self.world_model = world_model
        self.critic = critic
        self.options = options
        self.tree = tree
        self.memo = memo
        self.tracker = tracker
        self.on_event = on_event
        self.cost: Cost = ZERO_COST
        #: World-model calls actually made (memo hits and merged calls excluded).
        self.simulations = 0
        self.memo_hits = 0
        #: An early-stop reason set by the algorithm.
        self.stop: StopReason | None = None
        self._slot: asyncio.Semaphore | _Unlimited = (
            asyncio.Semaphore(options.concurrency) if options.concurrency else _Unlimited()
        )
        self._inflight: dict[Hashable, asyncio.Future[Any]] = {}

    @property
    def running(self) -> bool:
        """False once an early stop was decided or a budget refused a call."""
        return self.stop is None and self.tracker.exhausted is None

    # -- plumbing -----------------------------------------------------------------------

    async def _once(
        self, token: Hashable | None, make: Callable[[], Awaitable[T]]
    ) -> tuple[T, bool]:
        """Runs ``make`` unless an identical call is in flight; returns (result, made_here)."""
        if token is None:
            return await make(), True
        pending = self._inflight.get(token)
        if pending is not None:
            return await asyncio.shield(pending), False
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._inflight[token] = fut
        try:
            result = await make()
        except asyncio.CancelledError:
            fut.cancel()
            raise
        except BaseException as exc:
            fut.set_exception(exc)
            fut.exception()  # retrieved: waiters (if any) re-raise it themselves
            raise
        finally:
            del self._inflight[token]
        fut.set_result(result)
        return result, True

    def _charge(self, node: int, cost: Cost) -> None:
        self.cost = self.cost + cost
        self.tracker.charge(cost)
        self.tree.charge(node, cost)

    async def emit(self, event: PlanEvent) -> None:
        if self.on_event is not None:
            result = self.on_event(event)
            if inspect.isawaitable(result):
                await result

    # -- the three roles ----------------------------------------------------------------

    async def propose(
        self, node: int, k: int, *, force: bool = False
    ) -> list[tuple[A, float]] | None:
        """Up to ``k`` candidates at ``node``; ``[]`` marks a terminal state, ``None`` means
        the budget refused the call. ``force`` skips the budget (the root's proposal)."""
        tree = self.tree
        key = tree.key(node)
        if key is not None:
            cached = self.memo.proposals(key, k)
            if cached is not None:
                tree.data(node)["terminal"] = not cached
                return cached

        async def call() -> list[tuple[A, float]] | None:
            async with self._slot:
                if not force and not self.tracker.can_start():
                    return None
                raw, cost = await self.policy.propose(self.goal, tree.state(node), k)
            self._charge(node, cost)
            proposals = normalise_proposals(raw, k)
            if key is not None:
                self.memo.store_proposals(key, k, proposals)
            if self.on_event is not None:
                await self.emit(
                    PlanEvent(EventKind.PROPOSED, node, actions=tuple(proposals), cost=cost)
                )
            return proposals

        token = None if key is None else ("propose", key, k)
        proposals, _ = await self._once(token, call)
        if proposals is not None:
            tree.data(node)["terminal"] = not proposals
        return proposals

    async def extend(self, parent: int, action: A, prior: float, sample: int = 0) -> int | None:
        """The child of ``parent`` by ``action`` (imagining ``sample``), simulating it if new.
        ``None`` when the budget refused the simulation."""
        tree = self.tree
        existing = tree.child(parent, action, sample)
        if existing is not None:
            return existing
        key = tree.key(parent)
        hit = None if key is None else self.memo.prediction(key, action, sample)
        if hit is not None:
            state, cost, made = hit[0], ZERO_COST, False
        else:
            token = None if key is None else ("simulate", key, action, sample)
            result, made = await self._once(token, lambda: self._simulate(parent, action, sample))
            if result is None:
                return None
            state, cost = result
            if not made:
                cost = ZERO_COST
        if not made:
            self.memo_hits += 1
        existing = tree.child(parent, action, sample)  # another task may have added it
        if existing is not None:
            return existing
        node = tree.add_child(parent, action, state, prior=prior, sample=sample, cost=cost)
        if self.on_event is not None:
            await self.emit(
                PlanEvent(EventKind.SIMULATED, node, parent, action, cost=cost, memo_hit=not made)
            )
        return node

    async def _simulate(self, parent: int, action: A, sample: int) -> tuple[S, Cost] | None:
        async with self._slot:
            if not self.tracker.reserve_simulation():
                return None
            try:
                state, cost = await self.world_model.simulate(self.tree.state(parent), action)
            except BaseException:
                self.tracker.release_simulation()
                raise
        self.simulations += 1
        self.cost = self.cost + cost
        self.tracker.charge(cost)
        key = self.tree.key(parent)
        if key is not None:
            self.memo.store_prediction(key, action, state, cost, sample)
        return state, cost

    async def evaluate(self, node: int) -> Score | None:
        """The critic's score of the path to ``node`` (cached on the node); ``None`` when the
        budget refused the call."""
        cached = self.tree.cached_score(node)
        if cached is not None:
            return cached

        async def call() -> Score | None:
            async with self._slot:
                if not self.tracker.can_start():
                    return None
                tree = self.tree
                score, cost = await self.critic.score(
                    self.goal, tree.trajectory(node), tree.state(node)
                )
            self._charge(node, cost)
            tree.set_score(node, score)
            if self.on_event is not None:
                await self.emit(PlanEvent(EventKind.SCORED, node, score=score, cost=cost))
            return score

        score, _ = await self._once(("score", node), call)
        return score

    # -- the shared rollout -------------------------------------------------------------

    async def imagine(
        self, path: list[int], sample: int = 0, steps: int | None = None
    ) -> Score | None:
        """Continues ``path`` with the policy's top action for up to ``steps`` imagined steps
        (default: to the horizon), scores where it ends, and backs the score up along the
        whole path (which it extends in place). ``None`` if the budget refused the score."""
        tree = self.tree
        horizon = self.options.depth
        node = path[-1]
        room = horizon - tree.data(node)["depth"]
        for _ in range(room if steps is None else min(steps, room)):
            proposals = await self.propose(node, 1)
            if not proposals:
                break
            action, prior = proposals[0]
            child = await self.extend(node, action, prior, sample)
            if child is None:
                break
            path.append(child)
            node = child
        score = await self.evaluate(node)
        if score is None:
            return None
        data = tree.data(node)
        tree.backup(path, score, full=data["depth"] >= horizon or data["terminal"])
        return score
