"""What an episode returns, and the events it records. Shared by the API, CLI and eval."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from forethought.envs.types import Element, Write
from forethought.planner import Cost
from forethought.worldmodel.fidelity import Fidelity
from forethought.worldmodel.policy import Rejection


class GateDecision(StrEnum):
    """What the safety gate ruled on an action."""

    ALLOWED = "allowed"
    APPROVED = "approved"
    DENIED = "denied"
    BLOCKED = "blocked"
    DRY_RUN = "dry_run"
    NOT_SCORED = "not_scored"
    #: The action ran, but the write firewall held and aborted writes the gate had not
    #: approved; the gate rules on those writes when the action comes again.
    BLOCKED_WRITE = "blocked_write"


class EpisodeStatus(StrEnum):
    """Whether an episode ended, or waits for a person to answer an approval request."""

    FINISHED = "finished"
    AWAITING_APPROVAL = "awaiting_approval"


class GateEvent(BaseModel):
    """One decision of the safety gate on a risky action."""

    step: int
    action: str
    risk: str
    score: float | None
    decision: GateDecision
    reason: str = ""
    #: The writes this ruling is about: the ones a person approved, or the ones held.
    writes: list[Write] = Field(default_factory=list)


class ApprovalRequest(BaseModel):
    """What the gate asks a person before an irreversible action (``ask`` mode)."""

    step: int
    action: str
    risk: str
    score: float | None
    imagined: str = Field(description="The imagined outcome, in words.")
    #: The exact writes the action will send (learned by trying it with writes held);
    #: the approval covers these and no other.
    writes: list[Write] = Field(default_factory=list)


class CandidateRecord(BaseModel):
    """One candidate action of a decision, as traces and live views show it."""

    action: str
    risk: str
    prior: float
    score: float | None = None
    visits: int = 0
    prediction: str | None = None


_LEGACY_USAGE = {"llm_calls": "calls", "llm_seconds": "seconds"}


def _usage(value: Any) -> Any:
    """Usage as :class:`Cost`; traces written before it used ``llm_calls``/``llm_seconds``."""
    if isinstance(value, dict):
        return {_LEGACY_USAGE.get(k, k): v for k, v in value.items()}
    return value


#: LLM usage in results and traces: the planner's :class:`Cost`, the one usage type.
Usage = Annotated[Cost, BeforeValidator(_usage)]


class FidelitySummary(BaseModel):
    """Mean world-model fidelity over the executed actions that had a prediction."""

    f1: float | None = None
    identity_f1: float | None = None
    change_f1: float | None = None
    n: int = 0


class StepRecord(BaseModel):
    """One real step: what was seen, imagined, scored, decided and done."""

    step: int
    url: str
    title: str = ""
    page: str = Field(description="The observation as the models read it.")
    candidates: list[CandidateRecord] = Field(default_factory=list)
    action: str | None = None
    risk: str | None = None
    score: float | None = None
    prediction: str | None = None
    gate: GateEvent | None = None
    speculative: bool = False
    executed: bool = False
    error: str | None = None
    fidelity: Fidelity | None = None
    usage: Usage = Field(default_factory=Cost)
    seconds: float = 0.0
    tree_file: str | None = None
    #: What the policy proposed on this page that was not a valid action, and why.
    rejected: list[Rejection] = Field(default_factory=list)
    #: The page's elements that the step's actions name, as the page showed them.
    elements: list[Element] = Field(default_factory=list)
    #: The ids of the step's LLM calls in the trace's ``calls.jsonl``.
    calls: list[int] = Field(default_factory=list)


class PromptMessage(BaseModel):
    """One message of a call's prompt: its paragraphs, by the hash they are stored under."""

    role: str
    blocks: list[str]


class CallRecord(BaseModel):
    """One LLM call of an episode: what a role saw (its prompt) and said."""

    id: int
    step: int
    role: str
    prompt: list[PromptMessage] = Field(default_factory=list)
    reply: str = ""
    #: What the role read from the reply (JSON), if it could.
    parsed: Any = None
    error: str | None = None
    usage: Usage = Field(default_factory=Cost)
    cached: bool = False


class EpisodeResult(BaseModel):
    """The outcome of one episode (``forethought solve --json`` prints most of it)."""

    run_id: str
    task_id: str
    agent: str
    seed: int = 0
    model: str = ""
    status: EpisodeStatus = EpisodeStatus.FINISHED
    #: The question a person must answer (``status == awaiting_approval``); answer it with
    #: :meth:`forethought.Agent.answer`.
    approval: ApprovalRequest | None = None
    success: bool = False
    reward: float | None = None
    answer: str | None = None
    steps: int = 0
    #: Why the agent stopped (a ``StopReason`` value; ``None`` if it never stopped).
    stop_reason: str | None = None
    trap_triggered: bool = False
    #: The verifier's reason for its verdict (why it failed, above all).
    verdict_detail: str = ""
    gate_events: list[GateEvent] = Field(default_factory=list)
    speculative_actions: int = 0
    speculative_calls_saved: int = 0
    fidelity: FidelitySummary = Field(default_factory=FidelitySummary)
    usage: Usage = Field(default_factory=Cost)
    seconds: float = 0.0
    restarted: bool = False
    error: str | None = None
    trace_dir: str | None = None
    #: The steps taken and each step's imagined tree (node-link), from the trace; kept out
    #: of ``result.json`` and the results store, which hold the rest.
    trajectory: list[StepRecord] = Field(default_factory=list, exclude=True)
    trees: dict[int, dict[str, Any]] = Field(default_factory=dict, exclude=True)

    def summary(self) -> dict[str, Any]:
        """The ``solve --json`` object."""
        return {
            "run_id": self.run_id,
            "status": self.status.value,
            "success": self.success,
            "answer": self.answer,
            "steps": self.steps,
            "stop_reason": self.stop_reason,
            "verdict_detail": self.verdict_detail,
            "llm_calls": self.usage.calls,
            "completion_tokens": self.usage.completion_tokens,
            "seconds": round(self.seconds, 3),
            "gate_events": [e.model_dump() for e in self.gate_events],
            "fidelity": {
                "f1": self.fidelity.f1,
                "identity_f1": self.fidelity.identity_f1,
                "n": self.fidelity.n,
            },
            "speculative_actions": self.speculative_actions,
        }
