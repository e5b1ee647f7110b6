"""The agent loop: a LangGraph ``StateGraph`` of observe → plan → gate → act → observe.

The graph plans again after every real step, except while it continues a verified
imagined path (speculative execution). State is checkpointed to SQLite after every node;
the env, the roles and the trace live in the :class:`Runtime`, outside the state.
"""

from __future__ import annotations

import json
import time
from typing import Any, Literal, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from forethought.agents.gate import rule
from forethought.agents.result import GateEvent, StepRecord, UsageSummary
from forethought.agents.runtime import Runtime
from forethought.envs.types import Action, ActionKind, Observation, ResumableEnvironment, Risk
from forethought.planner import Cost, Memo, plan
from forethought.worldmodel.fidelity import element_f1, measure
from forethought.worldmodel.predictions import WMFormat, describe_change


class LoopState(TypedDict, total=False):
    step: int
    obs: dict[str, Any]
    #: The chosen, not yet executed action: action, score, prediction, speculative, …
    pending: dict[str, Any] | None
    #: The rest of the best imagined path: [{"action": …, "state": …}], for speculation.
    continuation: list[dict[str, Any]]
    #: Actions the gate refused on the current page (by key), not to be proposed again.
    refused: list[str]
    gate_events: list[dict[str, Any]]
    fidelity: list[dict[str, Any]]
    speculative_actions: int
    speculative_calls_saved: int
    usage: dict[str, Any]
    done: bool
    answer: str | None
    stop_reason: str


def _obs(data: dict[str, Any]) -> Observation:
    return Observation.model_validate(data)


def _dump(obs: Observation) -> dict[str, Any]:
    return obs.model_dump(mode="json", exclude={"screenshot"})


def _action(data: dict[str, Any]) -> Action:
    return Action.model_validate(data)


def _add_usage(usage: dict[str, Any] | None, cost: Cost) -> dict[str, Any]:
    u = UsageSummary.model_validate(usage or {})
    u.llm_calls += cost.calls
    u.prompt_tokens += cost.prompt_tokens
    u.cached_tokens += cost.cached_tokens
    u.completion_tokens += cost.completion_tokens
    u.llm_seconds += cost.seconds
    return u.model_dump()


def _step_usage(cost: Cost) -> UsageSummary:
    return UsageSummary.model_validate(_add_usage(None, cost))


def _wm_format(rt: Runtime) -> WMFormat:
    return WMFormat(getattr(rt.roles.world_model, "format", WMFormat.DIFF))


