"""The agent's memory: one line per real action, with what it did to the page.

The loop keeps the last :data:`MEMORY_LINES` lines and shows them to the policy (as
``Observation.memory``), e.g. ``click(23) link 'Draft budget' → URL changed to /mail/7``.
An effect compares the actionable elements only (those with an id), so text that changes
by itself (a clock) does not count as the action's doing.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from forethought.envs.types import Action, Element, Observation

#: How many recent actions the policy sees.
MEMORY_LINES = 5

NO_CHANGE = "no visible change"


def memory_line(action: Action, before: Observation, after: Observation, error: str | None) -> str:
    """``action``, the element it targeted on ``before``, and its effect."""
    head = action.key
    target = before.element(action.target) if action.target is not None else None
    if target is not None:
        label = f"{target.role} {_quoted(target.name)}" if target.name else target.role
        value = "" if action.value is None else " " + json.dumps(action.value, ensure_ascii=False)
        head = f"{action.kind.value}({action.target}) {label}{value}"
    return f"{head} → {effect(before, after, error)}"


def effect(before: Observation, after: Observation, error: str | None) -> str:
    """What an action did, from the pages before and after it (or its error)."""
    if error:
        return f"error: {error}"
    parts: list[str] = []
    if after.url != before.url:
        parts.append(f"URL changed to {_shown_url(before.url, after.url)}")
    if after.modal != before.modal:
        parts.append(f"{after.modal} opened" if after.modal else f"{before.modal} closed")
    # (A new page or a modal replaces the elements: counting them would say nothing.)
    return ", ".join(parts or _element_changes(before, after)) or NO_CHANGE


def remember(history: list[str], line: str) -> list[str]:
    """``history`` with ``line`` added, cut to the last :data:`MEMORY_LINES`."""
    return [*history, line][-MEMORY_LINES:]


def _element_changes(before: Observation, after: Observation) -> list[str]:
    """``["3 elements appeared", "1 changed"]``: actionable elements matched by id."""
    old, new = _actionable(before), _actionable(after)
    changed = [i for i in old.keys() & new.keys() if _shown(old[i]) != _shown(new[i])]
    appeared, gone = new.keys() - old.keys(), old.keys() - new.keys()
    if not appeared and not gone and 0 < len(changed) <= 2:  # say what it became
        return ["now " + " and ".join(_now(new[i]) for i in sorted(changed, key=int_or_text))]
    counts = ((len(appeared), "appeared"), (len(gone), "disappeared"), (len(changed), "changed"))
    parts: list[str] = []
    for n, verb in counts:
        if n:
            noun = "" if parts else (" element" if n == 1 else " elements")
            parts.append(f"{n}{noun} {verb}")
    return parts


def _actionable(obs: Observation) -> dict[str, Element]:
    return {e.id: e for e in obs.elements if e.id}


def _shown(element: Element) -> tuple[object, ...]:
    """What an element shows (its indentation and focus aside)."""
    return (element.role, element.name, element.value, _states(element))


def _states(element: Element) -> tuple[str, ...]:
    return tuple(s for s in element.states if s != "focused")


def _now(element: Element) -> str:
    """``[1] textbox 'Username' value='karrie'``: an element as it is now (no row text)."""
    bare = element.model_copy(update={"context": "", "options": (), "states": _states(element)})
    return bare.line().strip()


def int_or_text(element_id: str) -> tuple[int, str]:
    """Ids in page order where they are numbers."""
    return (int(element_id), "") if element_id.isdigit() else (1 << 30, element_id)


def _shown_url(before: str, after: str) -> str:
    """``after`` as a path when it stays on ``before``'s origin, else whole."""
    old, new = urlsplit(before), urlsplit(after)
    if (old.scheme, old.netloc) != (new.scheme, new.netloc) or not new.path:
        return after
    return new.path + (f"?{new.query}" if new.query else "")


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "\\'") + "'"
