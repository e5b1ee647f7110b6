"""Pure search over imagined futures: lookahead, MCTS and beam search with budgets.

The planner imports nothing else from ``forethought``; it is generic over a state type
and a hashable action type, and talks to the LLM roles only through the protocols below.
"""

from .budget import Budget, BudgetTracker
from .candidates import Candidate
from .decision import Decision
from .memo import Memo
from .options import PRESETS, PlannerOptions, ProposalMode, StrictModel, WMFormat
from .plan import ALGORITHMS, plan
from .protocols import Critic, Policy, StateKey, WorldModel, default_state_key
from .tree import SearchTree
from .types import ZERO_COST, Cost, EventKind, PlanEvent, Score, StopReason

__all__ = [
    "ALGORITHMS",
    "PRESETS",
    "ZERO_COST",
    "Budget",
    "BudgetTracker",
    "Candidate",
    "Cost",
    "Critic",
    "Decision",
    "EventKind",
    "Memo",
    "PlanEvent",
    "PlannerOptions",
    "Policy",
    "ProposalMode",
    "Score",
    "SearchTree",
    "StateKey",
    "StopReason",
    "StrictModel",
    "WMFormat",
    "WorldModel",
    "default_state_key",
    "plan",
]
