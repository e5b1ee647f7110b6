"""Monte Carlo tree search over imagined states.

PUCT selection with the policy's priors, progressive widening (a node with N visits may
have ``widening * N ** widening_alpha`` children), expansion by one simulated action,
an optional policy rollout past the new leaf, the critic's score as the value, and mean
backup. ``workers`` iterations run at once; virtual loss spreads them over the tree, so
siblings are simulated concurrently. The final choice is by visits or by value.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from typing import Generic

from .candidates import Candidate, best_leaf, candidates, choose, early_stop
from .protocols import A, S
from .search import Search, SearchResult
from .types import Score, StopReason


class _Mcts(Generic[S, A]):
    def __init__(self, search: Search[S, A], root_proposals: list[tuple[A, float]]) -> None:
        self.search = search
        self.tree = search.tree
        self.opts = search.options
        self.root_proposals = root_proposals
        self.started = 0
        self.virtual: defaultdict[int, int] = defaultdict(int)
        self.expanding: defaultdict[int, dict[A, asyncio.Future[None]]] = defaultdict(dict)
        self.pending: set[asyncio.Future[None]] = set()  # every expansion in flight
        self.confident: Candidate[A] | None = None

    async def worker(self) -> None:
        while self.search.running and self.started < self.opts.iterations:
            self.started += 1
            if not await self.iterate() and self.pending:
                # Only revisited known leaves: wait for some real news instead of piling
                # up free visits while other workers' simulations are in flight.
                await asyncio.wait(list(self.pending), return_when=asyncio.FIRST_COMPLETED)

    async def iterate(self) -> bool:
        """One selection-expansion-evaluation-backup round; True if it expanded a node."""
        tree, opts, search = self.tree, self.opts, self.search
        node = tree.root
        path = [node]
        expanded = False
        self.virtual[node] += 1
        try:
            while tree.data(node)["depth"] < opts.depth:
                proposals = await search.propose(node, opts.candidates)
                if not proposals:
                    break
                untried = self._untried(node, proposals)
                if untried is not None:
                    child = await self._expand(node, *untried)
                    if child is None:
                        return True
                    path.append(child)
                    self.virtual[child] += 1
                    expanded = True
                    break
                child = self._select(node)
                if child is None:  # every allowed child is still being simulated
                    pending = list(self.expanding[node].values())
                    await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    continue
                path.append(child)
                self.virtual[child] += 1
                node = child
            if len(path) == 1:
                return expanded
            score = await search.imagine(list(path), steps=opts.rollout_depth)
        finally:
            for n in path:
                self.virtual[n] -= 1
        if (
            score is not None
            and opts.early_stop
            and search.running
            and self.started < opts.iterations
        ):
            stopped = early_stop(candidates(tree, self.root_proposals), opts)
            if stopped is not None:
                search.stop, self.confident = stopped[0], stopped[1]
        return expanded

    def _untried(self, node: int, proposals: list[tuple[A, float]]) -> tuple[A, float] | None:
        """The most probable unexpanded action, if widening allows another child."""
        data = self.tree.data(node)
        pending = self.expanding[node]
        present = len(self.tree.graph._succ[node]) + len(pending)
        n = data["visits"] + self.virtual[node]
        allowed = max(1, math.ceil(self.opts.widening * n**self.opts.widening_alpha))
        if present >= min(allowed, len(proposals)):
            return None
        for action, prior in sorted(proposals, key=lambda ap: -ap[1]):
            if action not in pending and not self.tree.children_by(node, action):
                return action, prior
        return None

    async def _expand(self, node: int, action: A, prior: float) -> int | None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.expanding[node][action] = done
        self.pending.add(done)
        try:
            return await self.search.extend(node, action, prior)
        finally:
            del self.expanding[node][action]
            self.pending.discard(done)
            done.set_result(None)

    def _select(self, node: int) -> int | None:
        """PUCT over existing children; virtual visits count as losses."""
        nodes = self.tree.graph._node
        children = self.tree.graph._succ[node]
        if not children:
            return None
        parent = nodes[node]
        n_parent = parent["visits"] + self.virtual[node]
        scale = self.opts.exploration * math.sqrt(max(n_parent, 1))
        best, best_u = None, -math.inf
        for c in children:
            d = nodes[c]
            n = d["visits"] + self.virtual[c]
            q = d["value"] * d["visits"] / n if n else parent["value"]
            u = q + scale * d["prior"] / (1 + n)
            if u > best_u:
                best, best_u = c, u
        return best


async def run_mcts(search: Search[S, A]) -> SearchResult[A]:
    opts, tree = search.options, search.tree
    proposals = await search.propose(tree.root, opts.candidates, force=True) or []
    if not proposals:
        return SearchResult()
    mcts = _Mcts(search, proposals)
    await asyncio.gather(*(mcts.worker() for _ in range(opts.workers)))
    cands = candidates(tree, proposals)
    if search.stop is StopReason.CONFIDENT and mcts.confident is not None:
        choice: Candidate[A] | None = mcts.confident
    else:
        choice = choose(cands, opts.final_choice)
    if choice is None:  # unreachable: proposals is not empty
        return SearchResult(proposals)
    score = None if choice.value is None else Score(choice.value, choice.confidence or 0.0)
    return SearchResult(proposals, choice, score, best_leaf(tree, choice, "visits"))
