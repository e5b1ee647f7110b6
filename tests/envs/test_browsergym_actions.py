"""Every translated action is one BrowserGym's default action set accepts (no NameError).

Checked against the real ``HighLevelActionSet`` and its parser (runs in .venv-bg); the
real episodes in test_browsergym.py then perform them.
"""

from __future__ import annotations

import inspect

import pytest

pytest.importorskip(
    "browsergym.core.action.highlevel",
    reason="BrowserGym runs in the second virtualenv (.venv-bg, Playwright 1.44)",
)

from browsergym.core.action.highlevel import HighLevelActionSet
from browsergym.core.action.parsers import highlevel_action_parser
from browsergym.core.env import BrowserEnv

from forethought.envs.browsergym import action_set
from forethought.envs.browsergym_actions import to_browsergym
from forethought.envs.types import Action, ActionKind

A = Action
K = ActionKind
TEXT = 'he said "hi"\nünï 😀'
#: (our action, the page's focused bid, BrowserGym's function and arguments)
CASES = [
    (A(kind=K.CLICK, target="12"), None, ("click", ["12"])),
    (A(kind=K.HOVER, target="a51"), None, ("hover", ["a51"])),
    (A(kind=K.FILL, target="4", value=TEXT), None, ("fill", ["4", TEXT])),
    (A(kind=K.FILL, target="4", value=""), None, ("fill", ["4", ""])),
    (A(kind=K.SELECT, target="8", value="Large"), None, ("select_option", ["8", "Large"])),
    (A(kind=K.PRESS, target="4", value="Tab"), None, ("press", ["4", "Tab"])),
    (A(kind=K.PRESS, value="Enter"), "17", ("press", ["17", "Enter"])),
    (A(kind=K.PRESS, value="Control+a"), "17", ("press", ["17", "Control+a"])),
    (A(kind=K.PRESS, value="PageDown"), None, ("scroll", [0, 500])),
    (A(kind=K.PRESS, value="End"), None, ("scroll", [0, 100000])),
    (A(kind=K.SCROLL, value="down"), None, ("scroll", [0, 500])),
    (A(kind=K.SCROLL, value="left"), None, ("scroll", [-500, 0])),
    (A(kind=K.GOTO, value="http://x.test/a?b=1"), None, ("goto", ["http://x.test/a?b=1"])),
    (A(kind=K.GO_BACK), None, ("go_back", [])),
    (A(kind=K.STOP, value="it's 42"), None, ("send_msg_to_user", ["it's 42"])),
    (A(kind=K.STOP), None, ("send_msg_to_user", [""])),
]  # fmt: skip


def test_our_action_set_is_browsergyms_default() -> None:
    default = HighLevelActionSet()
    assert set(action_set().action_set) == set(default.action_set)
    # ... which is also what gym.make's BrowserEnv maps actions with by default
    mapping = inspect.signature(BrowserEnv.__init__).parameters["action_mapping"].default
    assert set(mapping.__self__.action_set) == set(default.action_set)


@pytest.mark.parametrize(("action", "focused", "expected"), CASES, ids=lambda c: str(c))
def test_translation_is_in_the_default_action_set(action, focused, expected) -> None:
    code = to_browsergym(action, focused=focused)
    actions = action_set()
    python = actions.to_python_code(code)  # raises NameError for a function outside the set
    assert python.rstrip().endswith(code)
    ((name, args),) = highlevel_action_parser.parse_string(code, parse_all=True).as_list()
    assert name in actions.action_set and name in HighLevelActionSet().action_set
    assert (name, args) == expected


def test_a_function_outside_the_set_is_rejected() -> None:
    """The check above has teeth: the old translation of press(key) fails here."""
    with pytest.raises(NameError, match="keyboard_press"):
        action_set().to_python_code("keyboard_press('Enter')")
