"""How well the world model predicted reality, beside the "nothing changes" baseline.

- Next-state F1: elements of the predicted page against the real next page, matched by
  (id, role, name) as a multiset.
- Change F1 (``diff`` and ``full``): the set of elements that changed (appeared or
  disappeared, by the same key) in the prediction against those that really changed.
- ``nl`` predicts no tree, so its next-state F1 is undefined (``None``). Its change F1 is
  the best honest approximation we have: which of the names of really changed elements
  the description mentions (recall), against the names of all page elements it mentions
  that did not change (precision).
- The identity baseline's next-state F1 is always computed beside them.
"""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel

from forethought.envs.types import Element, Observation
from forethought.worldmodel.predictions import WMFormat


class Fidelity(BaseModel):
    format: WMFormat
    f1: float | None
    identity_f1: float
    change_f1: float | None


def _f1(predicted: Counter, real: Counter) -> float:
    total = sum(predicted.values()) + sum(real.values())
    if total == 0:
        return 1.0
    return 2 * sum((predicted & real).values()) / total


def _keys(elements: list[Element]) -> Counter:
    return Counter(e.match_key for e in elements)


def element_f1(predicted: list[Element], real: list[Element]) -> float:
    return _f1(_keys(predicted), _keys(real))


def _changes(before: list[Element], after: list[Element]) -> Counter:
    b, a = _keys(before), _keys(after)
    return (b - a) + (a - b)


def _mention_f1(description: str, before: Observation, real: Observation) -> float:
    text = description.lower()
    changed = {k[2].lower() for k in _changes(before.elements, real.elements) if k[2]}
    names = {e.name.lower() for e in before.elements + real.elements if len(e.name) > 2}
    mentioned = {n for n in names if n in text}
    if not changed:
        return 1.0 if not mentioned & names else 0.0
    return _f1(Counter(mentioned), Counter(changed & names))


def measure(
    before: Observation, predicted: Observation, real: Observation, fmt: WMFormat
) -> Fidelity:
    """Fidelity of ``predicted`` (imagined from ``before``) against the ``real`` next page."""
    identity = element_f1(before.elements, real.elements)
    if fmt is WMFormat.NL:
        notes = predicted.notes.removeprefix(before.notes)
        return Fidelity(
            format=fmt, f1=None, identity_f1=identity, change_f1=_mention_f1(notes, before, real)
        )
    return Fidelity(
        format=fmt,
        f1=element_f1(predicted.elements, real.elements),
        identity_f1=identity,
        change_f1=_f1(
            _changes(before.elements, predicted.elements), _changes(before.elements, real.elements)
        ),
    )
