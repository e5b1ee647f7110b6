"""The prompts' layout: the shared prefix first, then what is the role's own."""

from __future__ import annotations

from forethought.envs.types import Element, Observation
from forethought.worldmodel.prompts import Prompts

GOAL = "Find the opening hours of the library."
PAGE = Observation(
    url="http://site.test/home",
    title="Home",
    elements=[
        Element(id="3", role="link", name="Hours"),
        Element(id="4", role="button", name="Help"),
    ],
)
MEMORY = ["click(4) button 'Help' → no visible change", 'scroll("down") → no visible change']


def user_text(page: Observation, template: str = "policy", **values) -> str:
    return Prompts().messages(template, GOAL, page, **values)[1]["content"]


def test_the_policy_shows_the_memory_after_the_page_and_the_goal_before_the_question():
    text = user_text(PAGE.model_copy(update={"memory": MEMORY}), k=3)
    order = [
        PAGE.render(),
        "Your last actions (oldest first):",
        MEMORY[0],
        MEMORY[1],
        f"Goal (again): {GOAL}",
        "Propose up to 3",
    ]
    places = [text.index(part) for part in order]
    assert places == sorted(places)
    lines = text.splitlines()
    assert lines[lines.index(f"Goal (again): {GOAL}") + 1].startswith("Propose up to 3")
    assert 'fill(5, "' in text and 'select(8, "' in text  # the worked examples


def test_the_memory_leaves_the_shared_prefix_alone():
    """Every role's prompt on a page starts the same, memory or not (the prefix cache)."""
    remembered = user_text(PAGE.model_copy(update={"memory": MEMORY}), k=3)
    forgetful = user_text(PAGE, k=3)
    imagining = user_text(PAGE, "world_model_diff", action="click(3)")
    page_end = forgetful.index(PAGE.render()) + len(PAGE.render())
    assert imagining[:page_end] == forgetful[:page_end]
    memory_start = remembered.index("Your last actions")
    assert forgetful.startswith(remembered[:memory_start]) and memory_start > page_end
    assert "Your last actions" not in forgetful
