"""Log-likelihoods of many continuations of one prompt, read in one cached pass.

The prompt is read once; each continuation then costs only the tokens it does not share
with the one before it. Continuations are read in sorted token order, so that those that
share a beginning (``"[12] button 'Go'", "actions": ["click(12)"`` and ``... ["hover(12)"``)
read it once: a trie walked depth first, on llama.cpp's one KV cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """How many tokens ``a`` and ``b`` share from their start."""
    n = min(len(a), len(b))
    differ = np.flatnonzero(np.asarray(a[:n]) != np.asarray(b[:n]))
    return int(differ[0]) if len(differ) else n


def continuation_logprobs(
    llama: Any, sequences: list[list[int]], positions: list[list[int]]
) -> tuple[list[float], int]:
    """For each token sequence (the same prompt, then a continuation), the sum of the log
    probabilities of its tokens at ``positions`` (each given those before it); and how
    many tokens were read. ``llama`` is a ``llama_cpp.Llama`` made with ``logits_all``:
    every read position keeps its logits, so a beginning already in the cache (from this
    call or an earlier one) is not read again."""
    values = [0.0] * len(sequences)
    read = 0
    for i in sorted(range(len(sequences)), key=lambda j: sequences[j]):
        seq = sequences[i]
        # Row p of ``scores`` holds the logits after token p: those of a shared,
        # cached beginning are still right.
        keep = common_prefix(llama.input_ids[: llama.n_tokens], seq)
        if keep < len(seq):
            llama.n_tokens = keep
            llama.eval(seq[keep:])
            read += len(seq) - keep
        at = np.asarray(positions[i], dtype=np.intp)
        values[i] = _sum_logprobs(llama.scores[at - 1], [seq[p] for p in at])
    return values, read


def _sum_logprobs(rows: np.ndarray, tokens: Sequence[int]) -> float:
    if not len(tokens):
        return 0.0
    rows = rows.astype(np.float64)
    top = rows.max(axis=1, keepdims=True)
    norm = np.log(np.exp(rows - top).sum(axis=1)) + top[:, 0]
    return float((rows[np.arange(len(tokens)), list(tokens)] - norm).sum())
