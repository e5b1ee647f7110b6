"""Draft models for the embedded engine, chosen by ``--spec``, and their acceptance meter.

llama-cpp-python calls a draft model with the token ids so far and verifies what it
returns in one batch. Greedy output equals decoding without a draft up to the rounding of
llama.cpp's batched kernels (a near-tie can flip); the engine's ``exact`` mode removes
even that (see :class:`~forethought.worldmodel.serving.embedded.EmbeddedEngine`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

#: Speculative modes of the embedded engine, in ``--spec``'s spelling.
SPEC_MODES: dict[str, Callable[[], Any] | None] = {}


def _prompt_lookup() -> Any:
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    return LlamaPromptLookupDecoding(num_pred_tokens=10)


def _ours() -> Any:
    from forethought.worldmodel.drafting import SuffixDrafter

    return SuffixDrafter()


SPEC_MODES["off"] = None
SPEC_MODES["prompt-lookup"] = _prompt_lookup
# Our drafter: longest recent match from the context, sibling rollouts and history, with
# a draft length chosen by expected goodput (forethought.worldmodel.drafting). One
# instance lives as long as the engine, so siblings and history carry across requests.
SPEC_MODES["ours"] = _ours
DEFAULT_SPEC = "ours"


def register_spec(name: str, factory: Callable[[], Any]) -> None:
    """Add a speculative mode (a factory for a llama-cpp-python draft model)."""
    SPEC_MODES[name] = factory


@dataclass
class AcceptanceStats:
    drafts: int = 0
    draft_tokens: int = 0
    accepted_tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "drafts": self.drafts,
            "draft_tokens": self.draft_tokens,
            "accepted_tokens": self.accepted_tokens,
        }


class MeteredDraft:
    """Wraps a draft model and counts drafted and accepted tokens per request.

    llama-cpp-python calls the draft model after each verification with the ids so far.
    Between two calls the sequence grows by the accepted draft tokens plus one sampled
    token, which gives the acceptance of the previous draft exactly. The last draft of a
    request is never verified by a later call, so it is left out of the counts.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.stats = AcceptanceStats()
        self._pending: tuple[int, int] | None = None  # (length at call, draft length)

    def begin(self) -> None:
        self.stats = AcceptanceStats()
        self._pending = None

    def __call__(self, input_ids: npt.NDArray[np.intc], /, **kwargs: Any) -> npt.NDArray[np.intc]:
        length = int(input_ids.shape[0])
        if self._pending is not None:
            before, drafted = self._pending
            if drafted and length > before:
                self.stats.drafts += 1
                self.stats.draft_tokens += drafted
                self.stats.accepted_tokens += min(drafted, length - before - 1)
        draft = np.asarray(self.inner(input_ids, **kwargs), dtype=np.intc)
        self._pending = (length, int(draft.shape[0]))
        return draft


class CappedDraft:
    """Passes on at most ``limit`` tokens of another draft model's proposal."""

    def __init__(self, inner: Any, limit: int) -> None:
        self.inner = inner
        self.limit = limit

    def __call__(self, input_ids: npt.NDArray[np.intc], /, **kwargs: Any) -> npt.NDArray[np.intc]:
        return np.asarray(self.inner(input_ids, **kwargs), dtype=np.intc)[: self.limit]

    def __getattr__(self, name: str) -> Any:  # e.g. ``last_source``, for the simulator
        return getattr(self.inner, name)
