"""The LLM policy: proposes K distinct, valid candidate actions for a page.

It implements the planner's :class:`~forethought.planner.Policy` over pages
(:class:`Observation`) and actions (:class:`Action`). A weak model's bad candidates are
data: each is repaired (a label where an id belongs) or rejected with its reason, and the
rejections of the last proposal on a page are kept for traces (:meth:`LLMPolicy.rejected_on`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, create_model

from forethought.envs.grammar import ActionParseError, assign_risk, parse_action
from forethought.envs.types import Action, Observation
from forethought.planner import Cost
from forethought.worldmodel.client import LLMClient, StructuredOutputError
from forethought.worldmodel.prompts import Prompts

#: The JSON schema's pattern for one proposed action: a single call of the action
#: grammar (parentheses only inside quoted text). Servers that constrain decoding with the
#: schema (llama.cpp, vLLM) then cannot run one action into the next; replies are still
#: parsed leniently (``_CALL``), so it is not enforced on validation.
ACTION_PATTERN = r'^(click|fill|select|press|scroll|hover|goto|go_back|stop)\(("[^"]*"|[^()"])*\)$'

ActionText = Annotated[str, Field(json_schema_extra={"pattern": ACTION_PATTERN})]


class Proposal(BaseModel):
    actions: list[str]


@functools.cache
def proposal_schema(k: int) -> type[Proposal]:
    """A :class:`Proposal` whose JSON schema allows at most ``k`` actions."""
    return create_model(
        f"Proposal{k}",
        __base__=Proposal,
        actions=(list[ActionText], Field(min_length=1, max_length=k)),
    )


class Rejection(BaseModel):
    """A proposed action text that was not kept, and why."""

    model_config = ConfigDict(frozen=True)

    text: str
    reason: str


_CALL = re.compile(r"\b(?:click|fill|select|press|scroll|hover|goto|go_back|stop)\s*\([^()]*\)")

#: Pages whose rejections are remembered (the most recent ones).
_REMEMBERED_PAGES = 256


@dataclass
class LLMPolicy:
    """Proposes K distinct, valid candidate actions with rank priors."""

    client: LLMClient
    prompts: Prompts = field(default_factory=Prompts)
    #: The last proposal's rejections per page, by ``Observation.key``.
    _rejections: dict[str, list[Rejection]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    async def propose(
        self, goal: str, state: Observation, k: int
    ) -> tuple[list[tuple[Action, float]], Cost]:
        messages = self.prompts.messages("policy", goal, state, k=k)
        try:
            proposal, usage = await self.client.structured(
                messages, proposal_schema(k), max_tokens=32 * k + 16
            )
            texts = list(proposal.actions)
        except StructuredOutputError as err:
            # Salvage calls written outside the JSON.
            texts, usage = _CALL.findall(err.raw), err.usage
        actions, rejections = self.validate(texts, state)
        self._remember(state.key, rejections)
        actions = actions[:k]
        priors = [1.0 / (rank + 1) for rank in range(len(actions))]
        return list(zip(actions, priors, strict=True)), usage

    def rejected_on(self, state: Observation) -> list[Rejection]:
        """What the last proposal on this page rejected (empty if none was made)."""
        return list(self._rejections.get(state.key, ()))

    def validate(
        self, texts: list[str], state: Observation
    ) -> tuple[list[Action], list[Rejection]]:
        """Parse, repair (labels → ids), drop repeated actions and assign risk; returns the
        valid actions in order and the rejected texts with their reasons."""
        seen: set[str] = set()
        actions: list[Action] = []
        rejections: list[Rejection] = []
        for text in texts:
            try:
                action = assign_risk(parse_action(text, state), state)
            except ActionParseError as err:
                rejections.append(Rejection(text=text, reason=err.problem))
                continue
            if action.target is not None and state.element(action.target) is None:
                reason = f"no element [{action.target}] on the page"
                rejections.append(Rejection(text=text, reason=reason))
                continue
            if action.key in seen:
                continue
            seen.add(action.key)
            actions.append(action)
        return actions, rejections

    def _remember(self, key: str, rejections: list[Rejection]) -> None:
        self._rejections.pop(key, None)  # re-inserted last: the most recent page
        self._rejections[key] = rejections
        while len(self._rejections) > _REMEMBERED_PAGES:
            del self._rejections[next(iter(self._rejections))]
