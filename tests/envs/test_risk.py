"""Risk: each action's rule from the table, judged on the page."""

from __future__ import annotations

import pytest

from forethought.envs.parse import parse_action
from forethought.envs.risk import assign_risk
from forethought.envs.types import Action, ActionKind, Element, Observation, Risk
from tests.envs.sample_page import OBS


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
        ("more(5)", Risk.SAFE),
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
