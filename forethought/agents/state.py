"""The loop's typed state: what the LangGraph checkpointer saves after every node.

Observations, actions and costs are kept as the models they are; nothing in the loop
converts them to dicts and back.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from forethought.agents.result import ApprovalRequest, CandidateRecord, GateDecision, GateEvent
from forethought.envs.types import Action, ActionKind, Element, Observation, Risk, Write
from forethought.planner import Cost, WMFormat
from forethought.worldmodel.fidelity import Fidelity


def kept(obs: Observation) -> Observation:
    """``obs`` as the state keeps it: without its screenshot (checkpoints stay small)."""
    return obs if obs.screenshot is None else obs.model_copy(update={"screenshot": None})


def write_key(obs: Observation, action: Action) -> str:
    """Which writes learned earlier apply to ``action`` on ``obs``: same page, same action."""
    return f"{obs.url} {action.key}"


def fields_key(obs: Observation) -> str:
    """Where :attr:`LoopState.tried` keeps the fills and selects run on ``obs``'s URL: a
    field set once is not set again until the URL changes. (Setting a field changes the
    page's situation; a small model went on re-selecting the same fields, one value after
    another, and never submitted: 8 of 45 built-in episodes at 97fbe52.)"""
    return f"fields@{obs.url}"


class StopReason(StrEnum):
    """Why an episode ended (stored with its result)."""

    STOP = "stop"
    STEP_LIMIT = "step limit"
    EPISODE_ENDED = "episode ended"
    NO_ACTION = "no valid action proposed"
    DRY_RUN = "dry run: stopped before a risky action"
    #: Cancelled from outside before it ended (a time limit, an interrupt); it was judged
    #: on the state it left. Such a run stays resumable.
    CANCELLED = "cancelled: timed out or interrupted"


class ImaginedStep(BaseModel):
    """One step of the best imagined path past the chosen action, for speculation."""

    action: Action
    #: The page the imagined path expects before this action.
    expect: Observation
    #: The page it imagined after it.
    next: Observation
    score: float | None = None
    #: Planning calls this step saves when it runs without planning again.
    calls_saved: int = 0


class Pending(BaseModel):
    """The chosen action, not yet executed, and what the decision learned about it."""

    action: Action
    #: The critic's score of its imagined outcome (``None``: not scored yet).
    score: float | None = None
    prediction: Observation | None = None
    speculative: bool = False
    candidates: list[CandidateRecord] = Field(default_factory=list)
    tree_file: str | None = None
    #: Everything the decision spent: planning, and the gate's imagining.
    cost: Cost = Field(default_factory=Cost)
    plan_seconds: float = 0.0
    #: The gate's ruling, once it ruled.
    gate: GateDecision | None = None
    #: The writes the action was seen to send (a probe, or an earlier try on this page).
    writes: list[Write] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.gate in (GateDecision.ALLOWED, GateDecision.APPROVED)


class LoopState(BaseModel):
    """The episode's state between the graph's nodes."""

    step: int = 0
    obs: Observation
    pending: Pending | None = None
    continuation: list[ImaginedStep] = Field(default_factory=list)
    #: The policy's further fills and selects on other fields of this form, run next
    #: without asking again while the page's controls stay as they were (a small model
    #: writes a form's fields as one reply; asked again, it tends to jump to the submit).
    fills: list[Action] = Field(default_factory=list)
    #: Action keys the gate refused on this page (forgotten once an action runs).
    refused: list[str] = Field(default_factory=list)
    #: Action keys already run on a page, by its ``Observation.situation``: not proposed
    #: again while that page's actionable elements stay the same (one that changed nothing, or
    #: failed, would do so again; one that led away and back would go round in a loop).
    #: Fills and selects are also kept by the page's URL (:func:`fields_key`).
    tried: dict[str, list[str]] = Field(default_factory=dict)
    #: The last real actions and their effects, oldest first (``Observation.memory``).
    history: list[str] = Field(default_factory=list)
    gate_events: list[GateEvent] = Field(default_factory=list)
    #: Writes an action was seen to send, by :func:`write_key` (page and action).
    learned_writes: dict[str, list[Write]] = Field(default_factory=dict)
    fidelity: list[Fidelity] = Field(default_factory=list)
    speculative_actions: int = 0
    speculative_calls_saved: int = 0
    usage: Cost = Field(default_factory=Cost)
    done: bool = False
    answer: str | None = None
    stop_reason: StopReason | None = None


#: Every type a checkpoint holds: the checkpointer rebuilds these and nothing else.
CHECKPOINT_TYPES: tuple[type, ...] = (
    LoopState,
    Pending,
    ImaginedStep,
    StopReason,
    Observation,
    Element,
    Action,
    ActionKind,
    Risk,
    Write,
    CandidateRecord,
    GateEvent,
    GateDecision,
    ApprovalRequest,
    Fidelity,
    WMFormat,
    Cost,
)
