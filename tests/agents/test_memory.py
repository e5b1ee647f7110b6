"""The agent's memory of its last actions, and the ban on actions that changed nothing.

The effect lines are computed from two observations; the loop tests run the whole loop on
the fake site (fake_env.py) with a scripted policy double that records what it was shown.
"""

from __future__ import annotations

import pytest

from forethought.agents.memory import MEMORY_LINES, effect, memory_line, remember
from forethought.envs.types import Action, ActionKind, Element, Observation
from tests.agents.doubles import ScriptedPolicy
from tests.agents.fake_env import PAGES
from tests.agents.test_loop import Setup


def obs(url: str = "http://site.test/mail/inbox", *elements: Element, **kw) -> Observation:
    return Observation(url=url, elements=list(elements), **kw)


def el(id: str, role: str, name: str = "", **kw) -> Element:
    return Element(id=id, role=role, name=name, **kw)


SEARCH, GO = el("5", "textbox", "Search"), el("6", "button", "Go")
NEXT = el("9", "button", "Next")


def test_a_click_that_navigates_names_the_new_path():
    link = el("23", "link", "Draft budget for Q3")
    before = obs("http://site.test/mail/inbox", link)
    after = obs("http://site.test/mail/message/7?tab=1", el("1", "heading", "Draft"))
    line = memory_line(Action(kind=ActionKind.CLICK, target="23"), before, after, None)
    assert line == "click(23) link 'Draft budget for Q3' → URL changed to /mail/message/7?tab=1"
    assert effect(before, obs("http://other.test/x"), None) == "URL changed to http://other.test/x"


def test_a_fill_counts_what_appeared_and_changed():
    before = obs("http://site.test/search", SEARCH, GO)
    typed = SEARCH.model_copy(update={"value": "lamp"})
    hints = [el(str(i), "option", f"lamp {i}") for i in (7, 8, 9)]
    after = obs("http://site.test/search", typed, GO, *hints)
    fill = Action(kind=ActionKind.FILL, target="5", value="lamp")
    assert memory_line(fill, before, after, None) == (
        "fill(5) textbox 'Search' \"lamp\" → 3 elements appeared, 1 changed"
    )
    assert effect(after, before, None) == "3 elements disappeared, 1 changed"
    assert effect(before, obs(before.url, SEARCH), None) == "1 element disappeared"


def test_no_change_ignores_lines_without_an_id_and_indentation():
    before = obs("http://site.test/p", NEXT, el("", "text", "12:00"))
    after = obs("http://site.test/p", NEXT.model_copy(update={"depth": 2}), el("", "text", "12:01"))
    click = Action(kind=ActionKind.CLICK, target="9")
    assert memory_line(click, before, after, None) == "click(9) button 'Next' → no visible change"


def test_an_error_is_the_effect_and_a_missing_target_is_left_out():
    page = obs("http://site.test/p", el("1", "button", "Close"), modal='dialog "Newsletter"')
    error = 'element [4] is covered by dialog "Newsletter"'
    click = Action(kind=ActionKind.CLICK, target="4")
    assert memory_line(click, page, page, error) == f"click(4) → error: {error}"
    press = Action(kind=ActionKind.PRESS, value="Enter")
    assert memory_line(press, page, page, None) == 'press("Enter") → no visible change'


def test_a_modal_opening_or_closing_is_named_not_counted():
    page = obs("http://site.test/p", NEXT, SEARCH)
    modal = obs(page.url, el("1", "button", "Close"), modal='dialog "Newsletter"')
    assert effect(page, modal, None) == 'dialog "Newsletter" opened'
    assert effect(modal, page, None) == 'dialog "Newsletter" closed'


def test_the_memory_keeps_the_last_lines():
    history: list[str] = []
    for i in range(MEMORY_LINES + 2):
        history = remember(history, f"line {i}")
    assert history == [f"line {i}" for i in range(2, MEMORY_LINES + 2)]


class SeeingPolicy(ScriptedPolicy):
    """The scripted policy double, keeping the real pages it was shown."""

    def __init__(self, script: list[tuple[str, str]]) -> None:
        super().__init__(script, imagine=True)
        self.seen: list[Observation] = []

    async def propose(self, goal: str, state: Observation, k: int):
        if "Imagined after" not in state.notes:
            self.seen.append(state)
        return await super().propose(goal, state, k)


