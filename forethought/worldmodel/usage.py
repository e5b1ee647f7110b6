"""Usage accounting: one record per LLM call, summed per step, episode and run."""

from __future__ import annotations

from pydantic import BaseModel


class Usage(BaseModel):
    """Calls, tokens, time and speculative acceptance; ``+`` sums two records."""

    calls: int = 0
    prompt_tokens: int = 0
    #: Prompt tokens the server reused from its prefix cache (not read again).
    cached_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    draft_tokens: int = 0
    accepted_tokens: int = 0

    @property
    def read_tokens(self) -> int:
        """Prompt tokens the server really read."""
        return self.prompt_tokens - self.cached_tokens

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted_tokens / self.draft_tokens if self.draft_tokens else None

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            calls=self.calls + other.calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            seconds=self.seconds + other.seconds,
            draft_tokens=self.draft_tokens + other.draft_tokens,
            accepted_tokens=self.accepted_tokens + other.accepted_tokens,
        )

    @classmethod
    def from_response(cls, usage: object, seconds: float) -> Usage:
        """Read an OpenAI ``usage`` object (or dict), including the servers' extra fields."""
        data = _as_dict(usage)
        details = _as_dict(data.get("prompt_tokens_details"))
        spec = _as_dict(data.get("speculative"))
        return cls(
            calls=1,
            prompt_tokens=int(data.get("prompt_tokens") or 0),
            cached_tokens=int(details.get("cached_tokens") or 0),
            completion_tokens=int(data.get("completion_tokens") or 0),
            seconds=seconds,
            draft_tokens=int(spec.get("draft_tokens") or 0),
            accepted_tokens=int(spec.get("accepted_tokens") or 0),
        )


def _as_dict(obj: object) -> dict:
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    dump = getattr(obj, "model_dump", None)
    return dump() if callable(dump) else {}
