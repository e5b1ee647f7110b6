"""Where actions really happen: types, the action table, the browser, built-in sites,
MiniWoB++, BrowserGym."""

from forethought.envs.actions import ACTIONS, ActionSpec
from forethought.envs.parse import ActionParseError, parse_action
from forethought.envs.risk import assign_risk
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
    "ACTIONS",
    "Action",
    "ActionKind",
    "ActionParseError",
    "ActionSpec",
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
    "assign_risk",
    "parse_action",
]