#: Help first, but it does nothing; Holiday plans → plans → Back → the inbox again;
#: then Drafts.
HELP_FIRST = [
    ("inbox", 'click("Help")'),
    ("inbox", 'click("Holiday plans")'),
    ("plans", 'click("Back")'),
    ("inbox", 'click("Drafts")'),
]


def help_first(agent: str, case: str) -> Setup:
    """The fake site where Help does nothing (``case``: "no change", "error"), or where the
    inbox has a new message when the agent comes back to it ("page changed")."""
    s = Setup(HELP_FIRST, agent=agent, max_steps=4, policy=SeeingPolicy(HELP_FIRST))
    site = s.envs.site
    if case != "error":  # (else the fake site says "nothing happened")
        site.moves[("inbox", "click(3)")] = "inbox"
    if case == "query added":  # the same inbox, back with a message in its url
        inbox = PAGES["inbox"]
        site.pages["inbox2"] = inbox.model_copy(update={"url": "fake://inbox?msg=Welcome+back"})
        site.moves[("plans", "click(6)")] = "inbox2"
    if case == "page changed":
        inbox = PAGES["inbox"]
        more = [*inbox.elements, el("12", "link", "New message")]
        site.pages["inbox2"] = inbox.model_copy(update={"elements": more})
        site.moves[("plans", "click(6)")] = "inbox2"
        site.moves[("inbox2", "click(3)")] = "inbox2"
    return s


@pytest.mark.parametrize("agent", ["reactive", "lookahead"])
@pytest.mark.parametrize(
    ("case", "last"),
    [
        ("no change", "click(1)"),
        ("error", "click(1)"),
        ("query added", "click(1)"),
        ("page changed", "click(3)"),
    ],
)
async def test_a_no_op_is_not_proposed_again_while_the_page_stays(runs_home, agent, case, last):
    s = help_first(agent, case)
    await s.run()
    # Two steps after Help did nothing, on the same inbox, neither Help nor Holiday plans
    # (which went round to here) is proposed again; on an inbox with new actionable
    # elements Help is. A url that only gained a query is the same page to act on.
    assert s.executed == ["click(3)", "click(2)", "click(6)", last]


@pytest.mark.parametrize("case", ["no change", "error"])
async def test_the_policy_sees_its_last_actions(runs_home, case):
    s = help_first("reactive", case)
    await s.run()
    help_did = "error: nothing happened" if case == "error" else "no visible change"
    assert [page.memory for page in s.policy.seen] == [
        [],
        [f"click(3) button 'Help' → {help_did}"],
        [
            f"click(3) button 'Help' → {help_did}",
            "click(2) link 'Holiday plans' → URL changed to fake://plans",
        ],
        [
            f"click(3) button 'Help' → {help_did}",
            "click(2) link 'Holiday plans' → URL changed to fake://plans",
            "click(6) button 'Back' → URL changed to fake://inbox",
        ],
    ]


def form_site() -> Setup:
    """A form on the fake site's start page: a day select (Mon) and a Search button;
    choosing Tue keeps the URL (another situation: the select's value changed)."""
    script = [
        ("inbox", 'select(20, "Tue")'),
        ("inbox", 'select(20, "Mon")'),
        ("inbox", "click(21)"),
    ]
    s = Setup(script, agent="reactive", max_steps=4, policy=ScriptedPolicy(script))
    site = s.envs.site
    day = el("20", "combobox", "Day", value="Mon", options=("Mon", "Tue"))
    search = el("21", "button", "Search")
    site.pages["inbox"] = obs("fake://inbox", day, search)
    site.pages["tue"] = obs("fake://inbox", day.model_copy(update={"value": "Tue"}), search)
    site.moves[("inbox", 'select(20, "Tue")')] = "tue"
    site.moves[("tue", 'select(20, "Mon")')] = "inbox"
    site.moves[("tue", "click(21)")] = "plans"
    return s


async def test_a_field_set_once_is_not_set_again_until_the_url_changes(runs_home):
    s = form_site()
    await s.run()
    # Without the ban the agent selects Mon again (a new situation), then Tue, and never
    # gets to Search.
    assert s.executed[:2] == ['select(20, "Tue")', "click(21)"]
