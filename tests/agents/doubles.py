"""Test doubles for the LLM roles, named as such.

The gate, resume and speculation tests need an agent that *chooses* a known action (an
irreversible click on a trap task, say): the embedded model is too weak to do that
reliably. These doubles implement the planner's protocols deterministically; the env,
the browser, the site database and (where a test says so) the real world model and
critic are the real parts.
"""

from __future__ import annotations

import json
from typing import Any

from forethought.envs.parse import ActionParseError, parse_action
from forethought.envs.risk import assign_risk
from forethought.envs.types import Action, Observation
from forethought.planner import Cost, Score
from forethought.worldmodel.client import Completion, LLMClient


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


class FakeLLMClient(LLMClient):
    """The real client with a fake server behind it (named as one): the LLM roles run
    unchanged, and each call gets the reply its kind asks for.

    The policy (a ``Proposal…`` schema) gets the actions of the first ``(fragment,
    actions)`` whose fragment is in its prompt, the critic (``Judgement``) a score of 1,
    the world model ``no change``. ``seen`` keeps every prompt sent, in order.
    """

    def __init__(self, proposals: list[tuple[str, list[str]]]) -> None:
        super().__init__(
            base_url="http://fake-llm.invalid/v1",
            model="fake",
            schema_style="json_schema",
            max_retries=0,
        )
        self.proposals = proposals
        self.seen: list[list[dict[str, Any]]] = []

    async def send(
        self,
        messages: list[dict[str, Any]],
        *,
        response_format: dict[str, Any] | None = None,
        **_: Any,
    ) -> Completion:
        self.seen.append(messages)
        schema = (response_format or {}).get("json_schema", {}).get("name", "")
        prompt = messages[-1]["content"]
        if schema.startswith("Proposal"):
            actions = next((a for fragment, a in self.proposals if fragment in prompt), [])
            text = json.dumps({"actions": actions})
        elif schema == "Judgement":
            text = json.dumps({"reason": "on track", "score": 1})
        else:
            text = "no change"
        usage = Cost(calls=1, prompt_tokens=len(prompt) // 4, completion_tokens=len(text) // 4)
        return Completion(text=text, usage=usage)
