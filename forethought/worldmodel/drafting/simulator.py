"""Replay a drafter on recorded rollouts, exactly as llama-cpp-python would call it.

For greedy decoding the target's output is fixed, so each verification keeps the longest
prefix of the draft that equals the recorded output; no model runs. The calls and the
counts mirror ``Llama.generate`` and :class:`~forethought.worldmodel.serving.drafters.
MeteredDraft`: the drafter sees the prompt plus every token sampled so far, generation
ends at the recorded output's last token, and a draft counts once a later call of the
same request has verified it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forethought.worldmodel.drafting.index import common_prefix
from forethought.worldmodel.drafting.policy import CPU_BATCH_MS, relative_costs

Drafter = Callable[..., Any]


@dataclass
class Rollout:
    """One recorded request: its prompt ids and every sampled token, the last included.

    When the request stopped on end-of-sequence, the end token is the output's last.
    """

    prompt: list[int]
    output: list[int]
    group: str = ""
    format: str = ""


@dataclass
class SimReport:
    """What one drafter achieved on a list of rollouts."""

    name: str
    requests: int = 0
    decode_tokens: int = 0  # tokens sampled after each request's first
    steps: int = 0  # verifications (model forward passes) while decoding
    drafts: int = 0
    draft_tokens: int = 0
    accepted_tokens: int = 0
    position_drafted: list[int] = field(default_factory=list)
    position_accepted: list[int] = field(default_factory=list)
    by_source: dict[str, list[int]] = field(default_factory=dict)  # source: [drafted, accepted]
    cost_steps: float = 0.0  # verification cost in plain decoding steps (cost model)
    calls: int = 0
    seconds: float = 0.0

    @property
    def acceptance_rate(self) -> float:
        return self.accepted_tokens / self.draft_tokens if self.draft_tokens else 0.0

    @property
    def mean_accepted_len(self) -> float:
        """vLLM's mean acceptance length: 1 + accepted tokens per draft."""
        return 1.0 + self.accepted_tokens / self.drafts if self.drafts else 1.0

    @property
    def tokens_per_step(self) -> float:
        return self.decode_tokens / self.steps if self.steps else 1.0

    @property
    def estimated_speedup(self) -> float:
        """Decoding speedup predicted by the cost model (plain decoding = 1 step/token)."""
        return self.decode_tokens / self.cost_steps if self.cost_steps else 1.0

    @property
    def us_per_call(self) -> float:
        return 1e6 * self.seconds / self.calls if self.calls else 0.0

    def counts(self) -> dict[str, int]:
        """The same three counts the embedded server reports in ``usage.speculative``."""
        return {
            "drafts": self.drafts,
            "draft_tokens": self.draft_tokens,
            "accepted_tokens": self.accepted_tokens,
        }

    def position_rates(self) -> list[float]:
        return [a / d for a, d in zip(self.position_accepted, self.position_drafted, strict=True)]

    def _count(self, draft: np.ndarray, accepted: int, source: str) -> None:
        k = draft.shape[0]
        self.drafts += 1
        self.draft_tokens += k
        self.accepted_tokens += accepted
        grow = k - len(self.position_drafted)
        if grow > 0:
            self.position_drafted += [0] * grow
            self.position_accepted += [0] * grow
        for j in range(k):
            self.position_drafted[j] += 1
            self.position_accepted[j] += j < accepted
        tally = self.by_source.setdefault(source, [0, 0])
        tally[0] += k
        tally[1] += accepted


def replay(
    drafter: Drafter,
    rollouts: Sequence[Rollout],
    *,
    name: str = "",
    batch_ms: tuple[tuple[int, float], ...] = CPU_BATCH_MS,
    n_ctx: int | None = None,
) -> SimReport:
    """Feed ``rollouts`` in order to one ``drafter`` (its state carries across them)."""
    report = SimReport(name or type(drafter).__name__)
    cost = relative_costs(batch_ms, 512)
    for rollout in rollouts:
        _replay_one(drafter, rollout, report, cost, n_ctx)
    return report


def _replay_one(
    drafter: Drafter, rollout: Rollout, report: SimReport, cost: np.ndarray, n_ctx: int | None
) -> None:
    ids = np.asarray([*rollout.prompt, *rollout.output], dtype=np.intc)
    prompt, total = len(rollout.prompt), len(rollout.output)
    report.requests += 1
    report.decode_tokens += max(total - 1, 0)
    known = 1  # output tokens sampled so far; the first comes from reading the prompt
    while known < total:  # the last known token was not the final one: llama drafts
        start = time.perf_counter()
        draft = np.asarray(drafter(ids[: prompt + known]), dtype=np.intc)
        report.seconds += time.perf_counter() - start
        report.calls += 1
        if n_ctx is not None:  # llama-cpp-python cuts drafts at the context's end
            draft = draft[: max(n_ctx - prompt - known, 0)]
        accepted = common_prefix(draft, ids[prompt + known : prompt + total])
        report.steps += 1
        report.cost_steps += float(cost[min(draft.shape[0], cost.shape[0] - 1)])
        known += accepted + 1
        if draft.shape[0] and known < total:  # a later call will have verified it
            report._count(draft, accepted, getattr(drafter, "last_source", None) or "context")


def table(reports: Sequence[SimReport], positions: int = 8) -> str:
    """A plain-text table of the reports, one row per drafter."""
    head = (
        f"{'drafter':<16}{'accept':>8}{'mean len':>9}{'tok/step':>9}{'est. x':>8}"
        f"{'us/call':>9}  acceptance at draft positions 1..{positions}"
    )
    rows = [head]
    for r in reports:
        rates = " ".join(f"{x:.2f}" for x in r.position_rates()[:positions])
        rows.append(
            f"{r.name:<16}{r.acceptance_rate:>8.2f}{r.mean_accepted_len:>9.2f}"
            f"{r.tokens_per_step:>9.2f}{r.estimated_speedup:>8.2f}{r.us_per_call:>9.0f}  {rates}"
        )
    rows.append("")
    rows.append(f"{'drafter':<16}{'source':<13}{'drafted':>9}{'accepted':>9}{'rate':>7}")
    for r in reports:
        for source, (drafted, accepted) in sorted(r.by_source.items()):
            rate = accepted / drafted if drafted else 0.0
            rows.append(f"{r.name:<16}{source:<13}{drafted:>9}{accepted:>9}{rate:>7.2f}")
    return "\n".join(rows)
