"""Where actions really happen: types, the browser, built-in sites, MiniWoB++, BrowserGym."""

from forethought.envs.types import (
    Action,
    ActionKind,
    CheckSpec,
    Element,
    Environment,
    FirewalledEnvironment,
    Observation,
    Risk,
    StepResult,
    Task,
    Verdict,
    Write,
    WritePermit,
)

__all__ = [
    "Action",
    "ActionKind",
    "CheckSpec",
    "Element",
    "Environment",
    "FirewalledEnvironment",
    "Observation",
    "Risk",
    "StepResult",
    "Task",
    "Verdict",
    "Write",
    "WritePermit",
]
