"""The action table, what derives from it, and the BrowserGym translation."""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import re

import pytest

from forethought.envs.actions import (
    ACTION_PATTERN,
    ACTIONS,
    ALIASES,
    GRAMMAR,
    NAMES,
    TARGETED,
    ActionSpec,
    action_list,
    misfit,
    page_actions,
    page_pattern,
)
from forethought.envs.browser import BrowserEnv
from forethought.envs.browsergym_actions import UntranslatableAction, to_browsergym
from forethought.envs.execute import executor_for
from forethought.envs.parse import ActionParseError, parse_action
from forethought.envs.types import Action, ActionKind, Element, Observation
from forethought.worldmodel import policy
from forethought.worldmodel.prompts import PREAMBLE
from tests.envs.sample_page import ROUND_TRIP


@pytest.mark.parametrize("action", ROUND_TRIP, ids=str)
def test_browsergym_round_trip(action: Action) -> None:
    """Our parser reads the BrowserGym code back; an untargeted press goes to the focus."""
    back = parse_action(to_browsergym(action, focused="4"))
    if action.kind is ActionKind.PRESS and action.target is None:
        assert back == action.model_copy(update={"target": "4"})
    elif action.kind is ActionKind.STOP and action.value is None:
        assert back == Action(kind=ActionKind.STOP, value="")
    else:
        assert back == action


@pytest.mark.parametrize(
    "value", ['he said "hi", then left', "it's", "multi\nline ünïcode 😀", "back\\slash", ""]
)
def test_browsergym_strings_are_python_literals(value: str) -> None:
    """BrowserGym reads arguments with ``ast.literal_eval``: every string survives."""
    code = to_browsergym(Action(kind=ActionKind.FILL, target="4", value=value))
    call = ast.parse(code, mode="eval").body
    assert isinstance(call, ast.Call) and call.func.id == "fill"  # type: ignore[attr-defined]
    assert [ast.literal_eval(a) for a in call.args] == ["4", value]


@pytest.mark.parametrize(
    ("action", "code"),
    [
        (Action(kind=ActionKind.CLICK, target="12"), "click('12')"),
        (Action(kind=ActionKind.HOVER, target="a51"), "hover('a51')"),
        (Action(kind=ActionKind.FILL, target="4", value="milk"), "fill('4', 'milk')"),
        (Action(kind=ActionKind.SELECT, target="8", value="L"), "select_option('8', 'L')"),
        (Action(kind=ActionKind.PRESS, target="4", value="Tab"), "press('4', 'Tab')"),
        (Action(kind=ActionKind.PRESS, value="Enter"), "press('4', 'Enter')"),
        (Action(kind=ActionKind.SCROLL, value="up"), "scroll(0, -500)"),
        (Action(kind=ActionKind.GOTO, value="http://x.test/"), "goto('http://x.test/')"),
        (Action(kind=ActionKind.GO_BACK), "go_back()"),
        (Action(kind=ActionKind.STOP, value="42"), "send_msg_to_user('42')"),
        (Action(kind=ActionKind.STOP), "send_msg_to_user('')"),
    ],
    ids=str,
)
def test_browsergym_translation_table(action: Action, code: str) -> None:
    assert to_browsergym(action, focused="4") == code


def test_browsergym_press_without_focus() -> None:
    """No focused element: scrolling keys scroll, other keys cannot be pressed."""
    page_down = Action(kind=ActionKind.PRESS, value="PageDown")
    assert to_browsergym(page_down) == "scroll(0, 500)"
    assert to_browsergym(Action(kind=ActionKind.PRESS, value="Home")) == "scroll(0, -100000)"
    assert to_browsergym(Action(kind=ActionKind.PRESS, target="9", value="Enter")) == (
        "press('9', 'Enter')"
    )
    with pytest.raises(UntranslatableAction, match=r"press\('Enter'\) needs a focused element"):
        to_browsergym(Action(kind=ActionKind.PRESS, value="Enter"))


# --- the table and what derives from it ---------------------------------------------------


def _names_called(text: str) -> list[str]:
    return re.findall(r"(\w+)\(", text)


