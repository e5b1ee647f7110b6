"""The LLM critic: scores an imagined path toward the goal.

It implements the planner's :class:`~forethought.planner.Critic` over pages
(:class:`Observation`) and actions (:class:`Action`). A reply that is not a valid
judgement is searched for a number, and otherwise counts as no judgement, never a crash.
"""

from __future__ import annotations

import asyncio
import re
import statistics
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from forethought.envs.types import Action, Observation
from forethought.planner import Cost, Score
from forethought.worldmodel.client import LLMClient, LLMError, StructuredOutputError
from forethought.worldmodel.predictions import describe_change
from forethought.worldmodel.prompts import Prompts


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
                role="critic",
            )
            value: float | None = judgement.score
        except StructuredOutputError as err:
            m = _NUMBER.search(err.raw)
            value, usage = (float(m[1]) if m else None), err.usage
        except LLMError:
            value, usage = None, Cost(calls=1)
        if value is None:
            return None, usage
        value = min(1.0, max(0.0, value))
        if self.rubric:
            value = min((0.0, 0.5, 1.0), key=lambda r: abs(r - value))
        return value, usage
