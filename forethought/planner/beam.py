"""Beam search over imagined paths.

At each depth, every path in the beam proposes K actions; all of them are simulated and
scored at once, and the ``beam_width`` best-scored paths survive (terminal paths carry
over unchanged). The answer is the first action of the best path at the deepest level
reached.
"""

from __future__ import annotations

import asyncio

from .candidates import candidates
from .protocols import A, S
from .search import Search, SearchResult
from .types import Score


async def _grow(
    search: Search[S, A], parent: int, action: A, prior: float
) -> tuple[int, Score] | None:
    child = await search.extend(parent, action, prior)
    if child is None:
        return None
    score = await search.imagine(search.tree.path(child), steps=0)
    return None if score is None else (child, score)


async def run_beam(search: Search[S, A]) -> SearchResult[A]:
    opts, tree = search.options, search.tree
    root = tree.root
    proposals = await search.propose(root, opts.candidates, force=True) or []
    if not proposals:
        return SearchResult()
    beam: list[tuple[int, Score]] = []
    frontier = [root]
    for _ in range(opts.depth):
        if not search.running:
            break
        asked = await asyncio.gather(*(search.propose(n, opts.candidates) for n in frontier))
        carried = [
            (n, tree.cached_score(n)) for n, ps in zip(frontier, asked, strict=True) if ps == []
        ]
        jobs = [(n, a, p) for n, ps in zip(frontier, asked, strict=True) for a, p in ps or ()]
        if not jobs:
            break
        grown = await asyncio.gather(*(_grow(search, n, a, p) for n, a, p in jobs))
        level = [g for g in grown if g is not None] + [(n, s) for n, s in carried if s is not None]
        if not level:
            break
        # Stable sort: equal scores keep proposal order.
        level.sort(key=lambda ns: (ns[1].value, tree.data(ns[0])["prior"]), reverse=True)
        beam = level[: opts.beam_width]
        frontier = [n for n, _ in beam if not tree.data(n)["terminal"]]
        if not frontier:
            break
    if not beam:  # the budget ran out before any path was scored: fall back to priors
        cands = candidates(tree, proposals)
        best = max(cands, key=lambda c: c.prior)
        return SearchResult(proposals, best, None, None)
    leaf, score = beam[0]
    first = tree.path(leaf)[1]
    action = tree.action(first)
    choice = next(c for c in candidates(tree, proposals) if c.action == action)
    return SearchResult(proposals, choice, score, leaf)