def test_the_table_defines_every_kind_once() -> None:
    assert list(ACTIONS) == [spec.kind for spec in ACTIONS.values()]
    assert set(ACTIONS) == set(ActionKind)
    assert tuple(kind.value for kind in ACTIONS) == NAMES


def test_the_prompt_lists_exactly_the_table() -> None:
    assert _names_called(action_list()) == list(NAMES)
    assert f"Actions: {action_list()}." in PREAMBLE
    assert action_list() == (
        'click(id), fill(id, "text"), select(id, "option"), press("key"), '
        'scroll("up|down|left|right"), hover(id), more(id), goto("url"), go_back(), '
        'stop("answer")'
    )


def test_the_grammar_in_error_messages_lists_exactly_the_table() -> None:
    assert _names_called(GRAMMAR) == list(NAMES)
    with pytest.raises(ActionParseError, match=re.escape(f"Valid actions: {GRAMMAR}.")):
        parse_action("clack(1)")


def test_the_decoding_pattern_covers_exactly_the_table() -> None:
    assert policy.ACTION_PATTERN is ACTION_PATTERN
    alternatives = re.match(r"\^\(([\w|]+)\)", ACTION_PATTERN)
    assert alternatives is not None and alternatives[1].split("|") == list(NAMES)
    for spec in ACTIONS.values():
        # (the pattern reads the JSON string's raw characters: quotes escaped)
        assert re.fullmatch(ACTION_PATTERN, json.dumps(spec.example)[1:-1]), spec.example
        assert policy._CALL.findall(f"I'd say {spec.example} here") == [spec.example]
    assert not re.fullmatch(ACTION_PATTERN, "click(1)click(2)")
    assert not re.fullmatch(ACTION_PATTERN, "tap(1)")


@pytest.mark.parametrize("spec", ACTIONS.values(), ids=lambda s: s.name)
def test_the_parser_reads_every_name_and_alias(spec: ActionSpec) -> None:
    action = parse_action(spec.example)
    assert action.kind is spec.kind
    assert str(action) == spec.example  # examples are written as actions print
    for alias in spec.aliases:
        assert parse_action(alias + spec.example[len(spec.name) :]) == action
    assert {ALIASES[name] for name in (spec.name, *spec.aliases)} == {spec.kind}


def test_the_parser_knows_no_other_names() -> None:
    assert set(ALIASES.values()) == set(ACTIONS)
    assert set(ALIASES) == {n for s in ACTIONS.values() for n in (s.name, *s.aliases)}


@pytest.mark.parametrize("spec", ACTIONS.values(), ids=lambda s: s.name)
def test_browsergym_translates_exactly_the_table(spec: ActionSpec) -> None:
    action = parse_action(spec.example)
    if spec.browsergym is None:
        with pytest.raises(UntranslatableAction, match=rf"{spec.name}\(\) has no BrowserGym"):
            to_browsergym(action, focused="4")
        return
    code = to_browsergym(action, focused="4")
    assert _names_called(code)[0] == spec.browsergym
    back = parse_action(code)
    assert back == (action.model_copy(update={"target": "4"}) if spec.id_optional else action)


def test_targeted_kinds_and_roles() -> None:
    K = ActionKind
    assert {K.CLICK, K.FILL, K.SELECT, K.HOVER, K.MORE} == TARGETED
    assert ACTIONS[K.MORE].can_target("folded") and not ACTIONS[K.MORE].can_target("button")
    assert ACTIONS[K.CLICK].can_target("button") and ACTIONS[K.PRESS].can_target("textbox")
    assert ACTIONS[K.FILL].can_target("textbox") and not ACTIONS[K.FILL].can_target("link")
    assert not ACTIONS[K.GOTO].can_target("link")


@pytest.mark.parametrize("spec", ACTIONS.values(), ids=lambda s: s.name)
def test_every_executor_exists(spec: ActionSpec) -> None:
    executor = executor_for(spec.kind)
    assert inspect.iscoroutinefunction(executor) and executor.__name__ == spec.executor


