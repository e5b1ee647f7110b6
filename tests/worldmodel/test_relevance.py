"""The goal-words block (elements and, for a question, text lines) and the pop-up rule,
on pages written as a generic mail and shop would show them."""

from __future__ import annotations

import json
import re

from forethought.envs.types import Element, Observation
from forethought.worldmodel.policy import LLMPolicy, answer_schema, element_pattern
from forethought.worldmodel.popups import dismissal
from forethought.worldmodel.prompts import Prompts
from forethought.worldmodel.relevance import (
    answer_lines,
    asks,
    evidence,
    goal_option,
    relevant,
    relevant_text,
    search_hint,
)

from .replay import SchemaReplayClient, action_pattern


def el(id: str, role: str, name: str = "", **kw) -> Element:
    return Element(id=id, role=role, name=name, **kw)


#: A message's own page: its subject is the title and heading, the conversation links a
#: look-alike message, and the folder list has a link named like the archive button.
MESSAGE = Observation(
    url="http://mail.test/message/19",
    title="Notes from the kickoff · Mail",
    elements=[
        el("9", "link", "Archive"),
        el("", "heading", "Notes from the kickoff"),
        el("", "text", "Elena Whitford <elena@example.com> · 2025-07-20"),
        el("36", "button", "Star"),
        el("37", "button", "Archive"),
        el("41", "link", "Notes from the kickoff", context="Elena Whitfield, 2025-07-15"),
    ],
)


def ids(elements: list[Element]) -> list[str]:
    return [e.id for e in elements]


def test_words_the_page_already_shows_do_not_pick_an_element():
    goal = 'Star the email "Notes from the kickoff" from Elena Whitford.'
    assert ids(relevant(goal, MESSAGE)) == ["36"]
    inbox = MESSAGE.model_copy(update={"title": "Inbox", "elements": MESSAGE.elements[-1:]})
    assert ids(relevant(goal, inbox)) == ["41"]


def test_between_equals_a_control_comes_before_a_link():
    goal = 'Archive the email "Notes from the kickoff".'
    assert ids(relevant(goal, MESSAGE)) == ["37", "9"]


PRODUCT = Observation(
    url="http://shop.test/product/10",
    title="Lumen Task Light · Shop",
    elements=[
        el("", "heading", "Lumen Task Light"),
        el("", "text", "by Altura · ★ 3.7 (2320 reviews)"),
        el("", "text", "In stock."),
        el("36", "button", "Add to cart"),
        el("38", "link", "Summit Task Light", context="★ 3.7 (366 reviews)"),
    ],
)


def test_a_question_is_shown_the_text_that_may_answer_it():
    goal = "How many reviews does the Lumen Task Light have?"
    assert asks(goal) and asks("What is the code") and not asks("Star the email.")
    assert [e.name for e in relevant_text(goal, PRODUCT)] == [
        "Lumen Task Light",
        "by Altura · ★ 3.7 (2320 reviews)",
    ]
    assert relevant(goal, PRODUCT) == []  # (the look-alike's reviews: shown words only)
    prompt = Prompts().messages("policy", goal, PRODUCT, k=3)[1]["content"]
    assert "Text that shares words with the question:\nheading 'Lumen Task Light'\n" in prompt
    doing = Prompts().messages("policy", "Add the Lumen Task Light to the cart.", PRODUCT, k=3)
    assert "Text that shares" not in doing[1]["content"]


POPUP = Observation(
    url="http://shop.test/",
    title="Home",
    modal='dialog "Get 10% off your first order"',
    elements=[
        el("1", "textbox", "Email address"),
        el("2", "button", "Subscribe"),
        el("3", "button", "No thanks"),
    ],
)


def test_a_popup_the_page_opened_that_is_not_about_the_goal_is_dismissed():
    assert str(dismissal("Cancel my pending order for the desk lamp.", POPUP)) == "click(3)"
    # (one word in common is chance: "address")
    assert str(dismissal("Buy it and ship it to my Work address.", POPUP)) == "click(3)"
    # about the goal, tried already, or opened by the agent's own last action: not closed
    assert dismissal("Subscribe to the offers with my email address.", POPUP) is None
    assert dismissal("Cancel my order.", POPUP, avoid={"click(3)"}) is None
    asked = POPUP.model_copy(
        update={
            "memory": ["click(7) button 'Offers' → dialog \"Get 10% off your first order\" opened"]
        }
    )
    assert dismissal("Cancel my order.", asked) is None
    arrived = POPUP.model_copy(update={"memory": ["click(7) link 'Home' → URL changed to /"]})
    assert str(dismissal("Cancel my order.", arrived)) == "click(3)"
    assert dismissal("Cancel my order.", POPUP.model_copy(update={"modal": None})) is None


