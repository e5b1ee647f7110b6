"""Which of a page's elements share the goal's words: a short list the policy reads next
to the question, so that a small model need not find the one line among a hundred.

A plain lexical ranking (as a retriever would do it, BM25-like): the goal's words, each
weighted by how rare it is on the page, matched against each actionable element's name,
row text and options. Nothing in it knows any site.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from forethought.envs.types import Element, Observation

__all__ = ["relevant", "words"]

_WORD = re.compile(r"[\w$€£.:/-]+", re.UNICODE)
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "do",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "my",
        "of",
        "on",
        "or",
        "our",
        "that",
        "the",
        "their",
        "then",
        "this",
        "to",
        "was",
        "with",
        "you",
        "your",
        "me",
        "i",
        "all",
        "any",
    ]
)


def _stem(word: str) -> str:
    """``drafts`` → ``draft``, ``Orders`` → ``order``: enough to match a plural."""
    word = word.lower().strip(".:/-")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(text: str) -> set[str]:
    """The content words of ``text``, lowercased and stemmed."""
    out = {_stem(w) for w in _WORD.findall(text)}
    return {w for w in out if w and w not in _STOP}


def _text(element: Element) -> str:
    return " ".join([element.name, element.context, *element.options])


def relevant(goal: str, obs: Observation, n: int = 5) -> list[Element]:
    """Up to ``n`` actionable elements that share the most (rare) words with ``goal``,
    best first; none when nothing matches."""
    wanted = words(goal)
    if not wanted:
        return []
    elements = [e for e in obs.actionable if e.role != "folded"]
    bags = [words(_text(e)) for e in elements]
    df = Counter(w for bag in bags for w in bag & wanted)
    total = len(elements) or 1

    def score(bag: set[str]) -> float:
        return sum(math.log(1 + total / df[w]) for w in bag & wanted)

    ranked = sorted((-score(bag), i) for i, bag in enumerate(bags) if bag & wanted)
    return [elements[i] for _, i in ranked[:n]]
