"""A small cart page the parsing, risk and translation tests share."""

from __future__ import annotations

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