async def test_the_policy_closes_such_a_popup_without_asking_the_model():
    policy = LLMPolicy(client=None)  # type: ignore[arg-type]  (a call would fail)
    proposals, cost = await policy.propose("Cancel my order.", POPUP, 3)
    assert [str(a) for a, _ in proposals] == ["click(3)"] and cost.calls == 0


def test_a_question_may_name_the_text_line_that_answers_it():
    goal = "How many reviews does the Lumen Task Light have?"
    pattern = element_pattern(PRODUCT, answers=answer_lines(goal, PRODUCT))
    assert pattern is not None
    assert re.fullmatch(pattern, "by Altura · ★ 3.7 (2320 reviews)")
    assert re.fullmatch(pattern, "[36] button 'Add to cart'")
    assert not re.fullmatch(pattern, "In stock.")
    assert not re.fullmatch(element_pattern(PRODUCT) or "", "by Altura · ★ 3.7 (2320 reviews)")


class ScriptedReplies(SchemaReplayClient):
    """The replay client (a fake server) answering each call with the next reply."""

    def __init__(self, *replies: str) -> None:
        super().__init__(replies[0])
        self.replies = list(replies)
        self.messages: list[list[dict]] = []

    async def send(self, messages, **options):
        self.messages.append(messages)
        self.reply = self.replies[min(self.calls, len(self.replies) - 1)]
        return await super().send(messages, **options)


async def test_naming_the_line_that_answers_asks_for_the_answer():
    goal = "How many reviews does the Lumen Task Light have?"
    line = "by Altura · ★ 3.7 (2320 reviews)"
    client = ScriptedReplies(
        json.dumps({"answer": ""}),  # (the answer check: the page does not say it)
        json.dumps({"next": "read it", "element": line, "actions": ["click(36)"]}),
        json.dumps({"next": "read it", "element": line, "actions": ['stop("2320")']}),
    )
    proposals, cost = await LLMPolicy(client).propose(goal, PRODUCT, 3)
    assert [str(a) for a, _ in proposals] == ['stop("2320")'] and cost.calls == 3
    answer = action_pattern(client.schemas[2])
    assert re.fullmatch(answer, r"stop(\"2320\")") and not re.fullmatch(answer, "click(36)")


async def test_a_question_is_first_asked_whether_the_page_says_the_answer():
    goal = "How many reviews does the Lumen Task Light have?"
    client = ScriptedReplies(json.dumps({"answer": "2320 reviews"}))
    proposals, cost = await LLMPolicy(client).propose(goal, PRODUCT, 3)
    assert [str(a) for a, _ in proposals] == ['stop("2320 reviews")'] and cost.calls == 1
    asked = client.messages[0][1]["content"]
    assert "by Altura · ★ 3.7 (2320 reviews)" in asked and f"Question: {goal}" in asked
    # a thing to do is not asked about
    doing = ScriptedReplies(json.dumps({"next": "add", "element": "", "actions": ["click(36)"]}))
    proposals, cost = await LLMPolicy(doing).propose("Add the Lumen Task Light.", PRODUCT, 3)
    assert [str(a) for a, _ in proposals] == ["click(36)"] and cost.calls == 1


async def test_the_answer_is_held_to_the_pages_words_and_asked_only_on_its_subjects_page():
    goal = "How many reviews does the Lumen Task Light have?"
    seen = evidence(goal, PRODUCT)
    assert seen[:2] == ["heading 'Lumen Task Light'", "by Altura · ★ 3.7 (2320 reviews)"]
    assert evidence("Add the Lumen Task Light to my cart.", PRODUCT) == []  # not a question
    assert evidence("How many reviews does the Halo Desk Fan have?", PRODUCT) == []  # 1 of 4
    pattern = answer_schema(tuple(e.line() for e in PRODUCT.elements)).model_json_schema()
    held = pattern["properties"]["answer"]["pattern"]
    assert re.fullmatch(held, "2320") and re.fullmatch(held, "")
    assert not re.fullmatch(held, "2321")
    # an answer that only repeats the question's words says nothing: the policy goes on
    client = ScriptedReplies(
        json.dumps({"answer": "Lumen Task Light"}),
        json.dumps({"next": "add", "element": "", "actions": ["click(36)"]}),
    )
    proposals, cost = await LLMPolicy(client).propose(goal, PRODUCT, 3)
    assert [str(a) for a, _ in proposals] == ["click(36)"] and cost.calls == 2


