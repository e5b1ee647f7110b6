"""What the loop writes down: step records for the trace, and the browser for resume."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from forethought.agents.result import CandidateRecord, GateEvent, StepRecord
from forethought.envs import ActionParseError, parse_action
from forethought.envs.types import Action, Element, Observation, ResumableEnvironment
from forethought.planner import Candidate, SearchTree
from forethought.worldmodel.fidelity import Fidelity
from forethought.worldmodel.policy import Rejection
from forethought.worldmodel.predictions import describe_change

if TYPE_CHECKING:
    from forethought.agents.runtime import Runtime
    from forethought.agents.state import LoopState, Pending


def imagined_text(obs: Observation, prediction: Observation | None) -> str:
    """The imagined change from ``obs``, in words."""
    return "(not imagined)" if prediction is None else describe_change(obs, prediction)


def describe_state(state: Observation) -> str:
    """A search tree node's label."""
    return f"{state.title or state.url} ({len(state.elements)} elements)"


def candidate_record(
    tree: SearchTree[Observation, Action], obs: Observation, candidate: Candidate[Action]
) -> CandidateRecord:
    """One candidate of a search, with its imagined outcome when it was simulated."""
    node = candidate.nodes[0] if candidate.nodes else None
    imagined = tree.states.get(node) if node is not None else None
    return CandidateRecord(
        action=str(candidate.action),
        risk=candidate.action.risk.value,
        prior=round(candidate.prior, 4),
        score=candidate.value,
        visits=candidate.visits,
        prediction=describe_change(obs, imagined) if imagined is not None else None,
    )


def rejections(policy: object, obs: Observation) -> list[Rejection]:
    """What the policy's last proposal on ``obs`` rejected (a policy that keeps no
    rejections, like a plugged-in one, has none)."""
    rejected_on = getattr(policy, "rejected_on", None)
    return list(rejected_on(obs)) if rejected_on else []


def action_target(text: str, obs: Observation | None = None) -> str | None:
    """The element id an action's text targets, if it reads as an action."""
    try:
        return parse_action(text, obs).target
    except ActionParseError:
        return None


def named_elements(obs: Observation, actions: Iterable[str | None]) -> list[Element]:
    """The elements of ``obs`` that ``actions`` target, once each, in order."""
    found: dict[str, Element] = {}
    for text in actions:
        target = action_target(text, obs) if text else None
        element = obs.element(target) if target is not None else None
        if element is not None and element.id not in found:
            found[element.id] = element.model_copy(update={"depth": 0})
    return list(found.values())


def record_step(
    rt: Runtime,
    state: LoopState,
    pending: Pending,
    gate: GateEvent | None,
    *,
    executed: bool,
    error: str | None = None,
    fidelity: Fidelity | None = None,
    started: float | None = None,
) -> None:
    """Append the step (executed, or refused by the gate) to the trace."""
    obs, action = state.obs, pending.action
    acting = (time.perf_counter() - started) if started is not None else 0.0
    # A speculative step proposed nothing here: older rejections on this page are not its.
    rejected = [] if pending.speculative else rejections(rt.roles.policy, obs)
    texts = [str(action), *(c.action for c in pending.candidates), *(r.text for r in rejected)]
    rt.trace.append_step(
        StepRecord(
            step=state.step,
            url=obs.url,
            title=obs.title,
            page=obs.render(),
            candidates=pending.candidates,
            action=str(action),
            risk=action.risk.value,
            score=pending.score,
            prediction=imagined_text(obs, pending.prediction) if pending.prediction else None,
            gate=gate,
            speculative=pending.speculative,
            executed=executed,
            error=error,
            fidelity=fidelity,
            usage=pending.cost,
            seconds=pending.plan_seconds + acting,
            tree_file=pending.tree_file,
            rejected=rejected,
            elements=named_elements(obs, texts),
            calls=rt.trace.calls.claim(),
        )
    )


async def save_browser(rt: Runtime) -> None:
    """Keep what reopens the episode (URL, storage state) in the run folder, for resume."""
    if not isinstance(rt.env, ResumableEnvironment):
        return
    try:
        snapshot = await rt.env.snapshot()
    except Exception:  # no page, or a closed one: nothing to save
        return
    if snapshot is not None:
        (rt.run_dir / "browser.json").write_text(json.dumps(snapshot))
