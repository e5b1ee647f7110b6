"""Hashed n-gram indexes over token ids, updated incrementally.

An n-gram of size ``g`` ending just before position ``i`` is keyed by a random linear hash
of its tokens read backwards (``sum(tokens[i-1-j] * W[j] for j < g)`` modulo 2**64), so the
keys of every size at one position come from one cumulative sum. A lookup returns the
continuation position ``i`` of the most recent occurrence; callers verify the tokens,
so a hash collision can only cost a missed draft, never a wrong claim of a match.

Only n-grams whose continuation token exists are indexed: the suffix being queried never
matches itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Tokens = npt.NDArray[np.int64]

#: n-gram sizes looked up, longest first at query time.
GRAMS: tuple[int, ...] = (2, 4, 8, 16, 32)


class Hasher:
    """Keys for the n-grams of every size in ``grams``."""

    def __init__(self, grams: tuple[int, ...] = GRAMS, seed: int = 0x5EED) -> None:
        self.grams = tuple(sorted(grams))
        self.span = self.grams[-1]
        rng = np.random.default_rng(seed)
        self.weights = rng.integers(0, 2**63, size=self.span, dtype=np.uint64) | np.uint64(1)
        self._cols = np.array([g - 1 for g in self.grams])

    def suffix(self, tokens: npt.NDArray[np.integer]) -> list[int | None]:
        """Keys of the n-grams ending at the end of ``tokens`` (None where it is too short)."""
        tail = tokens[-self.span :][::-1].astype(np.uint64)
        sums = (tail * self.weights[: tail.shape[0]]).cumsum().tolist()
        return [sums[g - 1] if g <= len(sums) else None for g in self.grams]

    def ending_at(self, buf: Tokens, ends: npt.NDArray[np.int64]) -> npt.NDArray[np.uint64]:
        """Keys (rows: ``ends``; columns: ``grams``) of the n-grams ending before ``ends``.

        Entries whose n-gram would start before ``buf[0]`` are garbage; callers mask them.
        """
        idx = ends[:, None] - 1 - np.arange(self.span)[None, :]
        rows = buf[np.maximum(idx, 0)].astype(np.uint64)
        return (rows * self.weights[None, :]).cumsum(axis=1)[:, self._cols]


class _Buffer:
    """A growable int64 token array."""

    def __init__(self, capacity: int = 4096) -> None:
        self.data: Tokens = np.zeros(capacity, dtype=np.int64)
        self.n = 0

    def append(self, tokens: npt.NDArray[np.integer]) -> None:
        need = self.n + tokens.shape[0]
        if need > self.data.shape[0]:
            grown = np.zeros(max(need, 2 * self.data.shape[0]), dtype=np.int64)
            grown[: self.n] = self.data[: self.n]
            self.data = grown
        self.data[self.n : need] = tokens
        self.n = need

    @property
    def view(self) -> Tokens:
        return self.data[: self.n]


def match_length(
    source: Tokens, pos: int, query: npt.NDArray[np.integer], floor: int, cap: int
) -> int:
    """How many tokens before ``source[pos]`` (from ``floor`` on) equal the end of ``query``."""
    n = min(pos - floor, query.shape[0], cap)
    if n <= 0:
        return 0
    same = source[pos - n : pos][::-1] == query[-n:][::-1]
    return n if same.all() else int(np.argmin(same))


class ContextIndex:
    """The current request's tokens; every occurrence kept, so it can be cut back exactly.

    Each key maps to the ascending list of its continuation positions, so cutting the
    sequence back to a shared prefix (a sibling request) pops only what was removed.
    """

    def __init__(self, hasher: Hasher) -> None:
        self.hasher = hasher
        self.buf = _Buffer()
        self.table: list[dict[int, list[int]]] = [{} for _ in hasher.grams]

    @property
    def n(self) -> int:
        return self.buf.n

    @property
    def tokens(self) -> Tokens:
        return self.buf.view

    def extend(self, tokens: npt.NDArray[np.integer]) -> None:
        old = self.buf.n
        self.buf.append(tokens)
        # Positions old .. n-1 now hold a token, so the n-grams before them are indexed.
        self._apply(np.arange(max(old, 1), self.buf.n, dtype=np.int64), add=True)

    def truncate(self, n: int) -> None:
        if n >= self.buf.n:
            return
        self._apply(np.arange(self.buf.n - 1, max(n, 1) - 1, -1, dtype=np.int64), add=False)
        self.buf.n = n

    def lookup(self, gram: int, key: int) -> int | None:
        found = self.table[gram].get(key)
        return found[-1] if found else None

    def agreement(self, gram: int, key: int, recent: int = 16) -> float:
        """Share of the n-gram's recent occurrences followed by the latest one's next token."""
        found = self.table[gram].get(key)
        if not found or len(found) == 1:
            return 1.0
        nexts = self.buf.data[found[-recent:]]
        return float(np.count_nonzero(nexts == nexts[-1])) / nexts.shape[0]

    def _apply(self, ends: npt.NDArray[np.int64], *, add: bool) -> None:
        if ends.shape[0] == 0:
            return
        keys = self.hasher.ending_at(self.buf.data, ends)
        for col, g in enumerate(self.hasher.grams):
            table = self.table[col]
            valid = ends >= g
            for key, pos in zip(keys[valid, col].tolist(), ends[valid].tolist(), strict=True):
                if add:
                    table.setdefault(key, []).append(pos)
                else:
                    stack = table[key]
                    stack.pop()
                    if not stack:
                        del table[key]


@dataclass
class Segment:
    start: int
    end: int
    request: int


class MemoryIndex:
    """Finished outputs of earlier requests, as segments; most recent occurrence per key.

    When it holds more than ``capacity`` tokens the oldest half of the segments is dropped
    and the rest re-indexed.
    """

    def __init__(self, hasher: Hasher, capacity: int = 1 << 16) -> None:
        self.hasher = hasher
        self.capacity = capacity
        self.buf = _Buffer(capacity)
        self.table: list[dict[int, int]] = [{} for _ in hasher.grams]
        self.segments: list[Segment] = []
        self._starts: list[int] = []

    @property
    def tokens(self) -> Tokens:
        return self.buf.view

    def add(self, tokens: npt.NDArray[np.integer], request: int) -> None:
        """Index one finished output (with a few prompt tokens before it to match into it)."""
        if tokens.shape[0] < 2:
            return
        if self.buf.n + tokens.shape[0] > self.capacity:
            self._evict()
        start = self.buf.n
        self.buf.append(tokens)
        self._index(Segment(start, self.buf.n, request))

    def lookup(self, gram: int, key: int) -> int | None:
        return self.table[gram].get(key)

    def segment_at(self, pos: int) -> Segment:
        lo, hi = 0, len(self._starts)
        while hi - lo > 1:  # the last segment starting at or before pos
            mid = (lo + hi) // 2
            if self._starts[mid] <= pos:
                lo = mid
            else:
                hi = mid
        return self.segments[lo]

    def _index(self, seg: Segment) -> None:
        self.segments.append(seg)
        self._starts.append(seg.start)
        ends = np.arange(seg.start + 1, seg.end, dtype=np.int64)
        keys = self.hasher.ending_at(self.buf.data, ends)
        for col, g in enumerate(self.hasher.grams):
            valid = ends - g >= seg.start
            self.table[col].update(
                zip(keys[valid, col].tolist(), ends[valid].tolist(), strict=True)
            )

    def _evict(self) -> None:
        keep = self.segments[len(self.segments) // 2 :]
        parts = [self.buf.data[s.start : s.end].copy() for s in keep]
        self.buf.n = 0
        self.table = [{} for _ in self.hasher.grams]
        self.segments, self._starts = [], []
        for seg, part in zip(keep, parts, strict=True):
            start = self.buf.n
            self.buf.append(part)
            self._index(Segment(start, self.buf.n, seg.request))


def common_prefix(a: npt.NDArray[np.integer], b: npt.NDArray[np.integer]) -> int:
    """Length of the longest common prefix of two token arrays."""
    n = min(a.shape[0], b.shape[0])
    same = a[:n] == b[:n]
    return n if same.all() else int(np.argmin(same))
