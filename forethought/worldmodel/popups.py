"""Pop-ups that stand between the agent and its goal: a modal the page opened by itself
(a newsletter offer, a cookie notice) whose controls have nothing to do with the goal is
closed with its own dismiss control before the policy is asked anything.

A small model asked about such a page acts on the pop-up: it types an email into the
newsletter box and subscribes, then says "No thanks" (3–6 of a shop task's steps at
97fbe52). What is decided here is structure and plain words only: a modal is open, the
agent's last action did not open it, it shares at most one word with the goal (one is
chance: "address" in "ship to my Work address" and a newsletter's 'Email address' box),
and one control says it dismisses (its name, e.g. "No thanks", "Close", "×"). Nothing
in it knows any site.
"""

from __future__ import annotations

from collections.abc import Collection

from forethought.envs.types import Action, ActionKind, Observation
from forethought.worldmodel.relevance import element_words, plain, words

__all__ = ["dismissal"]

#: Names of controls that close a pop-up without accepting what it offers.
DISMISS_NAMES = frozenset(
    [
        "close",
        "close dialog",
        "dismiss",
        "no thanks",
        "no, thanks",
        "no thank you",
        "not now",
        "maybe later",
        "later",
        "skip",
        "decline",
        "reject all",
        "×",
        "✕",
        "✖",
        "x",
    ]
)

_CLICKABLE = frozenset(["button", "link"])
#: The goal's words a modal may share by chance and still not be about the goal.
_CHANCE = 1


def dismissal(goal: str, obs: Observation, avoid: Collection[str] = ()) -> Action | None:
    """The click that closes ``obs``'s modal, when the page opened it by itself and it is
    not about ``goal`` (its title, text and controls share at most one of the goal's
    words); ``None`` otherwise (or when that click is in ``avoid``: it was
    tried here and the modal stayed)."""
    if not obs.modal or _opened_by_agent(obs):
        return None
    said = words(obs.modal).union(*(element_words(e) for e in obs.elements))
    if len(said & words(goal)) > _CHANCE:
        return None
    for e in obs.actionable:
        if e.role in _CLICKABLE and plain(e.name) in DISMISS_NAMES:
            action = Action(kind=ActionKind.CLICK, target=e.id)
            return None if action.key in avoid else action
    return None


def _opened_by_agent(obs: Observation) -> bool:
    """Whether the agent's last action opened the modal on the page it was on (the
    memory says "… opened" and no new URL): a confirmation it asked for, not a pop-up."""
    if not obs.memory:
        return False
    last = obs.memory[-1]
    return f"{obs.modal} opened" in last and "URL changed" not in last
