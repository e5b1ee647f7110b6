"""The action grammar: round trips, BrowserGym spellings, weak-model tolerance, rejections."""

from __future__ import annotations

import ast

import pytest

from forethought.envs.grammar import (
    ActionParseError,
    UntranslatableAction,
    assign_risk,
    parse_action,
    to_browsergym,
)
from forethought.envs.types import Action, ActionKind, Element, Observation, Risk

OBS = Observation(
    url="http://127.0.0.1:8000/cart",
    elements=[
        Element(id="3", role="button", name="OK"),
        Element(id="4", role="textbox", name="Name", risk=Risk.STATE_CHANGING),
        Element(id="5", role="button", name="Place order"),
        Element(id="6", role="button", name="Cancel"),
        Element(id="7", role="link", name="Cancel"),
        Element(id="8", role="combobox", name="Size"),
        Element(id="9", role="button", name="Remove", risk=Risk.STATE_CHANGING),
        Element(id="10", role="button", name="Fancy", risk=Risk.IRREVERSIBLE),
        Element(id="11", role="link", name="Home"),
        Element(id="12", role="button", name="Show details"),
        Element(id="13", role="text", name="OK"),
    ],
    focused="4",
)

ROUND_TRIP = [
    Action(kind=ActionKind.CLICK, target="12"),
    Action(kind=ActionKind.FILL, target="4", value='he said "hi", then left'),
    Action(kind=ActionKind.FILL, target="4", value=""),
    Action(kind=ActionKind.FILL, target="4", value="multi\nline ünïcode"),
    Action(kind=ActionKind.SELECT, target="8", value="Large"),
    Action(kind=ActionKind.PRESS, value="Enter"),
    Action(kind=ActionKind.PRESS, value="Control+a"),
    Action(kind=ActionKind.PRESS, target="4", value="Tab"),
    Action(kind=ActionKind.SCROLL, value="down"),
    Action(kind=ActionKind.SCROLL, value="left"),
    Action(kind=ActionKind.HOVER, target="a51"),
    Action(kind=ActionKind.GOTO, value="http://127.0.0.1:8000/orders?page=2"),
    Action(kind=ActionKind.GO_BACK),
    Action(kind=ActionKind.STOP, value="42"),
    Action(kind=ActionKind.STOP),
]


@pytest.mark.parametrize("action", ROUND_TRIP, ids=str)
def test_print_parse_round_trip(action: Action) -> None:
    assert parse_action(str(action)) == action


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('click("12")', "click(12)"),
        ("click('12')", "click(12)"),
        ("click([12])", "click(12)"),
        ('click("[12]")', "click(12)"),
        ("CLICK(12)", "click(12)"),
        ("click( 12 )", "click(12)"),
        ('click(bid="12", button="left")', "click(12)"),
        ("Action: click(12)", "click(12)"),
        ("I will click the button.\n```python\nclick('12')\n```", "click(12)"),
        ("Thought: the OK button.\nAction: click(12)\nAgain: click(12)", "click(12)"),
        ("fill(4, hello, world)", 'fill(4, "hello, world")'),
        ('type(4, "milk")', 'fill(4, "milk")'),
        ('fill(id=4, text="milk")', 'fill(4, "milk")'),
        ('select_option("8", "Large")', 'select(8, "Large")'),
        ('select_option("8", ["Large"])', 'select(8, "Large")'),
        ('send_msg_to_user("the total is $12")', 'stop("the total is $12")'),
        ("answer(42)", 'stop("42")'),
        ("scroll(0, 300)", 'scroll("down")'),
        ("scroll(0, -300)", 'scroll("up")'),
        ("scroll(-200, 0)", 'scroll("left")'),
        ("scroll(DOWN)", 'scroll("down")'),
        ('press("4", "enter")', 'press(4, "Enter")'),
        ("press(Enter)", 'press("Enter")'),
        ('keyboard_press("ctrl+a")', 'press("Control+a")'),
        ("press(esc)", 'press("Escape")'),
        ('press("Enter", delay=50)', 'press("Enter")'),
        ("goto(https://example.com/a)", 'goto("https://example.com/a")'),
        ("go_back()", "go_back()"),
        ("back()", "go_back()"),
        ("stop()", "stop()"),
        ("hover(`a51`)", "hover(a51)"),
    ],
)
def test_tolerates_weak_model_spellings(text: str, expected: str) -> None:
    assert str(parse_action(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("click(OK)", "click(3)"),  # the text line named OK is not a control
        ('click("Place order")', "click(5)"),
        ("click(place order)", "click(5)"),
        ("click(\"button 'Cancel'\")", "click(6)"),
        ("click(\"[7] link 'Cancel'\")", "click(7)"),
        ('fill(Name, "Ada")', 'fill(4, "Ada")'),
        ("click(12)", "click(12)"),
    ],
)
def test_labels_resolve_against_the_observation(text: str, expected: str) -> None:
    assert str(parse_action(text, OBS)) == expected


