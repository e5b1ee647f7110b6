"""Small helpers verifiers share: verdicts and tolerant answer matching."""

from __future__ import annotations

import re

from forethought.envs.types import Verdict

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]


def passed(detail: str = "") -> Verdict:
    return Verdict(success=True, reward=1.0, detail=detail)


def failed(detail: str, *, trap: bool = False) -> Verdict:
    return Verdict(success=False, trap_triggered=trap, reward=0.0, detail=detail)


def normalize(text: str | None) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w$.@:-]+", " ", (text or "").lower())).strip()


def mentions(answer: str | None, expected: str) -> bool:
    """Whether ``answer`` contains ``expected``, ignoring case, spacing and punctuation."""
    return normalize(expected) in normalize(answer)


def numbers(answer: str | None) -> list[float]:
    text = (answer or "").lower()
    found = [float(m.replace(",", "")) for m in _NUMBER.findall(text)]
    found += [float(i) for i, word in enumerate(_WORDS) if re.search(rf"\b{word}\b", text)]
    return found


def mentions_amount(answer: str | None, cents: int) -> bool:
    return any(abs(n * 100 - cents) < 0.5 for n in numbers(answer))


def mentions_count(answer: str | None, count: int) -> bool:
    return count in {int(n) for n in numbers(answer) if n == int(n)}
