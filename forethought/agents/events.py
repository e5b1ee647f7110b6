"""What an episode reports as it runs: one typed event per thing that happens.

``Agent.run(events=…)`` calls a sink with each; ``Agent.stream`` yields them. Every event
has a ``kind`` (its type's tag) and the ``step`` it belongs to.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from forethought.agents.result import (
    ApprovalRequest,
    CandidateRecord,
    EpisodeResult,
    EpisodeStatus,
    GateEvent,
    Usage,
)
from forethought.planner import Cost
from forethought.worldmodel.fidelity import Fidelity


class Started(BaseModel):
    kind: Literal["start"] = "start"
    step: int = 0
    goal: str
    url: str
    run_id: str


class Planning(BaseModel):
    kind: Literal["planning"] = "planning"
    step: int
    url: str


class Searched(BaseModel):
    """One event of the running search (proposed, simulated, scored, stopped)."""

    kind: Literal["search"] = "search"
    step: int
    event: str


class Planned(BaseModel):
    kind: Literal["planned"] = "planned"
    step: int
    action: str | None
    score: float | None = None
    candidates: list[CandidateRecord] = Field(default_factory=list)
    #: Proposals the policy made that were not valid actions on the page.
    rejected: list[str] = Field(default_factory=list)
    seconds: float = 0.0
    #: The episode's LLM usage so far.
    usage: Usage = Field(default_factory=Cost)


class GateRuled(GateEvent):
    kind: Literal["gate"] = "gate"


class Speculated(BaseModel):
    """The loop continues the imagined path without planning again."""

    kind: Literal["speculate"] = "speculate"
    step: int
    action: str


class ApprovalAsked(BaseModel):
    kind: Literal["approval"] = "approval"
    step: int
    request: ApprovalRequest


class Acted(BaseModel):
    kind: Literal["acted"] = "acted"
    step: int
    action: str
    url: str
    error: str | None = None
    speculative: bool = False
    fidelity: Fidelity | None = None


class Ended(BaseModel):
    kind: Literal["end"] = "end"
    step: int
    success: bool
    answer: str | None = None
    status: EpisodeStatus = EpisodeStatus.FINISHED


class Finished(BaseModel):
    """The last item of ``Agent.stream``: the episode's result."""

    kind: Literal["result"] = "result"
    step: int = 0
    result: EpisodeResult


Event = Annotated[
    Started
    | Planning
    | Searched
    | Planned
    | GateRuled
    | Speculated
    | ApprovalAsked
    | Acted
    | Ended
    | Finished,
    Field(discriminator="kind"),
]

#: Called (or awaited) with each event.
EventSink = Callable[[Event], Awaitable[None] | None]
