"""The LLM roles' parsing on real recorded outputs and malformed variants of them.

Every recorded reply (``data/recorded_outputs.jsonl``, see ``replay.py``), and a dozen
malformed variants of it, goes through every role: the world model in each format, the
policy (JSON schema path and its salvage of bare calls) and the critic in both rubrics.
A weak model's output is data: no case may raise, and each role keeps its invariants.
Hand-written cases pin the prediction parser and fidelity's numbers.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
from collections.abc import Callable

import pytest

from forethought.envs.parse import ActionParseError, parse_action
from forethought.envs.types import Action, ActionKind, Element, Observation
from forethought.planner import Score
from forethought.worldmodel.critic import LLMCritic
from forethought.worldmodel.fidelity import element_f1, measure
from forethought.worldmodel.policy import LLMPolicy, Rejection, element_pattern
from forethought.worldmodel.predictions import (
    WMFormat,
    apply_prediction,
    describe_change,
    parse_prediction,
)
from forethought.worldmodel.world_model import LLMWorldModel

from .replay import Recorded, ReplayClient, SchemaReplayClient, action_pattern, recorded

# --- malformed variants -------------------------------------------------------------------

_WEIRD = "\u200b\u202e\u0301\ufeff\x00\x07\ufffd\U0001f6d2\u4e2d\u0627\U0010fffd\ud800"


def _garbage(rng: random.Random, n: int = 80) -> str:
    pool = _WEIRD + "[]{}()'\",:+-~\n\t "
    return "".join(
        rng.choice(pool) if rng.random() < 0.6 else chr(rng.randrange(32, 0x2FFF)) for _ in range(n)
    )


def _sprinkle(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(max(3, len(chars) // 10)):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(_WEIRD))
    return "".join(chars)


def _shuffle(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    return "\n".join(rng.sample(lines, len(lines)))


Mutation = Callable[[str, random.Random], str]

VARIANTS: dict[str, Mutation] = {
    "recorded": lambda t, r: t,
    "truncated": lambda t, r: t[: len(t) // 2],
    "cut early": lambda t, r: t[: max(1, len(t) // 7)],
    "shuffled lines": _shuffle,
    "duplicated lines": lambda t, r: "\n".join(x for line in t.splitlines() for x in (line, line)),
    "no brackets": lambda t, r: re.sub(r"[\[\]{}]", "", t),
    "no quotes": lambda t, r: re.sub(r"['\"]", "", t),
    "unknown ids": lambda t, r: re.sub(r"\d+", lambda m: str(int(m[0]) + 9000), t),
    "prose around": lambda t, r: f"Sure! Here is my answer:\n{t}\nI hope this helps.",
    "code fence": lambda t, r: f"```json\n{t}\n```",
    "empty": lambda t, r: "",
    "garbage unicode": lambda t, r: _garbage(r),
    "unicode sprinkled": _sprinkle,
}

#: Short replies a weak model writes for the JSON roles, beyond the recorded ones.
EXTRA_REPLIES = (
    '{"actions": "click(3)"}',
    '{"actions": []}',
    '{"actions": [1, 2, null, {"a": 1}]}',
    '{"actions": ["click(1)", "click(1)", "click( 1 )", "CLICK(1)"]}',
    '{"score": 7}',
    '{"score": -1, "reason": "bad"}',
    '{"score": NaN}',
    '{"score": Infinity}',
    '{"score": "0.5"}',
    '{"score": "high"}',
    '{"reason": "' + "x" * 900 + '", "score": 1}',
    "score: 0.5",
    "The score is 1.",
    "null",
    "[]",
    "click(2) then fill(2, 'milk') then stop(\"done\")",
)

CASES = [pytest.param(rec, id=f"{i}-{rec.label}") for i, rec in enumerate(recorded())]


def _text(rec: Recorded, variant: str) -> str:
    return VARIANTS[variant](rec.raw, random.Random(f"{rec.raw[:40]}:{variant}"))


def _action(rec: Recorded) -> Action:
    try:
        return parse_action(rec.action or "", rec.page)
    except ActionParseError:
        return Action(kind=ActionKind.SCROLL, value="down")


def test_enough_cases() -> None:
    roles = {rec.role for rec in recorded()}
    assert {"policy", "world_model_diff", "world_model_nl", "world_model_full"} <= roles
    assert {"critic_rubric", "critic_continuous"} <= roles
    assert len({rec.model for rec in recorded()}) == 2
    # Each case (a reply or a variant of one) runs through every role's parser below.
    assert len(CASES) * len(VARIANTS) + len(EXTRA_REPLIES) >= 200


# --- invariants ---------------------------------------------------------------------------


def _check_state(page: Observation, imagined: Observation, fmt: WMFormat) -> None:
    ids = [e.id for e in imagined.elements]
    assert len(ids) == len(set(ids)), f"duplicate ids: {sorted(i for i in ids if ids.count(i) > 1)}"
    if fmt is WMFormat.NL:
        assert imagined.elements == page.elements and "Imagined after" in imagined.notes
    assert isinstance(imagined.render(), str) and imagined.key
    assert isinstance(describe_change(page, imagined), str)
    fidelity = measure(page, imagined, page, fmt)
    assert fidelity.identity_f1 == 1.0
    for value in (fidelity.f1, fidelity.change_f1):
        assert value is None or 0.0 <= value <= 1.0


async def _world_model(rec: Recorded, text: str, client: ReplayClient) -> None:
    for fmt in WMFormat:
        wm = LLMWorldModel(client, fmt, goal=rec.goal)
        client.reply = text
        action = _action(rec)
        imagined, cost = await wm.simulate(rec.page, action)
        assert cost.calls == 1
        assert isinstance(imagined, Observation) and imagined is not rec.page
        _check_state(rec.page, imagined, fmt)
        again, _ = await wm.simulate(imagined, action)  # imagination continues from there
        _check_state(imagined, again, fmt)


def _check_actions(ranked: list[tuple[Action, float]], page: Observation, k: int) -> None:
    assert len(ranked) <= k
    keys = [a.key for a, _ in ranked]
    assert len(keys) == len(set(keys)), keys
    for action, prior in ranked:
        assert action.target is None or page.element(action.target) is not None, action
        assert 0.0 < prior <= 1.0
    priors = [p for _, p in ranked]
    assert priors == sorted(priors, reverse=True)


async def _policy(rec: Recorded, text: str, client: ReplayClient) -> None:
    policy = LLMPolicy(client)
    client.reply = text
    for k in (1, 3):
        ranked, cost = await policy.propose(rec.goal, rec.page, k)
        assert cost.calls >= 1
        _check_actions(ranked, rec.page, k)
        rejected = policy.rejected_on(rec.page)
        assert all(isinstance(r, Rejection) and isinstance(r.reason, str) for r in rejected)
    lines, rejections = policy.validate(text.splitlines(), rec.page)
    _check_actions([(a, 1.0) for a in lines], rec.page, len(lines))
    assert all(isinstance(r, Rejection) for r in rejections)
    assert policy.rejected_on(rec.page) == rejected  # validate() keeps nothing


async def _critic(rec: Recorded, text: str, client: ReplayClient) -> None:
    outcome = rec.page.model_copy(update={"notes": "Imagined: the item is in the cart."})
    for rubric in (True, False):
        for samples in (1, 3):
            critic = LLMCritic(client, samples=samples, rubric=rubric)
            client.reply = text
            score, cost = await critic.score(rec.goal, [(rec.page, _action(rec))], outcome)
            assert isinstance(score, Score) and cost.calls >= samples
            assert 0.0 <= score.value <= 1.0 and 0.0 <= score.confidence <= 1.0
            assert not math.isnan(score.value)
            if rubric and samples == 1:
                assert score.value in (0.0, 0.5, 1.0)


ROLES = {"world model": _world_model, "policy": _policy, "critic": _critic}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rec", CASES)
async def test_recorded_and_malformed_outputs(rec: Recorded, role: str) -> None:
    """The recorded reply and each of its variants (one case each) through one role."""
    client, failures = ReplayClient(), []
    for variant in VARIANTS:
        try:
            await ROLES[role](rec, _text(rec, variant), client)
        except Exception as exc:  # collect every failing variant, then report them all
            failures.append(f"{variant}: {type(exc).__name__}: {exc}"[:2000])
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("reply", EXTRA_REPLIES)
async def test_weak_json_replies(reply: str, role: str) -> None:
    rec = recorded()[0]
    await ROLES[role](rec, reply, ReplayClient())


async def test_recorded_policy_replies_mostly_parse() -> None:
    """The schema path reads the real policy replies (a weak one may still name no valid id)."""
    client = ReplayClient()
    replies = [rec for rec in recorded() if rec.role == "policy"]
    proposed = 0
    for rec in replies:
        client.reply = rec.raw
        ranked, _ = await LLMPolicy(client).propose(rec.goal, rec.page, 3)
        proposed += bool(ranked)
    assert replies and proposed >= 1


async def test_policy_keeps_rejections_per_page() -> None:
    """Concurrent proposals (as MCTS makes them) each keep their own page's rejections."""
    with_both = Observation(
        url="http://shop.test/a",
        elements=[
            Element(id="1", role="button", name="Buy"),
            Element(id="2", role="link", name="Home"),
        ],
    )
    only_two = Observation(url="http://shop.test/b", elements=[with_both.elements[1]])
    client = ReplayClient('{"actions": ["click(1)", "click(2)", "frobnicate(3)"]}')
    policy = LLMPolicy(client)
    (ranked_a, _), (ranked_b, _) = await asyncio.gather(
        policy.propose("buy", with_both, 3), policy.propose("buy", only_two, 3)
    )
    assert [str(a) for a, _ in ranked_a] == ["click(1)", "click(2)"]
    assert [str(a) for a, _ in ranked_b] == ["click(2)"]
    assert [r.text for r in policy.rejected_on(with_both)] == ["frobnicate(3)"]
    assert [r.text for r in policy.rejected_on(only_two)] == ["click(1)", "frobnicate(3)"]
    assert all(r.reason for r in policy.rejected_on(only_two))
    assert policy.rejected_on(with_both.model_copy(update={"url": "http://shop.test/c"})) == []
    actions, rejections = policy.validate(["click(1)"], only_two)
    assert actions == [] and [r.text for r in rejections] == ["click(1)"]
    assert len(policy.rejected_on(only_two)) == 2  # validate() is pure


