"""World-model predictions: parse the model's plain lines, validate, apply to the page.

A weak model's output is data: lines that cannot be read are kept in
``Prediction.problems`` and skipped, never raised.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from forethought.envs.types import Action, Element, Observation, parse_element_line
from forethought.planner import WMFormat

__all__ = [
    "Prediction",
    "WMFormat",
    "apply_prediction",
    "describe_change",
    "parse_prediction",
    "read_element",
]


class Prediction(BaseModel):
    format: WMFormat
    raw: str
    url: str | None = None
    removed: list[str] = Field(default_factory=list)
    added: list[Element] = Field(default_factory=list)
    changed: list[Element] = Field(default_factory=list)
    #: ``full``: the whole predicted tree.
    elements: list[Element] | None = None
    #: ``nl``: the description.
    description: str = ""
    problems: list[str] = Field(default_factory=list)


_URL = re.compile(r"^\s*(?:new\s+)?url\s*[:=]\s*(\S*[/.]\S*)", re.I)
_DIFF = re.compile(r"^\s*(?:[*•]\s*)?([-+~])\s*(.+)$")
_ID_ONLY = re.compile(r"^\[?([A-Za-z0-9_.:-]+)\]?")
_LOOSE = re.compile(r"^\s*\[([^\]\s]+)\]\s+([\w-]+)\s*(.*)$")
_NO_CHANGE = re.compile(r"^\s*(no change|nothing changes|unchanged)\.?\s*$", re.I)


def read_element(text: str, depth: int | None = None) -> Element | None:
    """An element from a tree line, tolerating missing or odd quotes."""
    element = parse_element_line(text)
    if element is None and (m := _LOOSE.match(text)):
        name = m[3].strip().strip("'\"")
        element = Element(id=m[1], role=m[2], name=name)
    if element is not None and depth is not None:
        element = element.model_copy(update={"depth": depth})
    return element


def parse_prediction(text: str, fmt: WMFormat, current: Observation) -> Prediction:
    """Read a world-model reply in ``fmt`` relative to the ``current`` page."""
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    text = text.strip().removeprefix("```").removesuffix("```").strip()
    if fmt is WMFormat.NL:
        return Prediction(format=fmt, raw=text, description=" ".join(text.split())[:800])
    if fmt is WMFormat.FULL:
        return _parse_full(text)
    return _parse_diff(text, current)


def _parse_full(text: str) -> Prediction:
    pred = Prediction(format=WMFormat.FULL, raw=text, elements=[])
    assert pred.elements is not None
    for line in text.splitlines():
        if not line.strip():
            continue
        if m := _URL.match(line):
            pred.url = m[1]
        elif element := read_element(line):
            if any(e.id == element.id for e in pred.elements):
                pred.problems.append(f"repeats element [{element.id}]; the first one is kept")
            else:
                pred.elements.append(element)
        else:
            pred.problems.append(f"not an element line: {line.strip()[:80]}")
    if not pred.elements:
        pred.problems.append("no elements in the predicted page")
        pred.elements = None
    return pred


def _parse_diff(text: str, current: Observation) -> Prediction:
    pred = Prediction(format=WMFormat.DIFF, raw=text)
    known = {e.id: e for e in current.elements}
    for line in text.splitlines():
        if not line.strip() or _NO_CHANGE.match(line):
            continue
        if m := _URL.match(line):
            pred.url = m[1]
            continue
        m = _DIFF.match(line)
        if not m:
            pred.problems.append(f"not a diff line: {line.strip()[:80]}")
            continue
        op, rest = m[1], m[2].strip()
        if op == "-":
            if (idm := _ID_ONLY.match(rest)) and idm[1] in known:
                pred.removed.append(idm[1])
            else:
                pred.problems.append(f"removes an unknown element: {rest[:80]}")
            continue
        old = known.get(_ID_ONLY.match(rest)[1]) if _ID_ONLY.match(rest) else None
        element = read_element(rest, depth=old.depth if old else None)
        if element is None:
            pred.problems.append(f"not an element: {rest[:80]}")
        elif op == "~" and old is not None:
            pred.changed.append(element)
        else:
            pred.added.append(element)
    return pred


def apply_prediction(current: Observation, pred: Prediction, action: Action) -> Observation:
    """The imagined next page: ``current`` with the prediction applied."""
    update: dict[str, object] = {"error": None, "focused": None, "screenshot": None}
    if pred.url:
        update["url"] = pred.url
    if pred.format is WMFormat.NL:
        note = f"Imagined after {action}: {pred.description or '(no description)'}"
        update["notes"] = f"{current.notes}\n{note}".strip()
    elif pred.format is WMFormat.FULL:
        update["elements"] = pred.elements if pred.elements is not None else current.elements
    else:
        removed = set(pred.removed)
        present = {e.id for e in current.elements} - removed
        changed = {e.id: e for e in pred.changed}
        added: dict[str, Element] = {}
        for e in pred.added:  # adding an id that is still on the page changes that element
            (changed if e.id in present else added).setdefault(e.id, e)
        kept = [changed.get(e.id, e) for e in current.elements if e.id not in removed]
        update["elements"] = kept + list(added.values())
    if current.modal and _modal_gone(current, update):
        update["modal"] = None
    return current.model_copy(update=update)


def _modal_gone(current: Observation, update: dict[str, object]) -> bool:
    """An open modal's page lists only the modal: it is gone once none of that is left (or
    the page navigated)."""
    if "url" in update:
        return True
    elements = update.get("elements")
    if not isinstance(elements, list):
        return False
    return not {e.id for e in current.elements} & {e.id for e in elements}


def describe_change(start: Observation, outcome: Observation, *, limit: int = 20) -> str:
    """What differs between two pages, as diff lines (for the critic), plus imagined notes."""
    lines: list[str] = []
    if outcome.url != start.url:
        lines.append(f"URL: {outcome.url}")
    before = {e.id: e for e in start.elements}
    after = {e.id: e for e in outcome.elements}
    for eid, element in after.items():
        old = before.get(eid)
        if old is None:
            lines.append(f"+ {element.line().strip()}")
        elif old.match_key != element.match_key or old.value != element.value:
            lines.append(f"~ {element.line().strip()}")
    lines += [f"- [{eid}]" for eid in before if eid not in after]
    if len(lines) > limit:
        lines = [*lines[:limit], f"… and {len(lines) - limit} more changes"]
    notes = outcome.notes.removeprefix(start.notes).strip()
    text = "\n".join(lines) if lines else ""
    if notes:
        text = f"{text}\n{notes}".strip()
    return text or "the page does not change"
