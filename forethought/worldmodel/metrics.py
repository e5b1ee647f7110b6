"""vLLM's speculative-decoding counters, read from its Prometheus ``/metrics`` page.

vLLM (V1) counts, per engine and model (as labels):

- ``vllm:spec_decode_num_drafts_total``: verification steps that carried a draft;
- ``vllm:spec_decode_num_draft_tokens_total``: tokens drafted;
- ``vllm:spec_decode_num_accepted_tokens_total``: draft tokens accepted;
- ``vllm:spec_decode_num_accepted_tokens_per_pos_total{position="i"}``: accepted at
  draft position ``i``.

From them: acceptance rate = accepted / draft tokens, and mean acceptance length =
1 + accepted / drafts (the bonus token every step samples, plus the accepted ones).
Counters are cumulative since the server started: scrape before and after a run and
take the difference (:meth:`SpecDecodeMetrics.since`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import httpx

from forethought.worldmodel.usage import Usage

PREFIX = "vllm:spec_decode_"
DRAFTS = PREFIX + "num_drafts_total"
DRAFT_TOKENS = PREFIX + "num_draft_tokens_total"
ACCEPTED = PREFIX + "num_accepted_tokens_total"
PER_POSITION = PREFIX + "num_accepted_tokens_per_pos_total"

_SAMPLE = re.compile(
    r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})?\s+(?P<value>\S+)(?:\s+\S+)?$"
)
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')

Sample = tuple[dict[str, str], float]


def parse_prometheus(text: str) -> dict[str, list[Sample]]:
    """Samples by metric name from Prometheus text exposition (comments skipped)."""
    samples: dict[str, list[Sample]] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            continue
        try:
            value = float(m["value"])
        except ValueError:
            continue
        labels = {
            k: v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
            for k, v in _LABEL.findall(m["labels"] or "")
        }
        samples.setdefault(m["name"], []).append((labels, value))
    return samples


@dataclass(frozen=True)
class SpecDecodeMetrics:
    """vLLM's speculative counters (summed over engines) and what follows from them."""

    drafts: float = 0.0
    draft_tokens: float = 0.0
    accepted_tokens: float = 0.0
    accepted_per_position: tuple[float, ...] = field(default_factory=tuple)

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted_tokens / self.draft_tokens if self.draft_tokens else None

    @property
    def mean_acceptance_length(self) -> float | None:
        return 1.0 + self.accepted_tokens / self.drafts if self.drafts else None

    def position_rates(self) -> list[float]:
        """Acceptance at each draft position: accepted there / drafts."""
        return [a / self.drafts for a in self.accepted_per_position] if self.drafts else []

    def since(self, earlier: SpecDecodeMetrics) -> SpecDecodeMetrics:
        """The counts accumulated after ``earlier`` was scraped."""
        n = max(len(self.accepted_per_position), len(earlier.accepted_per_position))
        now = self.accepted_per_position + (0.0,) * (n - len(self.accepted_per_position))
        then = earlier.accepted_per_position + (0.0,) * (n - len(earlier.accepted_per_position))
        return SpecDecodeMetrics(
            self.drafts - earlier.drafts,
            self.draft_tokens - earlier.draft_tokens,
            self.accepted_tokens - earlier.accepted_tokens,
            tuple(a - b for a, b in zip(now, then, strict=True)),
        )

    def as_dict(self) -> dict[str, float | None]:
        """The usage report's ``speculative`` entry."""
        return {
            "drafts": self.drafts,
            "draft_tokens": self.draft_tokens,
            "accepted_tokens": self.accepted_tokens,
            "acceptance_rate": self.acceptance_rate,
            "mean_acceptance_length": self.mean_acceptance_length,
        }

    def usage(self) -> Usage:
        """The counters as a :class:`Usage` record to add to a run's total."""
        return Usage(draft_tokens=int(self.draft_tokens), accepted_tokens=int(self.accepted_tokens))


def spec_decode_metrics(text: str, model: str | None = None) -> SpecDecodeMetrics | None:
    """The counters in a ``/metrics`` page; ``None`` when the server does not speculate.

    ``model`` keeps only samples labelled with that ``model_name``.
    """
    samples = parse_prometheus(text)
    if DRAFT_TOKENS not in samples and DRAFTS not in samples:
        return None

    def keep(labels: dict[str, str]) -> bool:
        return model is None or labels.get("model_name", model) == model

    def total(name: str) -> float:
        return math.fsum(v for labels, v in samples.get(name, []) if keep(labels))

    positions: dict[int, float] = {}
    for labels, value in samples.get(PER_POSITION, []):
        if keep(labels) and labels.get("position", "").isdigit():
            pos = int(labels["position"])
            positions[pos] = positions.get(pos, 0.0) + value
    per_position = tuple(positions.get(i, 0.0) for i in range(max(positions, default=-1) + 1))
    return SpecDecodeMetrics(total(DRAFTS), total(DRAFT_TOKENS), total(ACCEPTED), per_position)


def metrics_url(base_url: str) -> str:
    """``/metrics`` beside an OpenAI-compatible base URL (``http://host:8000/v1``)."""
    root = base_url.rstrip("/")
    root = root.removesuffix("/v1")
    return root + "/metrics"


async def scrape_vllm_metrics(
    base_url: str,
    *,
    model: str | None = None,
    client: httpx.AsyncClient | None = None,
    timeout: float = 5.0,
) -> SpecDecodeMetrics | None:
    """Fetch and parse a vLLM server's speculative counters.

    Returns ``None`` when the server exposes none (speculation off, or not vLLM); raises
    ``httpx.HTTPError`` when ``/metrics`` cannot be read.
    """
    url = metrics_url(base_url)
    if client is not None:
        resp = await client.get(url, timeout=timeout)
    else:
        async with httpx.AsyncClient() as own:
            resp = await own.get(url, timeout=timeout)
    resp.raise_for_status()
    return spec_decode_metrics(resp.text, model)
