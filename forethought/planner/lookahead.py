"""Imagined lookahead (WebDreamer's method, generalised).

Propose K candidates at the real state; imagine each for ``depth`` steps (the policy's
top action continues inside imagination), ``simulations`` times, scoring every imagined
path with the critic; aggregate per candidate and pick the best. Rollouts run in rounds,
all candidates at once, so stopping between rounds (early or on budget) is fair.
"""

from __future__ import annotations

import asyncio

from .candidates import Candidate, best_leaf, candidates, choose, early_stop
from .protocols import A, S
from .search import Search, SearchResult
from .types import Score, StopReason


async def _rollout(search: Search[S, A], action: A, prior: float, sample: int) -> None:
    root = search.tree.root
    child = await search.extend(root, action, prior, sample)
    if child is not None:
        await search.imagine([root, child], sample)


async def run_lookahead(search: Search[S, A]) -> SearchResult[A]:
    opts, tree = search.options, search.tree
    proposals = await search.propose(tree.root, opts.candidates, force=True) or []
    if not proposals:
        return SearchResult()
    stopped = None
    for sample in range(opts.simulations):
        if not search.running:
            break
        await asyncio.gather(*(_rollout(search, a, p, sample) for a, p in proposals))
        if sample + 1 == opts.simulations:
            break
        stopped = early_stop(candidates(tree, proposals), opts)
        if stopped is not None:
            search.stop = stopped[0]
            break
    cands = candidates(tree, proposals)
    if stopped is not None and stopped[0] is StopReason.CONFIDENT:
        choice: Candidate[A] | None = stopped[1]
    else:
        choice = choose(cands, opts.aggregate)
    if choice is None:  # unreachable: proposals is not empty
        return SearchResult(proposals)
    value = choice.best if opts.aggregate == "max" else choice.value
    score = None if value is None else Score(value, choice.confidence or 0.0)
    return SearchResult(proposals, choice, score, best_leaf(tree, choice, "best"))