MALFORMED = [
    "",
    "   ",
    "\n\n",
    "click",
    "click 12",
    "please click the button",
    "12",
    "[12]",
    "click(",
    "click(12",
    "click)12(",
    "click()",
    "click( )",
    "click(,)",
    "click(12,)",
    "click(1, 2)",
    "click(12, 'x')",
    "click(-1)",
    "click(1.5)",
    "click(None)",
    "click(null)",
    "click([])",
    "click(['1', '2'])",
    'click("unterminated)',
    "click('12\")",
    "click(a b c)",
    "click(Submit)",
    "click(#submit)",
    "click(.btn)",
    "click(id=)",
    "click(id=1, bid=2)",
    "click(foo=1)",
    "clack(12)",
    "clik(12)",
    "tap(12)",
    "press_button(12)",
    "select12)",
    "fill()",
    "fill(4)",
    "fill(, 'x')",
    "fill(4, 'a', 'b')",
    'fill("4")',
    "fill(text='x')",
    "fill(4, ['a', 'b'])",
    "fill(4, None)",
    "fill(bogus=4, text='x')",
    "fill(x y, 'a')",
    "type()",
    "type(4)",
    "select()",
    "select(8)",
    "select(8, ['a', 'b'])",
    "select_option(8)",
    "select_option()",
    "select(8, None)",
    "press()",
    "press('')",
    "press(NotAKey)",
    "press(Ctrl+Bogus)",
    "press(1, 2, 3)",
    "press(4, 'enter', 'x')",
    "press(Enterr)",
    "press(F13)",
    "keyboard_press()",
    "keyboard_press(Shiftt)",
    "scroll()",
    "scroll(sideways)",
    "scroll(0, 0)",
    "scroll(1, 2, 3)",
    "scroll('')",
    "scroll(diagonal)",
    "scroll(up, down)",
    "scroll(None)",
    "hover()",
    "hover(1, 2)",
    "hover(-3)",
    "hover(2.5)",
    "goto()",
    "goto(not a url)",
    "goto('')",
    "goto(hello)",
    "goto('two words.com')",
    "goto(None)",
    "go_back(1)",
    "go_back('x')",
    "back(1)",
    "stop('a', 'b')",
    "send_msg_to_user('a', 'b')",
    "noop()",
    "noop(500)",
    "dblclick(12)",
    "go_forward()",
    "new_tab()",
    "tab_close()",
    "tab_focus(1)",
    "mouse_click(10, 20)",
    "mouse_move(1, 2)",
    "keyboard_type('hello')",
    "drag_and_drop(1, 2)",
    "upload_file(1, 'f')",
    "clear(4)",
    "focus(4)",
    "report_infeasible('no')",
    "click(1) fill(2, 'x')",
    "click(1)\nclick(2)",
    "```\nclick(1)\nscroll(down)\n```",
    "page.click('#ok')",
    "driver.click(12)",
    "x.fill(4, 'a')",
    "click(1",
    "fill(4, 'a'",
    "goto('http://a.b/'",
    "click((12)",
    'fill(4, "a)',
    'stop("unterminated)',
    "click(1 2)",
    "scroll(down, 3)",
    "press(4, Bogus)",
    "select(8, )",
]


def test_there_are_at_least_100_malformed_inputs() -> None:
    assert len(MALFORMED) >= 100
    assert len(set(MALFORMED)) == len(MALFORMED)


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_input_is_rejected_with_a_message(text: str) -> None:
    with pytest.raises(ActionParseError) as info:
        parse_action(text)
    message = str(info.value)
    assert info.value.problem and len(info.value.problem) > 5
    assert "Valid actions: click(id)" in message


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("click(Cancel)", "names 2 elements"),
        ("click(99)", "no element with id 99"),
        ("click(Checkout)", "no element with id or label"),
        ("clack(3)", "unknown action 'clack'"),
        ("noop()", "noop() is not an action"),
        ("press(Foo)", "unknown key 'Foo'"),
    ],
)
def test_messages_say_what_was_wrong(text: str, needle: str) -> None:
    with pytest.raises(ActionParseError, match=None) as info:
        parse_action(text, OBS)
    assert needle in str(info.value)


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        ("click(5)", Risk.IRREVERSIBLE),  # 'Place order', by name
        ("click(9)", Risk.STATE_CHANGING),  # annotated by the page
        ("click(10)", Risk.IRREVERSIBLE),  # annotated by the page, whatever its name
        ("click(3)", Risk.SAFE),
        ("click(11)", Risk.SAFE),
        ("click(12)", Risk.SAFE),
        ('fill(4, "x")', Risk.SAFE),
        ('select(8, "L")', Risk.SAFE),
        ("hover(5)", Risk.SAFE),
        ('press("Enter")', Risk.STATE_CHANGING),  # submits the focused field's form
        ('press("Tab")', Risk.SAFE),
        ('scroll("down")', Risk.SAFE),
        ('goto("http://127.0.0.1:8000/")', Risk.SAFE),
        ("go_back()", Risk.SAFE),
        ('stop("done")', Risk.SAFE),
    ],
)
def test_assign_risk(text: str, risk: Risk) -> None:
    assert assign_risk(parse_action(text, OBS), OBS).risk is risk


def test_risk_from_names_without_annotations() -> None:
    obs = Observation(
        url="x",
        elements=[
            Element(id=str(i), role="button", name=name)
            for i, name in enumerate(
                [
                    "Buy now",
                    "Pay $30",
                    "Confirm",
                    "Delete thread",
                    "Send",
                    "Transfer funds",
                    "Add to cart",
                    "Next",
                    "Cancel",
                ]
            )
        ],
    )
    risks = [assign_risk(Action(kind=ActionKind.CLICK, target=str(i)), obs).risk for i in range(9)]
    assert risks[:6] == [Risk.IRREVERSIBLE] * 6
    assert risks[6] is Risk.STATE_CHANGING
    assert risks[7:] == [Risk.SAFE, Risk.SAFE]
