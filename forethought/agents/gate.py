"""The safety gate: act only after imagined outcomes are scored.

- ``safe`` actions pass.
- A ``state_changing`` action runs only after its imagined outcome was scored.
- An ``irreversible`` action runs only when its imagined outcome scored at or above the
  threshold, and then as ``--on-irreversible`` says: ``allow-scored`` runs it, ``deny``
  never does, ``ask`` asks the person (the graph interrupts for approval).
- ``--dry-run`` never runs a ``state_changing`` or ``irreversible`` action.
- With the gate off everything passes (dry-run still holds).

An action's risk is the larger of its label's (the prior) and what it was seen to send
(:func:`effective`): the browser's write firewall holds every write the ruling did not
cover (:func:`permit`), so a mislabelled button or a submitting key cannot write past
the gate. The held writes are learned, and the gate rules on them when the action comes
again.
"""

from __future__ import annotations

from dataclasses import dataclass

from forethought.agents.config import AgentConfig, OnIrreversible
from forethought.agents.result import GateDecision
from forethought.envs.types import Action, Risk, Write, WritePermit


@dataclass(frozen=True)
class GateRuling:
    decision: GateDecision | None
    """``None`` while the gate still needs a score or a person's answer."""
    needs_score: bool = False
    ask: bool = False
    reason: str = ""


def rule(action: Action, score: float | None, config: AgentConfig) -> GateRuling:
    """The gate's ruling on ``action`` whose imagined outcome scored ``score`` (or not yet)."""
    risky = action.risk is not Risk.SAFE
    if config.dry_run and risky:
        return GateRuling(
            GateDecision.DRY_RUN, reason="dry run: risky actions are shown, never executed"
        )
    if not config.gate or not risky:
        return GateRuling(GateDecision.ALLOWED)
    if score is None:
        return GateRuling(None, needs_score=True, reason="risky action not scored yet")
    if action.risk is Risk.STATE_CHANGING:
        return GateRuling(GateDecision.ALLOWED, reason=f"imagined outcome scored {score:.2f}")
    if score < config.gate_threshold:
        return GateRuling(
            GateDecision.BLOCKED,
            reason=f"imagined outcome scored {score:.2f} < {config.gate_threshold}",
        )
    if config.on_irreversible is OnIrreversible.DENY:
        return GateRuling(GateDecision.DENIED, reason="--on-irreversible deny")
    if config.on_irreversible is OnIrreversible.ASK:
        return GateRuling(None, ask=True, reason=f"imagined outcome scored {score:.2f}")
    return GateRuling(GateDecision.ALLOWED, reason=f"imagined outcome scored {score:.2f}")


def effective(action: Action, writes: list[Write]) -> Action:
    """``action`` with its risk raised to the riskiest write it was seen to send."""
    risk = max([action.risk, *(w.risk for w in writes)], key=lambda r: r.rank)
    return action if risk is action.risk else action.with_risk(risk)


def permit(
    action: Action, decision: GateDecision | None, config: AgentConfig, writes: list[Write]
) -> WritePermit:
    """The writes an action the gate passed may send; the firewall holds all others.

    Dry run: none. Gate off: all. Approved by a person: exactly the writes shown to them.
    Otherwise: writes up to the risk the gate ruled on (a ``safe`` action may send none).
    """
    if config.dry_run:
        return WritePermit.nothing()
    if not config.gate:
        return WritePermit.everything()
    if decision is GateDecision.APPROVED:
        return WritePermit(approved=tuple(writes))
    if action.risk is Risk.SAFE:
        return WritePermit.nothing()
    return WritePermit(level=action.risk, approved=tuple(writes))