async def test_the_action_on_the_element_the_reply_names_comes_first() -> None:
    page = Observation(
        url="http://shop.test/a",
        elements=[
            Element(id="1", role="link", name="Home"),
            Element(id="2", role="button", name="Buy"),
            Element(id="3", role="textbox", name="Coupon"),
        ],
    )
    reply = (
        '{"next": "buy it", "element": "[2] button \'Buy\'", "actions": ["click(1)", "click(2)"]}'
    )
    ranked, _ = await LLMPolicy(ReplayClient(reply)).propose("buy", page, 3)
    assert [str(a) for a, _ in ranked] == ["click(2)", "click(1)"]
    # An element whose click was tried here cannot be named (its action, held off it by
    # the constraint, would go to a neighbour's id); a hover left does not count.
    pattern = element_pattern(page, avoid={"click(2)"})
    assert pattern is not None and not re.fullmatch(pattern, "[2] button 'Buy'")
    assert re.fullmatch(pattern, "[1] link 'Home'") and re.fullmatch(pattern, "[3] textbox")
    assert element_pattern(page) != pattern


async def test_the_repair_types_into_no_field_that_holds_text() -> None:
    page = Observation(
        url="http://mail.test/compose",
        elements=[
            Element(id="60", role="textbox", name="Subject", value="Room change"),
            Element(id="61", role="textbox", name="Message"),
            Element(id="62", role="button", name="Send"),
        ],
    )
    reply = '{"element": "[61] textbox", "actions": ["click(99)"]}'
    client = SchemaReplayClient(reply)
    proposals, _ = await LLMPolicy(client).propose("send it", page, 2)
    assert proposals == [] and len(client.schemas) == 2
    first, repair = (action_pattern(f) for f in client.schemas)
    raw = json.dumps('fill(60, "Room")')[1:-1]  # (patterns read a JSON string's raw text)
    assert re.fullmatch(first, raw) and not re.fullmatch(repair, raw)
    assert re.fullmatch(repair, json.dumps('fill(61, "Room change")')[1:-1])