def build_graph(rt: Runtime) -> StateGraph:
    """The loop's graph for one episode; compile it with a checkpointer."""

    async def observe(state: LoopState) -> LoopState:
        obs = _obs(state["obs"])
        step = state.get("step", 0)
        update: LoopState = {}
        if state.get("done"):  # the last action ended the episode: keep its reason
            return update
        if step >= rt.config.max_steps:
            return {"done": True, "stop_reason": "step limit"}
        continuation = list(state.get("continuation") or [])
        if continuation:
            nxt = continuation.pop(0)
            action = _action(nxt["action"])
            if _continues(rt, obs, action, nxt):
                update["pending"] = {
                    "action": nxt["action"],
                    "score": nxt.get("score"),
                    "prediction": nxt.get("next"),
                    "speculative": True,
                }
                update["continuation"] = continuation
                update["speculative_actions"] = state.get("speculative_actions", 0) + 1
                update["speculative_calls_saved"] = state.get("speculative_calls_saved", 0) + int(
                    nxt.get("calls_saved", 0)
                )
                await rt.emit("speculate", step, action=str(action))
                return update
            update["continuation"] = []
        update["pending"] = None
        return update

    async def plan_step(state: LoopState) -> LoopState:
        obs = _obs(state["obs"])
        step = state.get("step", 0)
        refused = set(state.get("refused") or [])
        started = time.perf_counter()
        await rt.emit("planning", step, url=obs.url)
        policy = _Filtered(rt.roles.policy, refused)
        candidates: list[dict[str, Any]] = []
        continuation: list[dict[str, Any]] = []
        if not rt.config.planning:
            proposals, cost = await policy.propose(rt.goal, obs, 1)
            action = proposals[0][0] if proposals else None
            score = prediction = None
            candidates = [
                {"action": str(a), "prior": p, "risk": a.risk.value} for a, p in proposals
            ]
            tree_file = None
        else:
            options = rt.config.planner_options()
            tree = None
            if rt.tree is not None and rt.last_action is not None:
                tree = rt.tree.reroot(rt.last_action, obs)
            decision = await plan(
                rt.goal,
                obs,
                policy,
                rt.roles.world_model,
                rt.roles.critic,
                options,
                tree=tree,
                # The memo holds proposals made before the gate refused some of them.
                memo=rt.memo if not refused else Memo(),
                on_event=lambda e: rt.emit("search", step, event=e.kind.value),
            )
            rt.tree = decision.tree
            action, cost = decision.action, decision.cost
            score = decision.score.value if decision.score else None
            prediction = decision.prediction
            candidates = [_candidate_record(rt, obs, c) for c in decision.candidates]
            tree_file = rt.trace.write_tree(step, decision.tree.to_node_link(_describe_state))
            if rt.config.speculate and len(decision.path) > 1 and _wm_format(rt) is not WMFormat.NL:
                saved = decision.cost.calls // max(len(decision.path), 1)
                prev = decision.path[0][1]
                for act, imagined in decision.path[1:]:
                    continuation.append(
                        {
                            "action": act.model_dump(mode="json"),
                            "expect": _dump(prev),
                            "next": _dump(imagined),
                            "score": score,
                            "calls_saved": saved,
                        }
                    )
                    prev = imagined
        update: LoopState = {"usage": _add_usage(state.get("usage"), cost)}
        await rt.emit(
            "planned",
            step,
            action=str(action) if action else None,
            score=score,
            candidates=candidates,
            rejected=[text for text, _ in getattr(rt.roles.policy, "rejected", [])],
            seconds=time.perf_counter() - started,
            usage=update["usage"],
        )
        if action is None:
            update.update(done=True, stop_reason="no valid action proposed", pending=None)
            return update
        update["pending"] = {
            "action": action.model_dump(mode="json"),
            "score": score,
            "prediction": _dump(prediction) if prediction is not None else None,
            "speculative": False,
            "candidates": candidates,
            "tree_file": tree_file,
            "cost": cost.as_dict(),
            "plan_seconds": time.perf_counter() - started,
        }
        update["continuation"] = continuation
        return update

    async def gate(state: LoopState) -> LoopState:
        pending = dict(state["pending"] or {})
        action = _action(pending["action"])
        step = state.get("step", 0)
        obs = _obs(state["obs"])
        update: LoopState = {}
        ruling = rule(action, pending.get("score"), rt.config)
        if ruling.needs_score:
            # Reactive agents (and unscored choices) imagine and score the risky action now.
            imagined, cost1 = await rt.roles.world_model.simulate(obs, action)
            score, cost2 = await rt.roles.critic.score(rt.goal, [(obs, action)], imagined)
            pending["score"] = score.value
            pending["prediction"] = _dump(imagined)
            update["usage"] = _add_usage(state.get("usage"), cost1 + cost2)
            ruling = rule(action, score.value, rt.config)
        decision = ruling.decision
        if ruling.ask:
            answer = interrupt(
                {
                    "step": step,
                    "action": str(action),
                    "risk": action.risk.value,
                    "score": pending.get("score"),
                    "imagined": _imagined_text(obs, pending.get("prediction")),
                }
            )
            decision = "approved" if answer else "denied"
        if action.risk is not Risk.SAFE or decision != "allowed":
            event = GateEvent(
                step=step,
                action=str(action),
                risk=action.risk.value,
                score=pending.get("score"),
                decision=decision or "blocked",
                reason=ruling.reason,
            )
            update["gate_events"] = [*state.get("gate_events", []), event.model_dump()]
            await rt.emit("gate", step, **event.model_dump(exclude={"step"}))
        pending["gate"] = decision
        update["pending"] = pending
        if decision in ("allowed", "approved"):
            return update
        refused = [*state.get("refused", []), action.key]
        _record(rt, state, pending, executed=False)
        update["refused"] = refused
        update["continuation"] = []
        if decision == "dry_run":
            update.update(done=True, stop_reason="dry run: stopped before a risky action")
        return update

    async def act(state: LoopState) -> LoopState:
        pending = dict(state["pending"] or {})
        action = _action(pending["action"])
        step = state.get("step", 0)
        before = _obs(state["obs"])
        intents = rt.intents
        intents.intend(step, action)
        started = time.perf_counter()
        result = await rt.env.step(action)
        await save_browser(rt)  # before the done mark: a resume reopens this page
        intents.done(step, action)
        rt.last_action = action
        obs = result.observation
        # An action that changed nothing is not proposed again on the same page.
        unchanged = obs.key == before.key and action.kind is not ActionKind.STOP
        update: LoopState = {
            "obs": _dump(obs),
            "step": step + 1,
            "refused": [action.key] if unchanged else [],
        }
        fidelity = None
        if pending.get("prediction") is not None:
            fid = measure(before, _obs(pending["prediction"]), obs, _wm_format(rt))
            fidelity = fid.model_dump(mode="json")
            update["fidelity"] = [*state.get("fidelity", []), fidelity]
        pending["error"] = result.error
        _record(rt, state, pending, executed=True, fidelity=fidelity, seconds=started)
        await rt.emit(
            "acted",
            step,
            action=str(action),
            url=obs.url,
            error=result.error,
            speculative=pending.get("speculative", False),
            fidelity=fidelity,
        )
        if action.kind is ActionKind.STOP:
            update.update(done=True, answer=action.value, stop_reason="stop")
        elif result.done:
            update.update(done=True, stop_reason="episode ended")
        return update

    graph = StateGraph(LoopState)
    graph.add_node("observe", observe)
    graph.add_node("plan", plan_step)
    graph.add_node("gate", gate)
    graph.add_node("act", act)
    graph.add_edge(START, "observe")
    graph.add_conditional_edges("observe", _after_observe, ["plan", "gate", END])
    graph.add_conditional_edges("plan", _after_plan, ["gate", END])
    graph.add_conditional_edges("gate", _after_gate, ["act", "observe", END])
    graph.add_edge("act", "observe")
    return graph


