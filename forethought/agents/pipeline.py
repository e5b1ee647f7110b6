"""The agent loop: a LangGraph ``StateGraph`` of observe → plan → assess → gate → act.

Each node is one method of :class:`StepPipeline` over the typed :class:`LoopState`. The
loop plans again after every real step, except while it continues a verified imagined
path (speculation) or fills the other fields of a form the reactive policy wrote out.
State is checkpointed to SQLite after every node; the env, the roles and the trace live
in the :class:`Runtime`, outside the state.

Only ``gate`` can be interrupted (an approval in ``ask`` mode), and LangGraph re-runs an
interrupted node from its start on resume: so ``gate`` does nothing expensive. The
imagining it needs happens in ``assess``, whose result is checkpointed before ``gate``
runs; so does, in ``ask`` mode, the probe that learns which writes the action will send.

``act`` runs the action under a :class:`~forethought.envs.types.WritePermit` from the
gate's ruling: the browser holds and aborts every other write, and the loop records it
as a ``blocked_write`` gate event and learns those writes for the next ruling.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from forethought.agents.events import Acted, GateRuled, Planned, Planning, Searched, Speculated
from forethought.agents.gate import effective, permit, rule
from forethought.agents.memory import memory_line, remember
from forethought.agents.recording import (
    candidate_record,
    describe_state,
    imagined_text,
    record_step,
    rejections,
    save_browser,
)
from forethought.agents.result import ApprovalRequest, CandidateRecord, GateDecision, GateEvent
from forethought.agents.runtime import Runtime
from forethought.agents.state import (
    ImaginedStep,
    LoopState,
    Pending,
    StopReason,
    fields_key,
    kept,
    write_key,
)
from forethought.envs.actions import field_of, misfit
from forethought.envs.risk import assign_risk
from forethought.envs.types import (
    Action,
    ActionKind,
    Environment,
    FirewalledEnvironment,
    Observation,
    Risk,
    StepResult,
    Write,
    WritePermit,
)
from forethought.planner import Cost, Decision, Memo, PlannerOptions, WMFormat, plan
from forethought.worldmodel.fidelity import element_f1, measure

Update = dict[str, Any]


class StepPipeline:
    """The loop's nodes, one method each. Each returns the state fields it changes."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def observe(self, state: LoopState) -> Update:
        """End at the step limit; otherwise continue the imagined path while it holds."""
        if state.done:  # the last action ended the episode: keep its reason
            return {}
        if state.step >= self.rt.max_steps:
            return {"done": True, "stop_reason": StopReason.STEP_LIMIT}
        if state.fills:
            return self._next_fill(state)
        if not state.continuation:
            return {"pending": None}
        nxt, rest = state.continuation[0], state.continuation[1:]
        # The risk comes from the real page (and what the action was seen to send there),
        # never from the imagined page's labels.
        action = _as_seen(state, assign_risk(nxt.action, state.obs))
        tried = action.key in state.tried.get(state.obs.situation, ())
        if tried or not self._continues(state.obs, nxt, action):
            return {"pending": None, "continuation": []}
        await self.rt.emit(Speculated(step=state.step, action=str(action)))
        return {
            "pending": Pending(
                action=action, score=nxt.score, prediction=nxt.next, speculative=True
            ),
            "continuation": rest,
            "speculative_actions": state.speculative_actions + 1,
            "speculative_calls_saved": state.speculative_calls_saved + nxt.calls_saved,
        }

    async def plan(self, state: LoopState) -> Update:
        """Choose the next action: the policy alone (reactive) or a search."""
        rt, started = self.rt, time.perf_counter()
        await rt.emit(Planning(step=state.step, url=state.obs.url))
        options = rt.config.planner_options()
        rt.imagining.begin_decision(options.budget())
        planning = rt.config.planning
        choice = await (self._search(state, options) if planning else self._react(state))
        usage = state.usage + choice.cost
        await rt.emit(
            Planned(
                step=state.step,
                action=str(choice.action) if choice.action else None,
                score=choice.score,
                candidates=choice.candidates,
                rejected=self._rejected(state.obs),
                seconds=time.perf_counter() - started,
                usage=usage,
            )
        )
        if choice.action is None:
            return {"usage": usage, "done": True, "stop_reason": StopReason.NO_ACTION}
        pending = Pending(
            # Its risk comes from the real page, never from a memo of an imagined one.
            action=_as_seen(state, assign_risk(choice.action, state.obs)),
            score=choice.score,
            prediction=choice.prediction,
            candidates=choice.candidates,
            tree_file=choice.tree_file,
            cost=choice.cost,
            plan_seconds=time.perf_counter() - started,
        )
        return {
            "usage": usage,
            "pending": pending,
            "continuation": choice.continuation,
            "fills": choice.fills,
        }

    async def assess(self, state: LoopState) -> Update:
        """Imagine and score the chosen action when the gate needs a score it lacks; in
        ``ask`` mode, learn the writes it will send by trying it with writes held."""
        pending = state.pending
        assert pending is not None
        key = write_key(state.obs, pending.action)
        writes = state.learned_writes.get(key, [])
        pending = pending.model_copy(
            update={"action": effective(pending.action, writes), "writes": writes}
        )
        update: Update = {"pending": pending}
        config = self.rt.config
        if rule(pending.action, pending.score, config).needs_score:
            found, cost = await self.rt.imagining.assess(self.rt.goal, state.obs, pending.action)
            scored = {"score": found.score.value, "prediction": found.outcome} if found else {}
            pending = pending.model_copy(update={**scored, "cost": pending.cost + cost})
            update.update(pending=pending, usage=state.usage + cost)
        env = self.rt.env
        asks = rule(pending.action, pending.score, config).ask
        if asks and not writes and isinstance(env, FirewalledEnvironment):
            writes = await env.probe(pending.action)
            pending = pending.model_copy(
                update={"action": effective(pending.action, writes), "writes": writes}
            )
            update.update(pending=pending, learned_writes={**state.learned_writes, key: writes})
        return update

    async def gate(self, state: LoopState) -> Update:
        """Rule on the chosen action; in ``ask`` mode, interrupt for a person's answer."""
        pending = state.pending
        assert pending is not None
        action = pending.action
        ruling = rule(action, pending.score, self.rt.config)
        decision, reason = ruling.decision, ruling.reason
        if ruling.needs_score:  # ``assess`` could not score it within the budget
            decision = GateDecision.NOT_SCORED
            reason = "the decision's budget was spent before its outcome was scored"
        if ruling.ask:
            request = ApprovalRequest(
                step=state.step,
                action=str(action),
                risk=action.risk.value,
                score=pending.score,
                imagined=imagined_text(state.obs, pending.prediction),
                writes=pending.writes,
            )
            approved = interrupt(request)
            decision = GateDecision.APPROVED if approved else GateDecision.DENIED
        assert decision is not None
        pending = pending.model_copy(update={"gate": decision})
        update: Update = {"pending": pending}
        event = None
        if action.risk is not Risk.SAFE or decision is not GateDecision.ALLOWED:
            event = GateEvent(
                step=state.step,
                action=str(action),
                risk=action.risk.value,
                score=pending.score,
                decision=decision,
                reason=reason,
                writes=pending.writes,
            )
            update["gate_events"] = [*state.gate_events, event]
            await self.rt.emit(GateRuled(**event.model_dump()))
        if pending.passed:
            return update
        record_step(self.rt, state, pending, event, executed=False)
        update.update(refused=[*state.refused, action.key], continuation=[])
        if decision is GateDecision.DRY_RUN:
            update.update(done=True, stop_reason=StopReason.DRY_RUN)
        return update

    async def act(self, state: LoopState) -> Update:
        """Run the action in the real environment and measure the prediction's fidelity."""
        rt, pending, step = self.rt, state.pending, state.step
        assert pending is not None
        action, before = pending.action, state.obs
        started = time.perf_counter()
        rt.intents.intend(step, action)
        allowed = permit(action, pending.gate, rt.config, pending.writes)
        result = await _step(rt.env, action, allowed)
        await save_browser(rt)  # before the done mark: a resume reopens this page
        rt.intents.done(step, action)
        rt.last_action = action
        obs = kept(result.observation)
        error = result.error or obs.error
        history = remember(state.history, memory_line(action, before, obs, error))
        obs = obs.model_copy(update={"memory": history})
        update: Update = {"obs": obs, "step": step + 1, "refused": [], "history": history}
        if state.fills and (error or _controls(obs) != _controls(before)):
            update["fills"] = []  # the form changed: ask again
        fidelity = None
        if pending.prediction is not None:
            fidelity = measure(before, pending.prediction, obs, self._wm_format())
            update["fidelity"] = [*state.fidelity, fidelity]
        event = next((g for g in reversed(state.gate_events) if g.step == step), None)
        late = result.info.get("between_steps", {}).get("blocked_writes", [])
        noop = action.kind is not ActionKind.STOP and bool(error or obs.key == before.key)
        if result.blocked_writes or late:  # late: held after the last step had settled
            writes = [*result.blocked_writes, *(Write.model_validate(w) for w in late)]
            event = await self._held(state, pending, writes, update)
            if noop:  # the gate's doing, not the page's: skipped once, then ruled on again
                update["refused"] = [action.key]
        elif action.kind is not ActionKind.STOP:  # not again while this page stays the same
            self._ban(state, before, action, update)
        record_step(
            rt,
            state,
            pending,
            event,
            executed=True,
            error=result.error,
            fidelity=fidelity,
            started=started,
        )
        await rt.emit(
            Acted(
                step=step,
                action=str(action),
                url=obs.url,
                error=result.error,
                speculative=pending.speculative,
                fidelity=fidelity,
            )
        )
        if action.kind is ActionKind.STOP:
            update.update(done=True, answer=action.value, stop_reason=StopReason.STOP)
        elif result.done:
            update.update(done=True, stop_reason=StopReason.EPISODE_ENDED)
        return update

    async def _held(
        self, state: LoopState, pending: Pending, writes: list[Write], update: Update
    ) -> GateEvent:
        """The firewall held writes the gate had not approved: record them as a gate event
        and learn them, so the gate rules on them when the action comes again."""
        action = effective(pending.action, writes)
        event = GateEvent(
            step=state.step,
            action=str(action),
            risk=action.risk.value,
            score=pending.score,
            decision=GateDecision.BLOCKED_WRITE,
            reason="the action tried to write what the gate had not approved; held and aborted",
            writes=writes,
        )
        key = write_key(state.obs, pending.action)
        update.update(
            gate_events=[*state.gate_events, event],
            learned_writes={**state.learned_writes, key: writes},
            continuation=[],
        )
        await self.rt.emit(GateRuled(**event.model_dump()))
        return event

    def _ban(self, state: LoopState, page: Observation, action: Action, update: Update) -> None:
        """Record ``action`` as tried on ``page`` (a fill or select also on its URL)."""
        keys = [page.situation, *([fields_key(page)] if action.kind in _FORM_KINDS else [])]
        tried = dict(state.tried)
        for key in keys:
            if action.key not in tried.get(key, ()):
                tried[key] = [*tried.get(key, ()), action.key]
        if tried == state.tried:  # already: nothing new to plan around
            return
        update["tried"] = tried
        # The memo's proposals predate the ban; so does the search tree, if its next root
        # is this same page.
        self.rt.memo.clear()
        if update["obs"].situation == page.situation:
            self.rt.tree = None

    # --- helpers -------------------------------------------------------------------------

    def _policy(self, state: LoopState) -> _Filtered:
        """The policy, minus what the gate refused here and what each page has tried."""
        return _Filtered(self.rt.roles.policy, set(state.refused), state.tried)

    async def _react(self, state: LoopState) -> _Choice:
        """The policy's first proposal, unimagined (the gate imagines risky ones); when it
        fills a field, the fills that follow it on other fields come next."""
        policy = self._policy(state)
        proposals, cost = await policy.propose(self.rt.goal, state.obs, REACTIVE_PROPOSALS)
        candidates = [
            CandidateRecord(action=str(a), risk=a.risk.value, prior=p) for a, p in proposals
        ]
        if not proposals:
            return _Choice(None, cost, candidates)
        actions = [a for a, _ in proposals]
        return _Choice(actions[0], cost, candidates, fills=_form_fills(actions))

    def _next_fill(self, state: LoopState) -> Update:
        """The next queued fill, while it still fits the page and has not been tried."""
        action = _as_seen(state, assign_risk(state.fills[0], state.obs))
        if action.key in state.tried.get(state.obs.situation, ()) or misfit(action, state.obs):
            return {"pending": None, "fills": []}
        return {"pending": Pending(action=action), "fills": state.fills[1:]}

    async def _search(self, state: LoopState, options: PlannerOptions) -> _Choice:
        """A search over imagined futures; its best path past the action, for speculation."""
        rt, obs = self.rt, state.obs
        tree = None
        if rt.tree is not None and rt.last_action is not None:
            tree = rt.tree.reroot(rt.last_action, obs)
        decision = await plan(
            rt.goal,
            obs,
            self._policy(state),
            rt.imagining,
            rt.imagining,
            options,
            tree=tree,
            # The memo holds proposals made before the gate refused some of them.
            memo=rt.memo if not state.refused else Memo(),
            on_event=lambda e: rt.emit(Searched(step=state.step, event=e.kind.value)),
        )
        rt.tree = decision.tree
        score = decision.score.value if decision.score else None
        return _Choice(
            action=decision.action,
            cost=decision.cost,
            candidates=[candidate_record(decision.tree, obs, c) for c in decision.candidates],
            score=score,
            prediction=decision.prediction,
            tree_file=rt.trace.write_tree(state.step, decision.tree.to_node_link(describe_state)),
            continuation=self._continuation(decision, score),
        )

    def _continuation(
        self, decision: Decision[Observation, Action], score: float | None
    ) -> list[ImaginedStep]:
        if not self.rt.config.speculate or self._wm_format() is WMFormat.NL:
            return []
        path = decision.path
        saved = decision.cost.calls // max(len(path), 1)
        return [
            ImaginedStep(action=act, expect=prev, next=imagined, score=score, calls_saved=saved)
            for (_, prev), (act, imagined) in pairwise(path)
        ]

    def _continues(self, obs: Observation, nxt: ImaginedStep, action: Action) -> bool:
        """Speculation goes on only for a safe action (by the real page) on a page that
        matches the imagined one."""
        if action.risk is not Risk.SAFE or action.kind is ActionKind.STOP:
            return False
        if action.target is not None and obs.element(action.target) is None:
            return False
        return element_f1(nxt.expect.elements, obs.elements) >= self.rt.config.speculate_threshold

    def _rejected(self, obs: Observation) -> list[str]:
        return [r.text for r in rejections(self.rt.roles.policy, obs)]

    def _wm_format(self) -> WMFormat:
        return WMFormat(getattr(self.rt.roles.world_model, "format", WMFormat.DIFF))


