"""Our model-free drafter for world-model rollouts, as a llama-cpp-python draft model.

llama-cpp-python calls a draft model with the token ids so far (prompt and output) after
every verification, and verifies what it returns in one batch (``Llama.generate``): each
position is sampled with the target's own sampler, and a draft token is kept only while
the sample equals it. So a sampled output keeps the target's distribution, and greedy
output equals decoding without a draft, up to one caveat: llama.cpp computes a batch's
logits with different rounding than one token's, so where two tokens nearly tie (seen
in the 0.5B model's repetition loops) the greedy choice can flip, with any draft model.

The drafter proposes the continuation of the longest, most recent earlier occurrence of
the sequence's suffix, from three sources:

- ``context``: the request itself (the page in the prompt, and the output so far);
- ``sibling``: outputs of earlier requests whose prompt shares most of this one's (other
  actions imagined on the same page);
- ``history``: other recent outputs.

One instance serves many requests: it tells a new request from the growth of the current
one, cuts its context index back to the prefix both share and indexes only what is new,
and files the finished output in memory. :class:`~.policy.DraftPolicy` picks the length.
"""

from __future__ import annotations

import zlib
from collections import deque
from typing import Any

import numpy as np
import numpy.typing as npt

from forethought.worldmodel.drafting.index import (
    GRAMS,
    ContextIndex,
    Hasher,
    MemoryIndex,
    Tokens,
    common_prefix,
    match_length,
)
from forethought.worldmodel.drafting.policy import DraftPolicy

Ids = npt.NDArray[np.intc]
EMPTY: Ids = np.zeros(0, dtype=np.intc)


class RequestAwareDraft:
    """Base for draft models that keep state per request across llama-cpp-python calls.

    Within one request each call's ids extend the previous call's by the accepted draft
    tokens plus one sampled token; anything else starts a new request.
    """

    #: Tokens compared at the boundary with the previous call.
    CHECK = 32

    def __init__(self) -> None:
        self._seen = 0
        self._drafted = 0
        self._boundary: npt.NDArray[np.intc] = EMPTY
        #: Where the last draft came from (``None`` for no draft), for the simulator.
        self.last_source: str | None = None

    def __call__(self, input_ids: Ids, /, **kwargs: Any) -> Ids:
        n = int(input_ids.shape[0])
        if self._continues(input_ids):
            self.advance(input_ids, accepted=min(self._drafted, n - self._seen - 1))
        else:
            self.start(input_ids)
        draft = np.asarray(self.propose(input_ids), dtype=np.intc)
        self._seen, self._drafted = n, int(draft.shape[0])
        self._boundary = input_ids[-self.CHECK :].copy()
        return draft

    def _continues(self, ids: Ids) -> bool:
        n, seen = ids.shape[0], self._seen
        if not seen or not seen < n <= seen + self._drafted + 1:
            return False
        return bool(np.array_equal(ids[seen - self._boundary.shape[0] : seen], self._boundary))

    def start(self, ids: Ids) -> None:
        """A new request: ``ids`` is its prompt and its first sampled token."""

    def advance(self, ids: Ids, accepted: int) -> None:
        """The same request grew; ``accepted`` tokens of the last draft were kept."""

    def propose(self, ids: Ids) -> npt.ArrayLike:
        raise NotImplementedError


