"""Our actions as calls of BrowserGym's default high-level action set.

Each action's BrowserGym function is in the action table
(:attr:`~forethought.envs.actions.ActionSpec.browsergym`); its arguments follow ours: an
element id, then the text, option, url or answer, and a direction as ``dx, dy`` from
:data:`~forethought.envs.actions.SCROLL`. ``more(id)`` has no translation: folded lines
belong to our page text, and a BrowserGym page has none.
"""

from __future__ import annotations

from forethought.envs.actions import ACTIONS, SCROLL, Arg
from forethought.envs.types import Action, ActionKind

__all__ = ["BROWSERGYM_SUBSETS", "UntranslatableAction", "to_browsergym"]

#: BrowserGym's default action subsets (``HighLevelActionSet()``, and what
#: ``gym.make("browsergym/...")`` uses): every translation stays inside them.
BROWSERGYM_SUBSETS = ("chat", "infeas", "bid", "nav", "tab")

#: Keys that only scroll when nothing has the focus: ``(dx, dy)`` in pixels.
_SCROLL_KEYS = {
    "PageDown": SCROLL["down"],
    "Space": SCROLL["down"],
    "PageUp": SCROLL["up"],
    "ArrowDown": (0, 40),
    "ArrowUp": (0, -40),
    "ArrowRight": (40, 0),
    "ArrowLeft": (-40, 0),
    "End": (0, 100_000),
    "Home": (0, -100_000),
}


class UntranslatableAction(ValueError):
    """An action that BrowserGym's default action set cannot perform on this page."""


def to_browsergym(action: Action, focused: str | None = None) -> str:
    """Our action as one call of BrowserGym's default high-level action set.

    ``focused`` is the page's focused element (``Observation.focused``, a bid): an
    untargeted ``press(key)`` is pressed there, since the default set's only key action is
    ``press(bid, key)``. With nothing focused, a scrolling key (PageDown, ArrowDown, End…)
    becomes ``scroll(dx, dy)``; any other key raises :class:`UntranslatableAction`, as
    does an action without a BrowserGym function (``more(id)``). Strings are written as
    Python literals, which BrowserGym's parser reads back exactly.
    """
    spec = ACTIONS[action.kind]
    if spec.browsergym is None:
        raise UntranslatableAction(
            f"{spec.name}() has no BrowserGym equivalent (it {spec.does}); this page cannot do it"
        )
    if action.kind is ActionKind.PRESS:
        return _press(action, focused)
    args: list[str] = []
    for arg in spec.args:
        if arg is Arg.ID:
            args.append(repr(action.target))
        elif arg is Arg.DIRECTION:
            dx, dy = SCROLL[action.value or "down"]
            args += [str(dx), str(dy)]
        else:
            args.append(repr(action.value or ""))
    return f"{spec.browsergym}({', '.join(args)})"


def _press(action: Action, focused: str | None) -> str:
    key = action.value or ""
    target = action.target or focused
    if target:
        return f"press({target!r}, {key!r})"
    if key in _SCROLL_KEYS:
        dx, dy = _SCROLL_KEYS[key]
        return f"scroll({dx}, {dy})"
    raise UntranslatableAction(
        f"press({key!r}) needs a focused element in BrowserGym and none has the focus; "
        f"click the field first or use press(id, {key!r})"
    )
