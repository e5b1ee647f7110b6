"""Root candidates: their statistics, the final choice, and early stopping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Literal

from .options import PlannerOptions
from .protocols import A
from .tree import SearchTree
from .types import StopReason

ChooseBy = Literal["mean", "max", "visits", "value"]


@dataclass(frozen=True, slots=True)
class Candidate(Generic[A]):
    """One action proposed at the root and what the search learned about it.

    ``nodes`` are its imagined outcomes (one per sample). ``value`` is the mean backed-up
    score, ``best`` the best path score below it, ``full_*`` the same counting only
    evaluations that reached the horizon (or a terminal state); ``None`` = never scored.
    """

    action: A
    prior: float
    nodes: tuple[int, ...]
    visits: int
    value: float | None
    best: float | None
    confidence: float | None
    full_visits: int
    full_value: float | None


def candidates(tree: SearchTree[Any, A], proposals: list[tuple[A, float]]) -> list[Candidate[A]]:
    """Statistics of each root proposal, aggregated over its samples."""
    out: list[Candidate[A]] = []
    for action, prior in proposals:
        nodes = tree.children_by(tree.root, action)
        visits = full = 0
        value_sum = conf_sum = full_sum = 0.0
        best: float | None = None
        for n in nodes:
            d = tree.data(n)
            visits += d["visits"]
            value_sum += d["value"] * d["visits"]
            conf_sum += d["confidence"] * d["visits"]
            full += d["full_visits"]
            full_sum += d["full_value"] * d["full_visits"]
            if d["visits"] and (best is None or d["best"] > best):
                best = d["best"]
        out.append(
            Candidate(
                action=action,
                prior=prior,
                nodes=tuple(nodes),
                visits=visits,
                value=value_sum / visits if visits else None,
                best=best,
                confidence=conf_sum / visits if visits else None,
                full_visits=full,
                full_value=full_sum / full if full else None,
            )
        )
    return out


def _metric(c: Candidate[A], by: ChooseBy) -> tuple[float, ...]:
    if by == "visits":
        return (c.visits, c.value if c.value is not None else -1.0, c.prior)
    value = c.best if by == "max" else c.value
    return (value is not None, value if value is not None else -1.0, c.prior)


def choose(cands: list[Candidate[A]], by: ChooseBy) -> Candidate[A] | None:
    """The best candidate by ``by``; ties (and unscored candidates) fall back to prior,
    then to proposal order."""
    if not cands:
        return None
    return max(cands, key=lambda c: _metric(c, by))  # max keeps the first of equals


def early_stop(
    cands: list[Candidate[A]], options: PlannerOptions
) -> tuple[StopReason, Candidate[A]] | None:
    """``confident`` when the best horizon score beats the runner-up by ``stop_margin`` with
    ``stop_confidence``; ``agree`` when all horizon scores lie within ``agree_tolerance``.
    Only once every candidate has ``stop_min_samples`` evaluations at the horizon."""
    if not options.early_stop or not cands:
        return None
    if any(c.full_visits < options.stop_min_samples for c in cands):
        return None
    ranked = sorted(cands, key=lambda c: (c.full_value, c.prior), reverse=True)
    best = ranked[0]
    if len(ranked) == 1:
        return StopReason.CONFIDENT, best
    values = [c.full_value or 0.0 for c in ranked]
    if (
        values[0] - values[1] >= options.stop_margin
        and (best.confidence or 0.0) >= options.stop_confidence
    ):
        return StopReason.CONFIDENT, best
    if values[0] - values[-1] <= options.agree_tolerance:
        return StopReason.AGREE, best
    return None


def best_leaf(tree: SearchTree[Any, A], cand: Candidate[A], by: str) -> int | None:
    """The end of ``cand``'s best imagined path, following ``by`` (``best`` or ``visits``)."""
    if not cand.nodes:
        return None
    start = max(cand.nodes, key=lambda n: (tree.data(n)[by], tree.data(n)["visits"]))
    return tree.principal_leaf(start, by)
