"""What an episode returns, and the events it records. Shared by the API, CLI and eval."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

GateDecision = Literal["allowed", "approved", "denied", "blocked", "dry_run", "not_scored"]


class GateEvent(BaseModel):
    """One decision of the safety gate on a risky action."""

    step: int
    action: str
    risk: str
    score: float | None
    decision: GateDecision
    reason: str = ""


class FidelitySummary(BaseModel):
    """Mean world-model fidelity over the executed actions that had a prediction."""

    f1: float | None = None
    identity_f1: float | None = None
    change_f1: float | None = None
    n: int = 0


class UsageSummary(BaseModel):
    llm_calls: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    llm_seconds: float = 0.0
    draft_tokens: int = 0
    accepted_tokens: int = 0


class StepRecord(BaseModel):
    """One real step: what was seen, imagined, scored, decided and done."""

    step: int
    url: str
    title: str = ""
    page: str = Field(description="The observation as the models read it.")
    candidates: list[dict[str, Any]] = Field(default_factory=list)
    action: str | None = None
    risk: str | None = None
    score: float | None = None
    prediction: str | None = None
    gate: GateEvent | None = None
    speculative: bool = False
    executed: bool = False
    error: str | None = None
    fidelity: dict[str, Any] | None = None
    usage: UsageSummary = Field(default_factory=UsageSummary)
    seconds: float = 0.0
    tree_file: str | None = None


class EpisodeResult(BaseModel):
    """The outcome of one episode (``forethought solve --json`` prints most of it)."""

    run_id: str
    task_id: str
    agent: str
    seed: int = 0
    model: str = ""
    success: bool = False
    reward: float | None = None
    answer: str | None = None
    steps: int = 0
    #: Why the agent stopped: ``stop``, ``step limit``, ``episode ended``, ``no valid
    #: action proposed`` or ``dry run: …`` (``None`` if it never stopped on its own).
    stop_reason: str | None = None
    trap_triggered: bool = False
    gate_events: list[GateEvent] = Field(default_factory=list)
    speculative_actions: int = 0
    speculative_calls_saved: int = 0
    fidelity: FidelitySummary = Field(default_factory=FidelitySummary)
    usage: UsageSummary = Field(default_factory=UsageSummary)
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
            "success": self.success,
            "answer": self.answer,
            "steps": self.steps,
            "stop_reason": self.stop_reason,
            "llm_calls": self.usage.llm_calls,
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
