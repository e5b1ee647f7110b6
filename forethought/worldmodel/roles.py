"""The LLM roles the planner calls: policy, world model and critic.

Each implements its planner protocol over pages (:class:`Observation`) and actions
(:class:`Action`), returns the planner's :class:`Cost`, and treats a weak model's bad
output as data to repair or reject, never as a crash.
"""

from __future__ import annotations

import asyncio
import functools
import re
import statistics
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BaseModel, Field, create_model

from forethought.envs.grammar import ActionParseError, assign_risk, parse_action
from forethought.envs.types import Action, Observation
from forethought.planner import Cost, Score
from forethought.worldmodel.client import LLMClient, LLMError, StructuredOutputError
from forethought.worldmodel.predictions import (
    Prediction,
    WMFormat,
    apply_prediction,
    describe_change,
    parse_prediction,
)
from forethought.worldmodel.prompts import Prompts
from forethought.worldmodel.usage import Usage


def to_cost(usage: Usage) -> Cost:
    return Cost(
        calls=usage.calls,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        seconds=usage.seconds,
        cached_tokens=usage.cached_tokens,
    )


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


_CALL = re.compile(r"\b(?:click|fill|select|press|scroll|hover|goto|go_back|stop)\s*\([^()]*\)")


@dataclass
class LLMPolicy:
    """Proposes K distinct, valid candidate actions with rank priors."""

    client: LLMClient
    prompts: Prompts = field(default_factory=Prompts)
    #: Candidate texts the last call rejected, with the reason (for traces).
    rejected: list[tuple[str, str]] = field(default_factory=list)

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
        actions = self.validate(texts, state)[:k]
        priors = [1.0 / (rank + 1) for rank in range(len(actions))]
        return list(zip(actions, priors, strict=True)), to_cost(usage)

    def validate(self, texts: list[str], state: Observation) -> list[Action]:
        """Parse, repair (labels → ids), drop invalid and repeated actions, assign risk."""
        self.rejected = []
        seen: set[str] = set()
        actions: list[Action] = []
        for text in texts:
            try:
                action = assign_risk(parse_action(text, state), state)
            except ActionParseError as err:
                self.rejected.append((text, err.problem))
                continue
            if action.target is not None and state.element(action.target) is None:
                self.rejected.append((text, f"no element [{action.target}] on the page"))
                continue
            if action.key in seen:
                continue
            seen.add(action.key)
            actions.append(action)
        return actions


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
    #: Every prediction made, by (state key, action key), for fidelity and traces.
    predictions: dict[tuple[str, str], Prediction] = field(default_factory=dict)

    def with_goal(self, goal: str) -> LLMWorldModel:
        return LLMWorldModel(self.client, self.format, self.prompts, goal, self.predictions)

    async def simulate(self, state: Observation, action: Action) -> tuple[Observation, Cost]:
        template = f"world_model_{self.format.value}"
        messages = self.prompts.messages(template, self.goal, state, action=str(action))
        try:
            reply = await self.client.complete(messages, max_tokens=_MAX_TOKENS[self.format])
            text, usage = reply.text, reply.usage
        except LLMError as err:
            text, usage = "", Usage(calls=1)
            prediction = Prediction(format=self.format, raw="", problems=[str(err)])
        else:
            prediction = parse_prediction(text, self.format, state)
        self.predictions[(state.key, action.key)] = prediction
        return apply_prediction(state, prediction, action), to_cost(usage)

    def prediction_for(self, state: Observation, action: Action) -> Prediction | None:
        return self.predictions.get((state.key, action.key))


class Judgement(BaseModel):
    reason: str = Field(default="", max_length=400)
    score: float


_NUMBER = re.compile(r"score\W+([01](?:\.\d+)?)", re.I)


@dataclass
class LLMCritic:
    """Scores an imagined path toward the goal; ``samples`` judgements are averaged.

    ``rubric=True`` snaps each judgement to WebDreamer's 0 / 0.5 / 1; otherwise scores
    are continuous in [0, 1]. Confidence comes from the samples' spread (a single
    sample has unknown spread: confidence 0.5).
    """

    client: LLMClient
    prompts: Prompts = field(default_factory=Prompts)
    samples: int = 1
    rubric: bool = True
    temperature: float = 0.7

    async def score(
        self, goal: str, path: list[tuple[Observation, Action]], outcome: Observation
    ) -> tuple[Score, Cost]:
        if not path:
            return Score(0.0, 0.0), Cost()
        start = path[0][0]
        steps = "\n".join(f"{i}. {action}" for i, (_, action) in enumerate(path, start=1))
        template = "critic_rubric" if self.rubric else "critic_continuous"
        messages = self.prompts.messages(
            template, goal, start, steps=steps, outcome=describe_change(start, outcome)
        )
        results = await asyncio.gather(*(self._one(messages, i) for i in range(self.samples)))
        values = [v for v, _ in results if v is not None]
        cost = sum((c for _, c in results), Cost())
        if not values:
            return Score(0.0, 0.0), cost
        mean = statistics.fmean(values)
        spread = statistics.pstdev(values) if len(values) > 1 else None
        confidence = 0.5 if spread is None else max(0.0, 1.0 - spread / 0.5)
        return Score(mean, confidence), cost

    async def _one(self, messages: list[dict[str, str]], sample: int) -> tuple[float | None, Cost]:
        greedy = self.samples == 1
        try:
            judgement, usage = await self.client.structured(
                messages,
                Judgement,
                max_tokens=96,
                temperature=0.0 if greedy else self.temperature,
                seed=None if greedy else sample,
            )
            value: float | None = judgement.score
        except StructuredOutputError as err:
            m = _NUMBER.search(err.raw)
            value, usage = (float(m[1]) if m else None), err.usage
        except LLMError:
            value, usage = None, Usage(calls=1)
        if value is None:
            return None, to_cost(usage)
        value = min(1.0, max(0.0, value))
        if self.rubric:
            value = min((0.0, 0.5, 1.0), key=lambda r: abs(r - value))
        return value, to_cost(usage)