@dataclass
class _Choice:
    """What a decision chose (``action`` is ``None`` when nothing valid was proposed)."""

    action: Action | None
    cost: Cost
    candidates: list[CandidateRecord]
    score: float | None = None
    prediction: Observation | None = None
    tree_file: str | None = None
    continuation: list[ImaginedStep] = field(default_factory=list)
    fills: list[Action] = field(default_factory=list)


class _Filtered:
    """The policy, minus the actions the gate refused on this page and, on any page,
    the actions already run there (``tried``, by ``Observation.situation``), and the
    fields already set on its URL (:func:`fields_key`)."""

    def __init__(self, inner: Any, refused: set[str], tried: dict[str, list[str]]) -> None:
        self.inner, self.refused, self.tried = inner, refused, tried

    async def propose(
        self, goal: str, state: Observation, k: int
    ) -> tuple[list[tuple[Action, float]], Cost]:
        set_fields = self.tried.get(fields_key(state), ())
        banned = self.refused.union(self.tried.get(state.situation, ()), set_fields)
        if banned and "avoid" in inspect.signature(self.inner.propose).parameters:
            # (a policy that can leave them out of its constraint is told what they are)
            proposals, cost = await self.inner.propose(goal, state, k, avoid=banned)
        else:
            proposals, cost = await self.inner.propose(goal, state, k + len(banned))
        fields = {field_of(key) for key in set_fields}
        kept = [
            (a, p) for a, p in proposals if a.key not in banned and field_of(a.key) not in fields
        ]
        return kept[:k], cost