# --- predictions on hand-written cases ---------------------------------------------------

BEFORE = Observation(
    url="http://shop.test/cart",
    title="Cart",
    elements=[
        Element(id="1", role="heading", name="Cart"),
        Element(id="2", role="button", name="Remove", depth=1),
        Element(id="3", role="text", name="Total $5", depth=1),
    ],
)
REAL = BEFORE.model_copy(
    update={
        "elements": [
            Element(id="1", role="heading", name="Cart"),
            Element(id="3", role="text", name="Total $0", depth=1),
            Element(id="4", role="text", name="Empty"),
        ]
    }
)
REMOVE = Action(kind=ActionKind.CLICK, target="2")


def test_diff_parse_and_apply() -> None:
    text = (
        "```\nURL: http://shop.test/cart?msg=removed\n* - [2]\n~ [3] text 'Total $0'\n"
        "+ [n1] text 'Empty'\n- [77]\nthe cart is now empty\n```"
    )
    pred = parse_prediction(text, WMFormat.DIFF, BEFORE)
    assert pred.url == "http://shop.test/cart?msg=removed"
    assert pred.removed == ["2"]
    assert [(e.id, e.name, e.depth) for e in pred.changed] == [("3", "Total $0", 1)]
    assert [(e.id, e.name) for e in pred.added] == [("n1", "Empty")]
    assert len(pred.problems) == 2  # the unknown removal and the prose line
    after = apply_prediction(BEFORE, pred, REMOVE)
    assert [e.line() for e in after.elements] == [
        "[1] heading 'Cart'",
        "  [3] text 'Total $0'",
        "[n1] text 'Empty'",
    ]
    assert after.url.endswith("msg=removed")
    assert describe_change(BEFORE, after).splitlines() == [
        "URL: http://shop.test/cart?msg=removed",
        "~ [3] text 'Total $0'",
        "+ [n1] text 'Empty'",
        "- [2]",
    ]


