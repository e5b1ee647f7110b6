"""Parsing: round trips, BrowserGym spellings, weak-model tolerance, rejections."""

from __future__ import annotations

import pytest

from forethought.envs.parse import ActionParseError, parse_action
from forethought.envs.types import Action, ActionKind, Element, Observation
from tests.envs.sample_page import OBS, ROUND_TRIP


@pytest.mark.parametrize("action", ROUND_TRIP, ids=str)
def test_print_parse_round_trip(action: Action) -> None:
    assert parse_action(str(action)) == action


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
        ('press("Place order")', "click(5)"),  # not a key: the one button of that name
        ("press(show details)", "click(12)"),
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
    "more()",
    "more(1, 2)",
    "more(None)",
    "more(-2)",
    "unfold()",
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
        ("press(Cancel)", "unknown key 'Cancel'"),  # two controls of that name: no guess
        ("press(Size)", "unknown key 'Size'"),  # a list is not pressed
    ],
)
def test_messages_say_what_was_wrong(text: str, needle: str) -> None:
    with pytest.raises(ActionParseError, match=None) as info:
        parse_action(text, OBS)
    assert needle in str(info.value)


# --- more(id): unfold a folded summary line ------------------------------------------------

FOLDED = Observation(
    url="http://127.0.0.1:8000/orders",
    elements=[
        Element(id="2", role="link", name="Order 7"),
        Element(id="f3", role="folded", name="14 more orders"),
    ],
)


@pytest.mark.parametrize(
    "text", ["more(f3)", 'more("f3")', "more([f3])", "unfold(f3)", "show_more(id='f3')"]
)
def test_more_takes_an_element_id(text: str) -> None:
    assert parse_action(text) == Action(kind=ActionKind.MORE, target="f3")
    assert str(parse_action(text)) == "more(f3)"


def test_more_resolves_a_label_and_checks_the_id() -> None:
    assert parse_action('more("14 more orders")', FOLDED).target == "f3"
    with pytest.raises(ActionParseError, match="no element with id f4"):
        parse_action("more(f4)", FOLDED)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("more()", "more() needs an element id, e.g. more(12)"),
        ("more(f3, 'all')", "more() takes only an element id"),
    ],
)
def test_more_rejects_other_arguments(text: str, needle: str) -> None:
    with pytest.raises(ActionParseError) as info:
        parse_action(text)
    assert needle in str(info.value)