def test_more_unfolds_in_the_browser_env() -> None:
    """more(id) only marks the line unfolded: no page is needed, none is touched."""
    env = BrowserEnv()
    assert env.unfolded == set()
    asyncio.run(executor_for(ActionKind.MORE)(env, parse_action("more(f3)")))
    assert env.unfolded == {"f3"}


def test_the_page_pattern_holds_actions_to_the_page() -> None:
    page = Observation(
        url="http://127.0.0.1:8000/form",
        elements=[
            Element(id="2", role="textbox", name="Name"),
            Element(id="3", role="combobox", name="Size", options=["S", "M"], value="S"),
            Element(id="4", role="button", name="Save"),
            Element(id="f5", role="folded", name="9 more items"),
            Element(id="6", role="spinbutton", name="Quantity", value="1"),
        ],
    )
    pattern = page_pattern(page)

    def valid(action: str) -> bool:
        return re.fullmatch(pattern, json.dumps(action)[1:-1]) is not None

    assert valid("click(4)") and valid('fill(2, "Ada")') and valid('select(3, "M")')
    assert valid("more(f5)") and valid('stop("done")')
    assert not valid("click(9)")  # no such element
    assert not valid('fill(4, "Ada")')  # a button takes no text
    assert not valid('select(3, "L")')  # not one of its options
    assert not valid('select(3, "S")')  # the option it already holds
    assert valid('fill(6, "3")') and not valid('fill(6, "White")')  # a number field
    assert misfit(parse_action('fill(6, "White")'), page) == (
        "[6] spinbutton takes a number, not 'White'"
    )
    assert not valid("click(3)")  # a list's options are selected, not clicked
    # The text's closing quote ends it: a reply cannot run on into more calls or lines.
    assert not valid('fill(2, "Ada"), click(4), click(9)"')
    assert not valid('fill(2, "say \\"hi\\"")')
    assert not re.fullmatch(pattern, 'fill(2, \\"Ada\n```\\")')  # a raw line break
    assert valid('fill(2, "Ada\'s \\\\ pass")')
    assert not valid('fill(2, "Best, Elena\\")')  # decoded, \" would be an escaped quote
    assert not re.fullmatch(ACTION_PATTERN, json.dumps('fill(2, "a\\")')[1:-1])
    assert not re.fullmatch(ACTION_PATTERN, json.dumps('fill(2, "a"), click(3)"')[1:-1])
    avoided = page_pattern(page, avoid=["click(4)", 'fill(2, "Ada")'])
    assert not re.fullmatch(avoided, "click(4)")
    assert not re.fullmatch(avoided, json.dumps('fill(2, "Bob")')[1:-1])


def test_page_actions_list_each_action_once_with_free_text_left_open() -> None:
    page = Observation(
        url="http://127.0.0.1:8000/form",
        elements=[
            Element(id="2", role="textbox", name="Name"),
            Element(id="3", role="combobox", name="Size", options=["S", "M"], value="S"),
            Element(id="4", role="button", name="Save"),
        ],
    )
    forms = page_actions(page, avoid=["click(4)"])
    texts = [form.text for form in forms]
    assert len(texts) == len(set(texts))
    assert 'fill(2, "' in texts and 'select(3, "M")' in texts and 'stop("' in texts
    assert "click(4)" not in texts and "hover(4)" in texts  # the avoided one only
    assert 'select(3, "S")' not in texts and "click(3)" not in texts
    fill = forms[texts.index('fill(2, "')]
    assert fill.free == "text" and fill.element_line == "[2] textbox 'Name'"
    written = json.dumps('fill(2, "Ada")')[1:-1]
    assert re.fullmatch(fill.pattern(), written)
    assert not re.fullmatch(fill.pattern(), json.dumps('fill(4, "Ada")')[1:-1])
    whole = forms[texts.index('select(3, "M")')]
    assert whole.free is None and re.fullmatch(whole.pattern(), json.dumps(whole.text)[1:-1])
    # The page pattern is these actions: each whole one fits it.
    pattern = page_pattern(page, avoid=["click(4)"])
    assert all(re.fullmatch(pattern, json.dumps(f.text)[1:-1]) for f in forms if f.free is None)