def test_diff_adding_a_present_id_changes_it() -> None:
    text = "+ [3] text 'Total $0'\n+ [n1] text 'Empty'\n+ [n1] text 'Empty again'"
    after = apply_prediction(BEFORE, parse_prediction(text, WMFormat.DIFF, BEFORE), REMOVE)
    assert [(e.id, e.name) for e in after.elements] == [
        ("1", "Cart"),
        ("2", "Remove"),
        ("3", "Total $0"),
        ("n1", "Empty"),
    ]


def test_an_imagined_page_keeps_a_modal_until_its_contents_are_gone() -> None:
    modal = BEFORE.model_copy(update={"modal": 'dialog "Remove item?"'})
    typed = apply_prediction(
        modal, parse_prediction("~ [3] text 'Total $1'", WMFormat.DIFF, modal), REMOVE
    )
    assert typed.modal == modal.modal and typed.render().count("is open") == 1
    closed = "- [1]\n- [2]\n- [3]\n+ [n1] heading 'Cart'"
    after = apply_prediction(modal, parse_prediction(closed, WMFormat.DIFF, modal), REMOVE)
    assert after.modal is None and "is open" not in after.render()


def test_no_change_and_loose_lines() -> None:
    assert (
        apply_prediction(
            BEFORE, parse_prediction("No change.", WMFormat.DIFF, BEFORE), REMOVE
        ).elements
        == BEFORE.elements
    )
    pred = parse_prediction("~ [3] text Total $0", WMFormat.DIFF, BEFORE)
    assert [(e.id, e.name) for e in pred.changed] == [("3", "Total $0")]


def test_full_parse_and_apply() -> None:
    text = (
        "URL: http://shop.test/cart\n[1] heading 'Cart'\n[3] text 'Total $0'\n[3] text 'dup'\nnoise"
    )
    pred = parse_prediction(text, WMFormat.FULL, BEFORE)
    after = apply_prediction(BEFORE, pred, REMOVE)
    assert [(e.id, e.name) for e in after.elements] == [("1", "Cart"), ("3", "Total $0")]
    assert any("noise" in p for p in pred.problems)
    empty = parse_prediction("I cannot tell.", WMFormat.FULL, BEFORE)
    assert empty.elements is None
    assert apply_prediction(BEFORE, empty, REMOVE).elements == BEFORE.elements


def test_nl_notes_accumulate() -> None:
    one = apply_prediction(
        BEFORE, parse_prediction("The cart empties.", WMFormat.NL, BEFORE), REMOVE
    )
    two = apply_prediction(one, parse_prediction("  A   banner\nshows. ", WMFormat.NL, one), REMOVE)
    assert two.notes.splitlines() == [
        "Imagined after click(2): The cart empties.",
        "Imagined after click(2): A banner shows.",
    ]
    assert two.elements == BEFORE.elements and two.key != BEFORE.key


# --- fidelity ----------------------------------------------------------------------------


def test_fidelity_known_numbers() -> None:
    pred = parse_prediction("- [2]\n~ [3] text 'Total $0'", WMFormat.DIFF, BEFORE)
    imagined = apply_prediction(BEFORE, pred, REMOVE)
    fid = measure(BEFORE, imagined, REAL, WMFormat.DIFF)
    assert fid.f1 == pytest.approx(2 * 2 / (2 + 3))  # {1, 3'} against {1, 3', 4}
    assert fid.identity_f1 == pytest.approx(2 * 1 / (3 + 3))  # only [1] survives unchanged
    assert fid.change_f1 == pytest.approx(2 * 3 / (3 + 4))  # {2, 3, 3'} against {2, 3, 3', 4}


def test_fidelity_identity_baseline() -> None:
    same = measure(BEFORE, BEFORE, REAL, WMFormat.DIFF)
    assert same.f1 == same.identity_f1
    assert same.change_f1 == 0.0  # predicted no change, but things changed
    still = measure(BEFORE, BEFORE, BEFORE, WMFormat.FULL)
    assert still.f1 == still.identity_f1 == still.change_f1 == 1.0
    assert element_f1([], []) == 1.0


def test_fidelity_nl_mentions() -> None:
    imagined = apply_prediction(
        BEFORE,
        parse_prediction(
            "The Remove button disappears, Total $0 shows and the cart is Empty.",
            WMFormat.NL,
            BEFORE,
        ),
        REMOVE,
    )
    fid = measure(BEFORE, imagined, REAL, WMFormat.NL)
    assert fid.f1 is None and fid.identity_f1 == pytest.approx(1 / 3)
    # mentioned {remove, total $0, empty, cart}; changed {remove, total $5, total $0, empty}
    assert fid.change_f1 == pytest.approx(2 * 3 / (4 + 4))