#: Actions the reactive agent asks for: the first is taken; fills on other fields that
#: follow a fill come after it (see :func:`_form_fills`).
REACTIVE_PROPOSALS = 3

_FORM_KINDS = (ActionKind.FILL, ActionKind.SELECT)


def _form_fills(actions: list[Action]) -> list[Action]:
    """The fills and selects that follow a first fill or select, each on a field not
    touched before it, up to the first other action."""
    if actions[0].kind not in _FORM_KINDS:
        return []
    fields, fills = {actions[0].target}, []
    for action in actions[1:]:
        if action.kind not in _FORM_KINDS or action.target in fields:
            break
        fields.add(action.target)
        fills.append(action)
    return fills


def _controls(obs: Observation) -> list[tuple[str, str, str]]:
    """The page's controls as they are named, whatever they hold."""
    return [(e.id, e.role, e.name) for e in obs.actionable]


def _as_seen(state: LoopState, action: Action) -> Action:
    """``action`` with the risk of the writes it was seen to send on this page."""
    return effective(action, state.learned_writes.get(write_key(state.obs, action), []))


async def _step(env: Environment, action: Action, allowed: WritePermit) -> StepResult:
    """Run ``action``; an environment with a write firewall holds what ``allowed`` does not
    cover (others cannot, and run it as it is)."""
    if isinstance(env, FirewalledEnvironment):
        return await env.step(action, allowed)
    return await env.step(action)


def build_graph(rt: Runtime) -> StateGraph:
    """The loop's graph for one episode; compile it with a checkpointer."""
    nodes = StepPipeline(rt)
    graph = StateGraph(LoopState)
    graph.add_node("observe", nodes.observe)
    graph.add_node("plan", nodes.plan)
    graph.add_node("assess", nodes.assess)
    graph.add_node("gate", nodes.gate)
    graph.add_node("act", nodes.act)
    graph.add_edge(START, "observe")
    graph.add_conditional_edges("observe", _after_observe, ["plan", "assess", END])
    graph.add_conditional_edges("plan", _after_plan, ["assess", END])
    graph.add_edge("assess", "gate")
    graph.add_conditional_edges("gate", _after_gate, ["act", "observe", END])
    graph.add_edge("act", "observe")
    return graph


def _after_observe(state: LoopState) -> Literal["plan", "assess", "__end__"]:
    if state.done:
        return END
    return "assess" if state.pending else "plan"


def _after_plan(state: LoopState) -> Literal["assess", "__end__"]:
    return END if state.done else "assess"


def _after_gate(state: LoopState) -> Literal["act", "observe", "__end__"]:
    if state.done:
        return END
    return "act" if state.pending and state.pending.passed else "observe"
