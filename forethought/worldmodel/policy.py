"""The LLM policy: proposes K distinct, valid candidate actions for a page.

It implements the planner's :class:`~forethought.planner.Policy` over pages
(:class:`Observation`) and actions (:class:`Action`). A weak model's bad candidates are
data: each is repaired (a label where an id belongs) or rejected with its reason, and the
rejections of the last proposal on a page are kept for traces (:meth:`LLMPolicy.rejected_on`).

Two ways to propose (:class:`~forethought.planner.ProposalMode`): the model writes its K
actions in one constrained reply (``list``), or every valid action of the page is ranked
by the model's likelihood of writing it, in one cached pass (``rank``).
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from forethought.envs.actions import (
    ACTION_PATTERN,
    ACTIONS,
    PageAction,
    exact_pattern,
    literal_pattern,
    misfit,
    page_actions,
    page_pattern,
)
from forethought.envs.actions import CALL_PATTERN as _CALL
from forethought.envs.parse import ActionParseError, parse_action
from forethought.envs.risk import assign_risk
from forethought.envs.types import Action, ActionKind, Observation
from forethought.planner import Cost, ProposalMode
from forethought.worldmodel.client import LLMClient, StructuredOutputError
from forethought.worldmodel.popups import dismissal
from forethought.worldmodel.prompts import Prompts
from forethought.worldmodel.relevance import answer_lines, evidence, goal_option, words


def _written_in_order(schema: dict[str, Any]) -> None:
    # All fields required in the schema, so a constrained reply names the next part of the
    # goal, then the element line, then the actions; when read, a reply without them counts.
    schema["required"] = ["next", "element", "actions"]


#: The longest ``next`` a constrained reply may write (it costs decoding time); a longer
#: one from a server that does not constrain is still read.
NEXT_CHARS = 100


class Proposal(BaseModel):
    model_config = ConfigDict(json_schema_extra=_written_in_order)

    #: The part of the goal to do now, in the model's words: naming it first keeps a
    #: small model from jumping to the goal's last step (submit before the fields).
    next: str = Field("", json_schema_extra={"maxLength": NEXT_CHARS})
    #: The page line of the element the goal needs next, copied: writing it first grounds
    #: a small model's choice of id in what the line says.
    element: str = ""
    actions: list[str]


def element_pattern(
    obs: Observation, avoid: Collection[str] = (), answers: Collection[str] = ()
) -> str | None:
    """The ``element`` field's pattern over a JSON string's raw characters: the start of
    one of the page's actionable lines, ``[id] role 'name'`` (short: its row text and
    options are left out), of an element with an action left to take but a hover
    (``avoid``: action keys tried here; let a small model name an element whose click
    was tried, and its action, held off it, goes to a neighbour's id). (A way out such
    as "done" lets a small model stop before it starts: it ends with stop() instead.)
    For a question, the text lines that may answer it (``answers``) can be named too:
    held to naming a control, a small model read the answer and clicked on."""
    left = {
        a.element.id
        for a in page_actions(obs, avoid)
        if a.element is not None and a.spec.kind is not ActionKind.HOVER
    }
    ids = "|".join(e.id for e in obs.actionable if e.id in left)
    lines = [rf"\[({ids})\] [a-z]+( '([^'\"\\\n]|\\\\.)*')?"] if ids else []
    lines += [literal_pattern(line) for line in answers]
    return f"^({'|'.join(lines)})$" if lines else None


@functools.lru_cache(maxsize=64)
def proposal_schema(
    k: int, pattern: str = ACTION_PATTERN, element: str | None = None
) -> type[Proposal]:
    """A :class:`Proposal` of at most ``k`` actions, each held to ``pattern`` by servers
    that constrain decoding with the schema (llama.cpp, vLLM): the page's valid actions
    (:func:`~forethought.envs.actions.page_pattern`), after the ``element`` line (held to
    ``element``, see :func:`element_pattern`). The patterns read a JSON string's raw
    characters; replies are still parsed leniently (``_CALL``) and validated here.
    """
    text = Annotated[str, Field(json_schema_extra={"pattern": pattern})]
    line = Annotated[str, Field(json_schema_extra={"pattern": element} if element else None)]
    return create_model(
        f"Proposal{k}",
        __base__=Proposal,
        element=(line, ""),
        actions=(list[text], Field(min_length=1, max_length=k)),
    )


#: The longest answer a constrained reply may write.
ANSWER_CHARS = 80


class Answer(BaseModel):
    """A question's answer as the page says it, or empty when it does not say it."""

    answer: str = ""