DAYS = ("Fri, Jul 4", "Fri, Jul 11", "Fri, Jul 18")
HOTEL = Observation(
    url="http://travel.test/hotels/20",
    title="Park Lane · Travel",
    elements=[
        el("20", "combobox", "Check-in", value="Fri, Jul 4", options=DAYS),
        el("22", "combobox", "Guests", value="1", options=("1", "2", "3")),
        el("24", "button", "Reserve"),
    ],
)


async def test_a_select_takes_the_option_the_goal_names():
    goal = "Reserve it for 2 guests, checking in on Fri, Jul 11."
    assert goal_option(goal, HOTEL.elements[0]) == "Fri, Jul 11"
    assert goal_option(goal, HOTEL.elements[1]) == "2"
    assert goal_option("Move it from 1 to 3 guests.", HOTEL.elements[1]) is None  # two
    assert goal_option("Reserve it.", HOTEL.elements[1]) is None
    reply = {"next": "dates", "element": "", "actions": ['select(20, "Fri, Jul 18")']}
    client = ScriptedReplies(json.dumps(reply))
    proposals, _ = await LLMPolicy(client).propose(goal, HOTEL, 3)
    assert [str(a) for a, _ in proposals] == ['select(20, "Fri, Jul 11")']
    # a select that holds the option the goal names is set: not proposed again
    held = "Reserve it for 1 guest, checking in on Fri, Jul 11."
    reply = {"next": "guests", "element": "", "actions": ['select(22, "3")', "click(24)"]}
    proposals, _ = await LLMPolicy(ScriptedReplies(json.dumps(reply))).propose(held, HOTEL, 3)
    assert [str(a) for a, _ in proposals] == ["click(24)"]


def test_a_quoted_name_the_page_does_not_show_points_to_its_search_box():
    inbox = Observation(
        url="http://mail.test/inbox",
        title="Inbox",
        elements=[
            el("2", "searchbox", "Search mail"),
            el("24", "link", "Members' night is back", context="Cinema Club"),
        ],
    )
    goal = 'Archive the email "This week\'s premieres" from Cinema Club.'
    hint = 'Not on this page: "This week\'s premieres". Search for it with [2] searchbox'
    assert search_hint(goal, inbox).startswith(hint)
    prompt = Prompts().messages("policy", goal, inbox, k=3)[1]["content"]
    assert hint in prompt
    assert search_hint('Archive the email "Members\' night is back".', inbox) == ""
    assert search_hint("Archive the email from Cinema Club.", inbox) == ""
    no_box = inbox.model_copy(update={"elements": inbox.elements[1:]})
    assert search_hint(goal, no_box) == ""


HOME = Observation(
    url="http://shop.test/",
    title="Home",
    elements=[
        el("5", "searchbox", "Search products"),
        el("11", "link", "Running Shoes"),
        el("25", "link", "Nimbus Drip Brewer 2", context="Coffee Makers · $184.95"),
        el("33", "combobox", "Guests", value="1", options=("1", "2")),
    ],
)


def test_a_short_number_matches_an_option_not_a_name():
    goal = "Buy 2 of the Atlas Road Racer Pro in size 8."
    assert ids(relevant(goal, HOME)) == ["33"]  # not the 'Brewer 2'


def test_a_page_without_any_of_the_goals_words_points_to_its_search_box():
    goal = "Buy 2 of the Atlas Road Racer Pro in size 8."
    home = HOME.model_copy(update={"elements": HOME.elements[:3]})
    assert search_hint(goal, home) == (
        "Nothing on this page shares the goal's words. "
        "Search for it with [5] searchbox 'Search products'."
    )
    assert search_hint("Buy running shoes.", home) == ""


def test_in_a_dialog_the_button_that_answers_it_is_named():
    confirm = Observation(
        url="http://mail.test/message/29",
        title="Draft budget for Q3 · Mail",
        modal='dialog "Delete this message?"',
        elements=[
            el("", "heading", "Delete this message?"),
            el("43", "button", "Keep it"),
            el("44", "button", "Delete message"),
        ],
    )
    goal = 'Delete the email "Draft budget for Q3" from Maya Leigh.'
    assert ids(relevant(goal, confirm)) == ["44"]
    assert dismissal(goal, confirm) is None
