"""The agent: the LangGraph loop, the safety gate, speculative execution, the API."""

from forethought.agents.api import Agent, make_task
from forethought.agents.config import AGENTS, AgentConfig
from forethought.agents.episode import ResumeError, run_episode
from forethought.agents.result import EpisodeResult, GateEvent
from forethought.agents.runtime import Roles

__all__ = [
    "AGENTS",
    "Agent",
    "AgentConfig",
    "EpisodeResult",
    "GateEvent",
    "ResumeError",
    "Roles",
    "make_task",
    "run_episode",
]