@functools.lru_cache(maxsize=64)
def answer_schema(lines: tuple[str, ...]) -> type[Answer]:
    """An :class:`Answer` held to empty or to words of ``lines`` (their end stops and
    quotes left off), one space apart, at most :data:`ANSWER_CHARS` long."""
    tokens = {t.strip(".,;:!?'\"()·") for line in lines for t in line.split()} - {""}
    word = "|".join(literal_pattern(t) for t in sorted(tokens, key=len, reverse=True))
    pattern = f"^(({word})( ({word}))*)?$" if word else "^$"
    field = Field("", json_schema_extra={"pattern": pattern, "maxLength": ANSWER_CHARS})
    return create_model("HeldAnswer", __base__=Answer, answer=(str, field))


class Rejection(BaseModel):
    """A proposed action text that was not kept, and why."""

    model_config = ConfigDict(frozen=True)

    text: str
    reason: str


#: Actions asked for beyond the K wanted: spares for those that cannot be taken.
SPARE = 2
#: The repair samples (a greedy reply would say the same again).
REPAIR_TEMPERATURE = 0.7

#: Pages whose rejections are remembered (the most recent ones).
_REMEMBERED_PAGES = 256


@dataclass
class LLMPolicy:
    """Proposes K distinct, valid candidate actions with rank priors."""

    client: LLMClient
    prompts: Prompts = field(default_factory=Prompts)
    #: ``list``: the model writes its K actions in one reply; ``rank``: every valid
    #: action of the page is ranked by the model's likelihood (:meth:`_ranked`).
    proposals: ProposalMode = ProposalMode.LIST
    #: The last proposal's rejections per page, by ``Observation.key``.
    _rejections: dict[str, list[Rejection]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    async def propose(
        self, goal: str, state: Observation, k: int, avoid: Collection[str] = ()
    ) -> tuple[list[tuple[Action, float]], Cost]:
        """Up to ``k`` distinct valid actions for ``state``, best first; ``avoid``: action
        keys not to propose (tried here already), left out of the constraint.

        The model is asked for ``k + SPARE`` actions, so that one it insists on but that
        cannot be taken (tried, or already done) leaves others. A reply with no valid
        action is repaired once (the model is told why each failed), sampled rather than
        greedy; if that has none either, the result is empty: "no valid action". A pop-up
        the page opened that is not about the goal is closed first, unasked
        (:func:`~forethought.worldmodel.popups.dismissal`). For a question, the model is
        first asked whether the page's text says the answer (:meth:`_answer`)."""
        if (close := dismissal(goal, state, avoid)) is not None:
            return [(assign_risk(close, state), 1.0)], Cost()
        asked = k + SPARE
        answers = tuple(answer_lines(goal, state))
        usage = Cost()
        if seen := evidence(goal, state):
            answer, usage = await self._answer(goal, state, seen)
            if answer is not None:
                return [(answer, 1.0)], usage
        # (a select holding the option the goal names for it is set: not offered)
        avoid = {*avoid, *_goal_set(goal, state)}
        messages = self.prompts.messages("policy", goal, state, answers, k=asked)
        if self.proposals is ProposalMode.RANK:
            ranked, more = await self._ranked(messages, state, k, avoid)
            return ranked, usage + more
        schema = proposal_schema(
            asked, page_pattern(state, avoid=avoid), element_pattern(state, avoid, answers)
        )
        texts, element, more = await self._ask(messages, schema, asked)
        usage = usage + more
        if element in answers:  # it named the text that answers: the answer is written
            answering = [*messages, *_answer_turns(goal, element, texts)]
            texts, _, more = await self._ask(answering, _answer_schema(element), 1)
            usage = usage + more
        actions, rejections = self.validate(texts, state, avoid)
        actions = _goal_options(actions, goal, state)
        if not actions:
            repair = [
                *messages,
                {"role": "assistant", "content": json.dumps({"actions": texts})},
                {"role": "user", "content": _repair_note(rejections)},
            ]
            # The repair's constraint also leaves out what the reply tried (none could be
            # taken): a small model told why tends to write the same again. It also leaves
            # out typing into fields that hold text: having rewritten one field's text, a
            # small model copies it into the next one (a text already there, again).
            avoided = {*avoid, *_keys(texts, state), *_held_texts(state)}
            schema = proposal_schema(
                asked, page_pattern(state, avoided), element_pattern(state, avoided, answers)
            )
            texts, element, more = await self._ask(
                repair, schema, asked, temperature=REPAIR_TEMPERATURE
            )
            usage = usage + more
            actions, again = self.validate(texts, state, avoid)
            actions = _goal_options(actions, goal, state)
            rejections += again
        self._remember(state.key, rejections)
        actions = _on_element_first(actions, element)[:k]
        priors = [1.0 / (rank + 1) for rank in range(len(actions))]
        return list(zip(actions, priors, strict=True)), usage

    async def _ranked(
        self, messages: list[dict[str, str]], state: Observation, k: int, avoid: Collection[str]
    ) -> tuple[list[tuple[Action, float]], Cost]:
        """Every valid action of ``state`` (:func:`page_actions`, ``avoid``ed ones left
        out) ranked by the model's likelihood of writing it, in one cached pass after the
        reply's ``next`` field. The best valid ``k`` of the first ``k + SPARE`` are kept,
        a free argument (a fill's text, an answer) written by the model under a pattern
        that holds the rest. The priors are the kept ones' likelihoods, normalised."""
        # The reply starts as a written one does (same schema, same greedy tokens), up to
        # the element: asked alone, a small model's ``next`` runs on to its limit.
        schema = proposal_schema(
            k + SPARE, page_pattern(state, avoid), element_pattern(state, avoid)
        )
        start = await self.client.complete(
            messages,
            role="policy",
            max_tokens=NEXT_CHARS // 2,
            stop=['"element"'],
            seed=0,
            response_format=await self.client.response_format(schema),
        )
        now, usage = _next_field(start.text), start.usage
        forms = page_actions(state, avoid)
        rejections: list[Rejection] = []
        kept: list[tuple[Action, float]] = []
        if forms:
            prefix = "{" + f'"next": {json.dumps(now, ensure_ascii=False)}, "element": '
            continuations = [_continuation(form) for form in forms]
            logprobs, cost = await self.client.score(messages, prefix, continuations, role="policy")
            usage = usage + cost
            best = sorted(zip(logprobs, forms, strict=True), key=lambda p: -p[0])
            for logprob, form in best[: k + SPARE]:
                if len(kept) == k:
                    break
                text = form.text
                if form.free is not None:
                    written, _, cost = await self._ask(messages, _argument_schema(form), 1)
                    usage = usage + cost
                    if not written:
                        rejections.append(Rejection(text=text, reason=f"no {form.free} written"))
                        continue
                    text = written[0]
                checked = _check(text, state)
                if isinstance(checked, Rejection):
                    rejections.append(checked)
                elif all(checked.key != action.key for action, _ in kept):
                    kept.append((checked, logprob))
        self._remember(state.key, rejections)
        top = max((logprob for _, logprob in kept), default=0.0)
        weights = [math.exp(logprob - top) for _, logprob in kept]
        return [(a, w / sum(weights)) for (a, _), w in zip(kept, weights, strict=True)], usage

    async def _ask(
        self,
        messages: list[dict[str, str]],
        schema: type[Proposal],
        k: int,
        temperature: float = 0.0,
    ) -> tuple[list[str], str, Cost]:
        """The reply's actions and its ``element`` line."""
        try:
            proposal, usage = await self.client.structured(
                messages,
                schema,
                max_tokens=32 * k + 64,
                temperature=temperature,
                seed=0,
                role="policy",
            )
            return list(proposal.actions), proposal.element, usage
        except StructuredOutputError as err:  # salvage calls written outside the JSON
            return _CALL.findall(err.raw), "", err.usage

    async def _answer(
        self, goal: str, state: Observation, seen: list[str]
    ) -> tuple[Action | None, Cost]:
        """For a question, the ``stop`` that answers it when the page's lines that share
        its words (``seen``, :func:`~forethought.worldmodel.relevance.evidence`) say the
        answer, asked before any action; ``None`` when the model says they do not, or
        repeats the question's own words. The answer is held to the words of the page.
        Asked for actions with the answer in view, the 1.5B typed it into the
        search box, or clicked on (3 of 11 built-in questions at 35cbdba)."""
        messages = self.prompts.messages("answer", goal, state, seen)
        try:
            reply, usage = await self.client.structured(
                messages,
                answer_schema(tuple(e.line() for e in state.elements)),
                max_tokens=48,
                temperature=0.0,
                seed=0,
                role="policy",
            )
        except StructuredOutputError as err:
            return None, err.usage
        said = reply.answer.strip()
        if not said or words(said) <= words(goal):
            return None, usage
        return assign_risk(Action(kind=ActionKind.STOP, value=said), state), usage

    def rejected_on(self, state: Observation) -> list[Rejection]:
        """What the last proposal on this page rejected (empty if none was made)."""
        return list(self._rejections.get(state.key, ()))

    def validate(
        self, texts: list[str], state: Observation, avoid: Collection[str] = ()
    ) -> tuple[list[Action], list[Rejection]]:
        """Parse, repair (labels → ids), check each action fits its element (it exists and
        takes that action, a select's option is its own), drop repeats and ``avoid``ed
        ones, and assign risk; returns the valid actions in order and the rejected texts
        with their reasons."""
        seen: set[str] = set(avoid)
        actions: list[Action] = []
        rejections: list[Rejection] = []
        for text in texts:
            checked = _check(text, state)
            if isinstance(checked, Rejection):
                rejections.append(checked)
            elif checked.key in seen:
                if checked.key in avoid:
                    rejections.append(Rejection(text=text, reason="it changed nothing here"))
            else:
                seen.add(checked.key)
                actions.append(checked)
        return actions, rejections

    def _remember(self, key: str, rejections: list[Rejection]) -> None:
        self._rejections.pop(key, None)  # re-inserted last: the most recent page
        self._rejections[key] = rejections
        while len(self._rejections) > _REMEMBERED_PAGES:
            del self._rejections[next(iter(self._rejections))]


_NEXT_FIELD = re.compile(r'"next"\s*:\s*("(?:[^"\\]|\\.)*")')


def _next_field(text: str) -> str:
    """The ``next`` field of a reply cut short after it ("" if it has none)."""
    found = _NEXT_FIELD.search(text)
    return json.loads(found.group(1)) if found else ""


def _on_element_first(actions: list[Action], element: str) -> list[Action]:
    """``actions`` with those on the reply's ``element`` first, in their order: the line
    copied from the page grounds the choice; the actions after it stray (82 of 235
    built-in replies at d89ceb2 led with another element, often a neighbouring id)."""
    named = re.match(r"\[(\w+)\]", element)
    if named is None:
        return actions
    on = [a for a in actions if a.target == named.group(1)]
    return on + [a for a in actions if a.target != named.group(1)]


def _goal_options(actions: list[Action], goal: str, state: Observation) -> list[Action]:
    """``actions`` with each select set to the option the goal names for it, where it
    names one (:func:`~forethought.worldmodel.relevance.goal_option`); a select the goal
    names the held option of is left out (it is set). The 1.5B picked "2" guests and
    July 18 for "1 guest ... July 11" from the select's own options."""
    out: list[Action] = []
    for action in actions:
        element = state.element(action.target) if action.target else None
        if action.kind is ActionKind.SELECT and element is not None:
            named = goal_option(goal, element)
            if named is not None and named == element.value:
                continue
            if named is not None:
                action = action.model_copy(update={"value": named})
        if all(action.key != kept.key for kept in out):
            out.append(action)
    return out


def _goal_set(goal: str, state: Observation) -> list[str]:
    """Keys of selects of ``state`` that hold the option ``goal`` names for them: kept
    out of the constraint (left in, the 1.5B reset "1" guest to "2")."""
    return [
        Action(kind=ActionKind.SELECT, target=e.id, value=e.value).key
        for e in state.actionable
        if e.options and e.value and goal_option(goal, e) == e.value
    ]


def _check(text: str, state: Observation) -> Action | Rejection:
    """``text`` as an action of ``state`` with its risk (a label where an id belongs is
    repaired), or why it cannot be one."""
    try:
        action = assign_risk(parse_action(text, state), state)
    except ActionParseError as err:
        return Rejection(text=text, reason=err.problem)
    if reason := misfit(action, state):
        return Rejection(text=text, reason=reason)
    return action


def _continuation(form: PageAction) -> list[str]:
    """How a reply goes on after ``"element": `` to take ``form``, in parts scored and
    context in turn: the element's id (or an empty element, for an action on the page),
    the rest of its line (copied, so not counted), then the action up to a free
    argument's quote."""
    line = json.dumps(form.element_line, ensure_ascii=False)
    cut = len(line) if form.element is None else len(f'"[{form.element.id}]')
    action = json.dumps(form.text, ensure_ascii=False)
    if form.free is not None:
        action = action[:-1]  # the string stays open for the argument
    return [line[:cut], line[cut:] + ', "actions": [', action]


def _argument_schema(form: PageAction) -> type[Proposal]:
    """A one-action reply that can only be ``form`` with its free argument written."""
    return proposal_schema(1, form.pattern(), exact_pattern(form.element_line))


def _answer_schema(line: str) -> type[Proposal]:
    """A one-action reply naming the text ``line`` that can only be ``stop`` with its
    answer written: after naming the line that answers the question, a small model
    clicked on (5 of 5 times in a built-in probe)."""
    stop = PageAction(ACTIONS[ActionKind.STOP])
    return proposal_schema(1, stop.pattern(), exact_pattern(line))


def _answer_turns(goal: str, line: str, texts: list[str]) -> list[dict[str, str]]:
    """The turns that ask for the answer from the ``line`` a reply named (its actions
    ``texts`` kept as it wrote them): told only to stop, a small model wrote the
    instructions' placeholder, ``stop("answer")``."""
    said = json.dumps({"element": line, "actions": texts}, ensure_ascii=False)
    ask = (
        f"The question: {goal}\nThe page says: {line}\nWrite the answer, taken from those "
        'words, as stop("<the answer>") with the answer itself in place of <the answer>.'
    )
    return [{"role": "assistant", "content": said}, {"role": "user", "content": ask}]


def _keys(texts: list[str], state: Observation) -> list[str]:
    """The keys of the actions ``texts`` parse to on ``state`` (those that parse)."""
    keys = []
    for text in texts:
        try:
            keys.append(parse_action(text, state).key)
        except ActionParseError:
            continue
    return keys


def _held_texts(state: Observation) -> list[str]:
    """The fills that would type into each text field the text it already holds (keys
    that, avoided, leave the field out of a constraint's fills)."""
    fills = ACTIONS[ActionKind.FILL]
    return [
        Action(kind=ActionKind.FILL, target=e.id, value=e.value).key
        for e in state.actionable
        if e.value and fills.roles is not None and e.role in fills.roles
    ]


def _repair_note(rejections: list[Rejection]) -> str:
    why = "; ".join(f"{r.text}: {r.reason}" for r in rejections[:4]) or "no action was given"
    return (
        f"None of those is a valid action on this page ({why}). Use only ids shown in "
        "[brackets] on the page. Answer again with only the JSON object."
    )
