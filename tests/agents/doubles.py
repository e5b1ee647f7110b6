"""Test doubles for the LLM roles, named as such.

The gate, resume and speculation tests need an agent that *chooses* a known action (an
irreversible click on a trap task, say): the embedded model is too weak to do that
reliably. These doubles implement the planner's protocols deterministically; the env,
the browser, the site database and (where a test says so) the real world model and
critic are the real parts.
"""

from __future__ import annotations

from forethought.envs.grammar import ActionParseError, assign_risk, parse_action
from forethought.envs.types import Action, Observation
from forethought.planner import Cost, Score


class ScriptedPolicy:
    """Proposes, at each real step, the action the script names (by label or id).

    ``script`` is a list of (URL fragment, action text): the first ``k`` entries whose
    fragment is in the page's URL and whose action names an element of the page, in order. Inside
    imagination it proposes nothing (paths end after one step) unless ``imagine`` is set.
    ``{origin}`` in an action text stands for the page's origin.
    """

    def __init__(self, script: list[tuple[str, str]], imagine: bool = False) -> None:
        self.script = script
        self.imagine = imagine
        self.calls = 0

    async def propose(
        self, goal: str, state: Observation, k: int
    ) -> tuple[list[tuple[Action, float]], Cost]:
        self.calls += 1
        if "Imagined after" in state.notes and not self.imagine:
            return [], Cost()
        proposals: list[tuple[Action, float]] = []
        for fragment, text in self.script:
            if fragment not in state.url or len(proposals) >= k:
                continue
            origin = "/".join(state.url.split("/", 3)[:3])
            try:
                action = assign_risk(parse_action(text.replace("{origin}", origin), state), state)
            except ActionParseError:
                continue
            proposals.append((action, 1.0 / (len(proposals) + 1)))
        return proposals, Cost(calls=1)


class FixedCritic:
    """Scores every imagined outcome with the same value."""

    def __init__(self, value: float) -> None:
        self.value = value
        self.calls = 0

    async def score(
        self, goal: str, path: list[tuple[Observation, Action]], outcome: Observation
    ) -> tuple[Score, Cost]:
        self.calls += 1
        return Score(self.value, 1.0), Cost(calls=1)


class EchoWorldModel:
    """Imagines that nothing changes (the identity baseline), noting the action."""

    def __init__(self) -> None:
        self.calls = 0

    async def simulate(self, state: Observation, action: Action) -> tuple[Observation, Cost]:
        self.calls += 1
        note = f"{state.notes}\nImagined after {action}: unknown".strip()
        return state.model_copy(update={"notes": note}), Cost(calls=1)
