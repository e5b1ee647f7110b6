"""Risk: how much an action can change the world, judged before it runs.

:func:`assign_risk` applies each action's rule from the action table
(:class:`~forethought.envs.actions.RiskRule`). The vocabulary here (words of labels, of
URLs and of form fields) is shared with the page reader, which annotates elements, and
the write firewall, which classifies the requests an action really sends.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from urllib.parse import parse_qsl, unquote, urlsplit

from forethought.envs.actions import ACTIONS, RiskRule
from forethought.envs.types import Action, Element, Observation, Risk

__all__ = [
    "DESTRUCTIVE_GET",
    "IRREVERSIBLE_WORDS",
    "SEARCH_KEYS",
    "STATE_CHANGING_WORDS",
    "WRITE_IRREVERSIBLE",
    "assign_risk",
    "infer_name_risk",
    "request_words",
    "url_write_risk",
]

_IRREVERSIBLE = (
    r"buy|buy now|purchase|pay|pay now|place (?:the )?order|submit order"
    r"|complete (?:order|purchase)"
    r"|checkout and pay|confirm|delete|delete forever|send|send now|transfer|wire|book|book now"
    r"|reserve|cancel (?:order|booking|reservation|subscription|account)|unsubscribe"
    r"|empty trash|permanently|destroy|wipe|publish|donate|withdraw|approve|sign and send"
)
_STATE_CHANGING = (
    r"add to (?:cart|basket|bag|wishlist|list)|remove|save|update|apply|submit|archive"
    r"|move to|mark as|rename|sign up|register|subscribe|upload|log ?out|sign out|vote|reply"
)
IRREVERSIBLE_WORDS = re.compile(rf"\b(?:{_IRREVERSIBLE})\b", re.IGNORECASE)
STATE_CHANGING_WORDS = re.compile(rf"\b(?:{_STATE_CHANGING})\b", re.IGNORECASE)

# The same vocabulary for requests (the write firewall's, and goto's): bare words of a URL
# route or a form field, where a label needs a phrase ("Cancel" may just close a dialog,
# while ``/orders/7/cancel`` cancels an order).

#: A write whose route or fields say one of these is ``irreversible``.
WRITE_IRREVERSIBLE = frozenset(
    {
        "buy",
        "purchase",
        "pay",
        "payment",
        "checkout",
        "order",
        "send",
        "delete",
        "remove",
        "cancel",
        "cancellation",
        "book",
        "booking",
        "reserve",
        "reservation",
        "confirm",
        "transfer",
    }
)
#: A GET whose URL says one of these is a write (a link that deletes, logs out...).
DESTRUCTIVE_GET = frozenset({"delete", "remove", "cancel", "logout", "signout", "unsubscribe"})
#: Query or form keys whose values are a search's words, not a command.
SEARCH_KEYS = frozenset({"q", "query", "search", "s", "term", "terms", "keyword", "keywords"})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def request_words(text: str) -> set[str]:
    """The words of a URL path, a field name or a short value, lowercased: camelCase,
    snake_case and kebab-case split (``cancelOrder`` -> cancel, order), plurals and
    adjacent pairs joined too (``log-out`` -> logout, ``orders`` -> order)."""
    tokens = [t for t in _NON_WORD.split(_CAMEL.sub(" ", text).lower()) if t]
    words = set(tokens)
    words |= {t[:-1] for t in tokens if len(t) > 3 and t.endswith("s")}
    words |= {a + b for a, b in itertools.pairwise(tokens)}
    return words


def _query_words(query: str) -> set[str]:
    words: set[str] = set()
    for key, value in parse_qsl(query, keep_blank_values=True):
        words |= request_words(key)
        if key.lower() not in SEARCH_KEYS and len(value.split()) <= 3:
            words |= request_words(value)
    return words


def url_write_risk(url: str) -> Risk | None:
    """What a GET of ``url`` risks: ``None`` (a read) unless its path or query says
    delete, remove, cancel, log out or unsubscribe; then ``irreversible`` when it says an
    irreversible word (delete, cancel, remove...), else ``state_changing``.

    Search words (``?q=cancel``) and free text (a value of more than three words) are not
    read as commands; nor is the host."""
    parts = urlsplit(url)
    words = request_words(unquote(parts.path)) | _query_words(parts.query)
    if not words & DESTRUCTIVE_GET:
        return None
    return Risk.IRREVERSIBLE if words & WRITE_IRREVERSIBLE else Risk.STATE_CHANGING


_ACTIVATABLE = {"clickable", "button", "link", "menuitem", "tab", "option", "switch"}


def infer_name_risk(role: str, name: str) -> Risk | None:
    """Risk judged from an element's role and name alone; ``None`` when nothing is implied."""
    if role not in _ACTIVATABLE or not name:
        return None
    if IRREVERSIBLE_WORDS.search(name):
        # Following a link is a GET: suspicious, but not itself a commitment.
        return Risk.STATE_CHANGING if role == "link" else Risk.IRREVERSIBLE
    if STATE_CHANGING_WORDS.search(name):
        return Risk.SAFE if role == "link" else Risk.STATE_CHANGING
    return None


