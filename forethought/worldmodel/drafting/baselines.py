"""Drafters we compare against: llama.cpp's prompt lookup and ArcticInference's suffix cache."""

from __future__ import annotations

from typing import Any

import numpy as np

from forethought.worldmodel.drafting.drafter import EMPTY, Ids, RequestAwareDraft


def prompt_lookup(num_pred_tokens: int = 10) -> Any:
    """llama-cpp-python's ``LlamaPromptLookupDecoding``: first n-gram match, fixed length."""
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    return LlamaPromptLookupDecoding(num_pred_tokens=num_pred_tokens)


def arctic_available() -> bool:
    try:
        import arctic_inference.suffix_decoding  # noqa: F401
    except ImportError:
        return False
    return True


class ArcticSuffixDraft(RequestAwareDraft):
    """``arctic_inference``'s ``SuffixDecodingCache`` as a llama-cpp-python draft model.

    Settings default to vLLM's ``suffix`` method: tree depth 24, at most 32 tokens,
    ``max_spec_factor`` 1.0, ``min_token_prob`` 0.1. Finished responses stay in its global
    tree, so later requests draft from earlier ones (siblings and history alike).
    """

    def __init__(
        self,
        max_tree_depth: int = 24,
        max_spec_tokens: int = 32,
        max_spec_factor: float = 1.0,
        min_token_prob: float = 0.1,
    ) -> None:
        super().__init__()
        from arctic_inference.suffix_decoding import SuffixDecodingCache

        self.cache = SuffixDecodingCache(max_tree_depth=max_tree_depth)
        self.depth = max_tree_depth
        self.settings = (max_spec_tokens, max_spec_factor, 0.0, min_token_prob)
        self._request = -1
        self._length = 0

    def start(self, ids: Ids) -> None:
        if self._request >= 0:
            self.cache.stop_request(self._request)
        self._request += 1
        tokens = np.ascontiguousarray(ids, dtype=np.int32)
        self.cache.start_request(self._request, tokens[:-1])
        self.cache.add_active_response(self._request, tokens[-1:])
        self._length = tokens.shape[0]

    def advance(self, ids: Ids, accepted: int) -> None:
        new = np.ascontiguousarray(ids[self._length :], dtype=np.int32)
        self.cache.add_active_response(self._request, new)
        self._length = ids.shape[0]

    def propose(self, ids: Ids) -> Ids:
        context = np.ascontiguousarray(ids[-self.depth :], dtype=np.int32)
        draft = self.cache.speculate(self._request, context, *self.settings)
        self.last_source = "suffix-tree" if draft.token_ids else None
        return np.asarray(draft.token_ids, dtype=np.intc) if draft.token_ids else EMPTY
