"""How many tokens to draft: expected goodput under a verification cost model (SmartSpec).

Each (source, match-length bucket) cell keeps a decayed Beta estimate of ``p``, the
chance that the next draft token is accepted given the previous one was. Drafting ``k``
tokens then yields ``1 + p + p^2 + ... + p^k`` tokens for the cost of verifying ``k``
tokens, ``cost[k]`` model steps. The policy drafts the ``k`` with the best ratio, and
nothing when no ``k`` beats a plain step: on a CPU, where verifying ``k`` tokens costs
nearly ``k`` steps, only long and likely drafts pay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

SOURCES: tuple[str, ...] = ("context", "sibling", "history")

#: Milliseconds to verify a batch of ``b`` tokens with the 0.5B model on 2 CPU cores
#: (logits for every position), from ANCHORS.md: b=1 is a plain decoding step.
CPU_BATCH_MS: tuple[tuple[int, float], ...] = ((1, 27.0), (8, 113.0), (16, 192.0), (32, 340.0))
#: A GPU at batch 1 is memory-bound: verifying a few more tokens is nearly free.
GPU_BATCH_MS: tuple[tuple[int, float], ...] = ((1, 10.0), (64, 11.5))

#: Lower bounds of the match-length buckets (tokens matched before the draft).
BUCKETS: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128)
#: Prior acceptance chance per bucket: longer matches are likelier copies.
PRIOR_P: tuple[float, ...] = (0.5, 0.65, 0.8, 0.9, 0.95, 0.975, 0.985)


def relative_costs(
    batch_ms: tuple[tuple[int, float], ...], max_draft: int
) -> npt.NDArray[np.float64]:
    """``cost[k]``: model steps to verify ``k`` draft tokens (a batch of ``k + 1``)."""
    sizes, ms = zip(*batch_ms, strict=True)
    batch = np.arange(1, max_draft + 2, dtype=np.float64)
    slope = (ms[-1] - ms[-2]) / (sizes[-1] - sizes[-2])
    cost = np.interp(batch, sizes, ms)
    beyond = batch > sizes[-1]
    cost[beyond] = ms[-1] + slope * (batch[beyond] - sizes[-1])
    return cost / ms[0]


def bucket_of(match_len: int) -> int:
    """Index of the bucket holding ``match_len`` (which is at least ``BUCKETS[0]``)."""
    return min(max(match_len.bit_length() - 2, 0), len(BUCKETS) - 1)


@dataclass
class _Cell:
    hits: float
    misses: float
    best_k: npt.NDArray[np.int64]  # best draft length with at most c tokens, per c
    best_gain: npt.NDArray[np.float64]
    skipped: int = 0


class DraftPolicy:
    """Chooses the draft length per match and learns from what was accepted.

    Args:
        batch_ms: verification cost table ``((batch size, ms), ...)``.
        max_draft: longest draft ever proposed.
        length_factor: a match of ``m`` tokens drafts at most ``length_factor * m + 2``.
        prior: acceptance chance assumed per bucket before any observation.
        prior_weight: pseudo-observations behind each prior.
        decay: weight kept by old observations at each new one (adapts to drift).
        probe_every: after this many skipped drafts in a cell, draft two tokens anyway so
            a cell that stopped paying can recover.
        kinds: how many kinds of request (see :meth:`use`) keep their own statistics.
    """

    def __init__(
        self,
        batch_ms: tuple[tuple[int, float], ...] = CPU_BATCH_MS,
        *,
        max_draft: int = 32,
        length_factor: float = 2.0,
        prior: tuple[float, ...] = PRIOR_P,
        prior_weight: float = 8.0,
        decay: float = 0.97,
        probe_every: int = 16,
        kinds: int = 64,
    ) -> None:
        self.max_draft = max_draft
        self.length_factor = length_factor
        self.decay = decay
        self.probe_every = probe_every
        self.cost = relative_costs(batch_ms, max_draft)
        self._prior = {
            (source, b, split): self._cell(prior_weight * p, prior_weight * (1 - p))
            for source in SOURCES
            for b, p in enumerate(prior)
            for split in (False, True)
        }
        self._kinds: dict[int, dict[tuple[str, int, bool], _Cell]] = {}
        self._max_kinds = kinds
        self.cells = dict(self._prior)

    def use(self, kind: int) -> None:
        """Switch to the statistics of one kind of request (e.g. one prompt template).

        World-model formats differ widely in how much they copy: a ``full`` page is
        mostly copied, an ``nl`` description hardly. Each kind learns on its own.
        """
        if self._max_kinds <= 0:  # one table for every request
            return
        cells = self._kinds.pop(kind, None)
        if cells is None:
            cells = dict(self._prior)
            if len(self._kinds) >= self._max_kinds:  # forget the least recently used
                self._kinds.pop(next(iter(self._kinds)))
        self._kinds[kind] = cells
        self.cells = cells

    def plan(
        self, source: str, match_len: int, available: int, split: bool = False
    ) -> tuple[int, float]:
        """(draft length, expected tokens per model step) for a match; (0, 1.0) to skip.

        ``split``: earlier occurrences of the match disagree on what comes next.
        """
        cap = min(available, self.max_draft, int(self.length_factor * match_len) + 2)
        if cap <= 0:
            return 0, 1.0
        cell = self.cells[(source, bucket_of(match_len), split)]
        return int(cell.best_k[cap]), float(cell.best_gain[cap])

    def skip_or_probe(self, source: str, match_len: int, split: bool = False) -> int:
        """Called when the best plan drafts nothing: the probe length (usually 0)."""
        cell = self.cells[(source, bucket_of(match_len), split)]
        cell.skipped += 1
        if self.probe_every and cell.skipped % self.probe_every == 0:
            return 2
        return 0

    def observe(
        self, source: str, match_len: int, drafted: int, accepted: int, split: bool = False
    ) -> None:
        """Record a verified draft: ``accepted`` of its ``drafted`` tokens were kept."""
        key = (source, bucket_of(match_len), split)
        old = self.cells[key]
        missed = 1.0 if accepted < drafted else 0.0
        self.cells[key] = self._cell(
            old.hits * self.decay + accepted, old.misses * self.decay + missed, old.skipped
        )

    def acceptance(self, source: str, match_len: int, split: bool = False) -> float:
        cell = self.cells[(source, bucket_of(match_len), split)]
        return cell.hits / (cell.hits + cell.misses)

    def _cell(self, hits: float, misses: float, skipped: int = 0) -> _Cell:
        p = hits / (hits + misses)
        tokens = 1.0 + np.concatenate([[0.0], np.cumsum(p ** np.arange(1, self.max_draft + 1))])
        gain = tokens / self.cost
        best_gain = np.maximum.accumulate(gain)  # best over 0..c, for every cap c
        record = gain > np.concatenate([[-np.inf], best_gain[:-1]])
        best_k = np.maximum.accumulate(np.where(record, np.arange(gain.shape[0]), 0))
        return _Cell(hits, misses, best_k, best_gain, skipped)