class SuffixDrafter(RequestAwareDraft):
    """Longest-match drafting from context, siblings and history, with adaptive length.

    Args:
        policy: chooses draft lengths (default: the CPU cost model).
        grams: n-gram sizes indexed; a match needs at least ``min(grams)`` tokens.
        sibling_share: an earlier request is a sibling when its prompt shares at least
            this fraction of the current prompt as a prefix.
        recent: how many earlier prompts are compared to find siblings.
        memory_tokens: capacity of the output memory.
        prompt_tail: prompt tokens filed before each output (the end of the instructions
            and the chat template's assistant header), so that an output's first tokens
            match a sibling's from the start.
        kind_window: requests share acceptance statistics when their prompts hold the
            same tokens in this window (start, end) counted from the prompt's end: the
            role's instructions (e.g. one world-model format), before the varying part
            (the action) and the chat template's tail.
        agreement: a context match is *split* (learned apart) when fewer than this share
            of its recent occurrences continue like the latest one.
        max_match: match lengths are measured up to this many tokens.
    """

    def __init__(
        self,
        policy: DraftPolicy | None = None,
        *,
        grams: tuple[int, ...] = GRAMS,
        sibling_share: float = 0.6,
        recent: int = 32,
        memory_tokens: int = 1 << 16,
        prompt_tail: int = 32,
        kind_window: tuple[int, int] = (80, 32),
        max_match: int = 256,
        agreement: float = 0.75,
    ) -> None:
        super().__init__()
        self.policy = policy or DraftPolicy()
        self.hasher = Hasher(grams)
        self.context = ContextIndex(self.hasher)
        self.memory = MemoryIndex(self.hasher, memory_tokens)
        self.sibling_share = sibling_share
        self.prompt_tail = prompt_tail
        self.kind_window = kind_window
        self.agreement = agreement
        self.max_match = max_match
        self._recent: deque[tuple[int, Tokens]] = deque(maxlen=recent)
        self._request = -1
        self._prompt_len = 0
        self._siblings: set[int] = set()
        self._pending: tuple[str, int, bool] | None = None  # the last draft's policy cell

    def start(self, ids: Ids) -> None:
        if self._request >= 0:
            self._file_output()
        shared = common_prefix(self.context.tokens, ids)
        self.context.truncate(shared)
        self.context.extend(ids[shared:])
        self._request += 1
        self._prompt_len = ids.shape[0] - 1
        prompt = ids[: self._prompt_len]
        need = self.sibling_share * self._prompt_len
        self._siblings = {r for r, p in self._recent if common_prefix(p, prompt) >= need}
        self._pending = None
        start, end = self.kind_window
        self.policy.use(zlib.crc32(prompt[-start:-end].tobytes()))

    def advance(self, ids: Ids, accepted: int) -> None:
        if self._pending is not None and self._drafted:
            source, match, split = self._pending
            self.policy.observe(source, match, self._drafted, accepted, split)
        self.context.extend(ids[self.context.n :])

    def propose(self, ids: Ids) -> Ids:
        keys = self.hasher.suffix(ids)
        best: tuple[float, int, tuple[str, int, bool], Tokens] | None = None
        longest: tuple[tuple[str, int, bool], Tokens] | None = None
        for cell, pos, end, tokens in self._candidates(ids, keys):
            source, match, split = cell
            k, gain = self.policy.plan(source, match, end - pos, split)
            if best is None or gain > best[0]:
                best = (gain, k, cell, tokens[pos : pos + k])
            if longest is None or match > longest[0][1]:
                longest = (cell, tokens[pos:end])
        self.last_source, self._pending = None, None
        if best is None or longest is None:
            return EMPTY
        _, k, cell, draft = best
        if k == 0:  # nothing pays: draft nothing, or a short probe now and then
            cell, rest = longest
            draft = rest[: self.policy.skip_or_probe(*cell)]
        if draft.shape[0]:
            self.last_source, self._pending = cell[0], cell
        return draft.astype(np.intc)

    def _candidates(self, ids: Ids, keys: list[int | None]):
        """The best match in the context and in memory.

        Yields ((source, match length, split), position, end of source, source tokens).
        """
        ctx = self.context
        found = self._longest(ids, keys, ctx.lookup, ctx.tokens, lambda pos: 0)
        if found is not None:
            col, pos, match = found
            split = ctx.agreement(col, keys[col]) < self.agreement  # type: ignore[arg-type]
            yield ("context", match, split), pos, ctx.n, ctx.tokens
        memory = self.memory
        found = self._longest(
            ids, keys, memory.lookup, memory.tokens, lambda pos: memory.segment_at(pos).start
        )
        if found is not None:
            _, pos, match = found
            seg = memory.segment_at(pos)
            source = "sibling" if seg.request in self._siblings else "history"
            yield (source, match, False), pos, seg.end, memory.tokens

    def _longest(self, ids: Ids, keys: list[int | None], lookup, tokens: Tokens, floor_of):
        """(gram column, continuation position, match length) of the longest match, or None."""
        for col in range(len(keys) - 1, -1, -1):
            key = keys[col]
            if key is None:
                continue
            pos = lookup(col, key)
            if pos is None:
                continue
            match = match_length(tokens, pos, ids, floor_of(pos), self.max_match)
            if match >= self.hasher.grams[col]:  # not a hash collision
                return col, pos, match
        return None

    def _file_output(self) -> None:
        """Move the finished request's output (as far as it was seen) into memory."""
        tokens = self.context.tokens
        start = max(self._prompt_len - self.prompt_tail, 0)
        self.memory.add(tokens[start:], self._request)
        self._recent.append((self._request, tokens[: self._prompt_len].copy()))
