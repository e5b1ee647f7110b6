"""The LLM world model: imagines the page after an action.

It implements the planner's :class:`~forethought.planner.WorldModel` over pages
(:class:`Observation`) and actions (:class:`Action`). The reply, in the ``diff``, ``nl``
or ``full`` format, is parsed and applied to the page; lines that cannot be read are
skipped, and a failed call imagines no change, never a crash.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from forethought.envs.types import Action, Observation
from forethought.planner import Cost
from forethought.worldmodel.client import LLMClient, LLMError
from forethought.worldmodel.predictions import (
    Prediction,
    WMFormat,
    apply_prediction,
    parse_prediction,
)
from forethought.worldmodel.prompts import Prompts

#: Reply length per format: a diff is short, a whole page is long.
_MAX_TOKENS = {WMFormat.DIFF: 256, WMFormat.NL: 120, WMFormat.FULL: 1536}


@dataclass
class LLMWorldModel:
    """Imagines the page after an action, in the ``diff``, ``nl`` or ``full`` format.

    The goal is part of the shared prompt prefix; bind it per episode with
    :meth:`with_goal` so the world model's prompts share the page read by the policy.
    """

    client: LLMClient
    format: WMFormat = WMFormat.DIFF
    prompts: Prompts = field(default_factory=Prompts)
    goal: str = ""

    def with_goal(self, goal: str) -> LLMWorldModel:
        return dataclasses.replace(self, goal=goal)

    async def simulate(self, state: Observation, action: Action) -> tuple[Observation, Cost]:
        template = f"world_model_{self.format.value}"
        messages = self.prompts.messages(template, self.goal, state, action=str(action))
        try:
            prediction, reply = await self.client.read(
                messages,
                lambda text: parse_prediction(text, self.format, state),
                max_tokens=_MAX_TOKENS[self.format],
                role="world_model",
            )
        except LLMError as err:
            prediction = Prediction(format=self.format, raw="", problems=[str(err)])
            return apply_prediction(state, prediction, action), Cost(calls=1)
        return apply_prediction(state, prediction, action), reply.usage
