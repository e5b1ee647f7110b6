"""Where actions really happen: types, the browser, built-in sites, MiniWoB++, BrowserGym."""

from forethought.envs.types import (
    Action,
    ActionKind,
    CheckSpec,
    Element,
    Environment,
    Observation,
    Risk,
    StepResult,
    Task,
    Verdict,
)

__all__ = [
    "Action",
    "ActionKind",
    "CheckSpec",
    "Element",
    "Environment",
    "Observation",
    "Risk",
    "StepResult",
    "Task",
    "Verdict",
]
