"""The agent: the typed step pipeline, the imagining service, the gate, traces, the API."""

from forethought.agents.api import Agent, make_task
from forethought.agents.config import AGENTS, AgentConfig, AgentKind, OnIrreversible
from forethought.agents.episode import ResumeError, run_episode
from forethought.agents.events import Event
from forethought.agents.result import (
    ApprovalRequest,
    EpisodeResult,
    EpisodeStatus,
    GateDecision,
    GateEvent,
)
from forethought.agents.runtime import Roles
from forethought.agents.state import StopReason

__all__ = [
    "AGENTS",
    "Agent",
    "AgentConfig",
    "AgentKind",
    "ApprovalRequest",
    "EpisodeResult",
    "EpisodeStatus",
    "Event",
    "GateDecision",
    "GateEvent",
    "OnIrreversible",
    "ResumeError",
    "Roles",
    "StopReason",
    "make_task",
    "run_episode",
]
