"""Model-free speculative drafting for world-model rollouts, and its acceptance simulator."""

from forethought.worldmodel.drafting.drafter import RequestAwareDraft, SuffixDrafter
from forethought.worldmodel.drafting.policy import DraftPolicy
from forethought.worldmodel.drafting.simulator import Rollout, SimReport, replay

__all__ = ["DraftPolicy", "RequestAwareDraft", "Rollout", "SimReport", "SuffixDrafter", "replay"]