def _after_observe(state: LoopState) -> Literal["plan", "gate", "__end__"]:
    if state.get("done"):
        return END
    return "gate" if state.get("pending") else "plan"


def _after_plan(state: LoopState) -> Literal["gate", "__end__"]:
    return END if state.get("done") else "gate"


def _after_gate(state: LoopState) -> Literal["act", "observe", "__end__"]:
    if state.get("done"):
        return END
    pending = state.get("pending") or {}
    return "act" if pending.get("gate") in ("allowed", "approved") else "observe"


class _Filtered:
    """The policy, minus the actions the gate refused on this page."""

    def __init__(self, inner: Any, refused: set[str]) -> None:
        self.inner, self.refused = inner, refused

    async def propose(self, goal: str, state: Observation, k: int):
        proposals, cost = await self.inner.propose(goal, state, k + len(self.refused))
        kept = [(a, p) for a, p in proposals if a.key not in self.refused][:k]
        return kept, cost


def _continues(rt: Runtime, obs: Observation, action: Action, nxt: dict[str, Any]) -> bool:
    """Speculative execution goes on only for a safe action on a page that matches."""
    if action.risk is not Risk.SAFE or action.kind is ActionKind.STOP:
        return False
    if action.target is not None and obs.element(action.target) is None:
        return False
    expected = _obs(nxt["expect"])
    return element_f1(expected.elements, obs.elements) >= rt.config.speculate_threshold


def _imagined_text(obs: Observation, prediction: dict[str, Any] | None) -> str:
    if prediction is None:
        return "(not imagined)"
    return describe_change(obs, _obs(prediction))


def _describe_state(state: Observation) -> str:
    return f"{state.title or state.url} ({len(state.elements)} elements)"


def _candidate_record(rt: Runtime, obs: Observation, candidate: Any) -> dict[str, Any]:
    action: Action = candidate.action
    record: dict[str, Any] = {
        "action": str(action),
        "risk": action.risk.value,
        "prior": round(candidate.prior, 4),
        "score": candidate.value,
        "visits": candidate.visits,
    }
    node = candidate.nodes[0] if candidate.nodes else None
    if node is not None and node in rt.tree.states:
        record["prediction"] = describe_change(obs, rt.tree.states[node])
    return record


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


def _record(
    rt: Runtime,
    state: LoopState,
    pending: dict[str, Any],
    *,
    executed: bool,
    fidelity: dict[str, Any] | None = None,
    seconds: float | None = None,
) -> None:
    obs = _obs(state["obs"])
    action = _action(pending["action"])
    gate_events = state.get("gate_events") or []
    step = state.get("step", 0)
    gate = next((GateEvent(**g) for g in reversed(gate_events) if g["step"] == step), None)
    cost = Cost(**pending["cost"]) if pending.get("cost") else Cost()
    rt.trace.append_step(
        StepRecord(
            step=state.get("step", 0),
            url=obs.url,
            title=obs.title,
            page=obs.render(),
            candidates=pending.get("candidates") or [],
            action=str(action),
            risk=action.risk.value,
            score=pending.get("score"),
            prediction=_imagined_text(obs, pending.get("prediction"))
            if pending.get("prediction")
            else None,
            gate=gate,
            speculative=bool(pending.get("speculative")),
            executed=executed,
            error=pending.get("error"),
            fidelity=fidelity,
            usage=_step_usage(cost),
            seconds=pending.get("plan_seconds", 0.0)
            + ((time.perf_counter() - seconds) if seconds else 0.0),
            tree_file=pending.get("tree_file"),
        )
    )