def _element_risk(element: Element) -> Risk:
    if element.risk is not None:
        return element.risk
    return infer_name_risk(element.role, element.name) or Risk.SAFE


#: Form fields: clicking one only focuses or toggles it on the page. Their risk (the form's
#: submit risk, from observe.js) is what ``press("Enter")`` on them would submit.
_FIELD_ROLES = frozenset(
    {"textbox", "searchbox", "spinbutton", "combobox", "listbox", "slider", "checkbox", "radio"}
)
#: Keys that submit the focused field's form or activate the focused control.
_SUBMIT_KEYS = frozenset({"Enter", "NumpadEnter"})
_ACTIVATE_KEYS = frozenset({"Space", " "})


def _element_rule(action: Action, observation: Observation | None) -> Risk | None:
    """Its element's risk; a form field's click only focuses or toggles it: safe."""
    element = observation.element(action.target) if observation and action.target else None
    if element is None:
        return None
    if element.role in _FIELD_ROLES:
        return Risk.SAFE
    return _element_risk(element)


def _key_rule(action: Action, observation: Observation | None) -> Risk | None:
    """Enter submits the focused or targeted field's form, Space activates a control."""
    if observation is None:
        return Risk.SAFE
    value = action.value or ""
    keys = {value} if value == "+" else set(value.split("+"))
    target = action.target or observation.focused
    element = observation.element(target) if target else None
    submits = bool(keys & _SUBMIT_KEYS) or (
        bool(keys & _ACTIVATE_KEYS) and element is not None and element.role in _ACTIVATABLE
    )
    if element is not None and submits:
        return _element_risk(element)
    return Risk.SAFE


def _url_rule(action: Action, observation: Observation | None) -> Risk | None:
    return url_write_risk(action.value or "") or Risk.SAFE


def _safe_rule(action: Action, observation: Observation | None) -> Risk | None:
    return Risk.SAFE


#: Each rule's judge: a risk, or ``None`` to keep the action's own.
_RULES: dict[RiskRule, Callable[[Action, Observation | None], Risk | None]] = {
    RiskRule.SAFE: _safe_rule,
    RiskRule.ELEMENT: _element_rule,
    RiskRule.KEY: _key_rule,
    RiskRule.URL: _url_rule,
}


def assign_risk(action: Action, observation: Observation | None) -> Action:
    """Return ``action`` with its risk judged from the page, by its rule in the table.

    A click takes its element's risk (the page's ``data-risk``, the browser env's form
    inference, or else the name), except on a form field (a textbox, a list, a checkbox
    or radio...): clicking that is safe; on an element not on the page it keeps its risk.
    A key press that holds Enter (``Enter``, ``NumpadEnter``, ``Shift+Enter``...) takes
    the focused or targeted field's risk (it submits the form), and Space an activatable
    control's. ``goto`` a URL that says delete, remove or cancel is irreversible, one that
    says log out or unsubscribe state-changing (:func:`url_write_risk`). Typing,
    selecting, hovering, unfolding, scrolling, other navigation and stopping are safe.
    The write firewall holds what a wrong label would let through; these labels are the
    gate's prior.
    """
    risk = _RULES[ACTIONS[action.kind].risk](action, observation)
    return action if risk is None else action.with_risk(risk)
