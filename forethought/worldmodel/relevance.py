"""Which of a page's elements share the goal's words: a short list the policy reads next
to the question, so that a small model need not find the one line among a hundred.

A plain lexical ranking (as a retriever would do it, BM25-like): the goal's words, each
weighted by how rare it is on the page, matched against each actionable element's name,
row text and options. Words the page already shows as its title, headings or text are
where the agent is, not what to do there: on a message's own page, its subject names a
link to a look-alike message and the goal's verb names the button ("Star"). Nothing in
it knows any site.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from forethought.envs.types import Element, Observation

__all__ = [
    "answer_lines",
    "asks",
    "element_words",
    "evidence",
    "goal_option",
    "plain",
    "relevant",
    "relevant_text",
    "search_hint",
    "words",
]

_WORD = re.compile(r"[\w$€£.:/-]+", re.UNICODE)
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "do",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "my",
        "of",
        "on",
        "or",
        "our",
        "that",
        "the",
        "their",
        "then",
        "this",
        "to",
        "was",
        "with",
        "you",
        "your",
        "me",
        "i",
        "all",
        "any",
    ]
)


def _stem(word: str) -> str:
    """``drafts`` → ``draft``, ``Orders`` → ``order``: enough to match a plural."""
    word = word.lower().strip(".:/-")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(text: str) -> set[str]:
    """The content words of ``text``, lowercased and stemmed."""
    out = {_stem(w) for w in _WORD.findall(text)}
    return {w for w in out if w and w not in _STOP}


def _text(element: Element) -> str:
    return " ".join([element.name, element.context, *element.options])


def relevant(goal: str, obs: Observation, n: int = 5) -> list[Element]:
    """Up to ``n`` actionable elements that share the most (rare) words with ``goal``,
    best first; none when nothing matches. An element matched only by words the page
    already shows (:func:`_shown_words`) is left out, unless a dialog is open ("Delete
    this message?" asks, 'Delete message' answers: 'Keep it' was clicked without it);
    between equals, a control that acts in place comes before a link (a goal's verb
    names an action, a link with the same name a place: the "Archive" button before the
    "Archive" folder)."""
    wanted = words(goal)
    if not wanted:
        return []
    # (an open dialog's text asks about the goal's action; its buttons answer it)
    shown = set() if obs.modal else _shown_words(obs)
    elements = [e for e in obs.actionable if e.role != "folded"]
    bags = [element_words(e) & wanted for e in elements]
    idf = _idf(bags, len(elements))

    def score(bag: set[str]) -> float:
        return sum(idf[w] * (_SHOWN_WEIGHT if w in shown else 1.0) for w in bag)

    ranked = sorted(
        (-score(bag), elements[i].role == "link", i) for i, bag in enumerate(bags) if bag - shown
    )
    return [elements[i] for _, _, i in ranked[:n]]


def relevant_text(goal: str, obs: Observation, n: int = 3) -> list[Element]:
    """Up to ``n`` of the page's text lines (no id) that share the most (rare) words with
    ``goal``, best first: where the answer to a question may stand."""
    wanted = words(goal)
    lines = [e for e in obs.elements if not e.id and e.role in _TEXT_ROLES and e.name]
    bags = [words(e.name) & wanted for e in lines]
    idf = _idf(bags, len(lines))
    ranked = sorted((-sum(idf[w] for w in bag), i) for i, bag in enumerate(bags) if bag)
    return [lines[i] for _, i in ranked[:n]]


def evidence(goal: str, obs: Observation, n: int = 3) -> list[str]:
    """For a question, the page's text lines that may answer it (:func:`relevant_text`),
    as the page shows them, when together they hold at least half the words that name
    what is asked about (a message's or a product's own page); none otherwise (a
    listing's heading shares a word or two with any question about its items)."""
    wanted = words(goal) - _ASKING
    if not asks(goal) or not wanted:
        return []
    lines = relevant_text(goal, obs, n)
    held = set().union(*(words(e.name) for e in lines)) & wanted
    if len(held) < _EVIDENCE_SHARE * len(wanted):
        return []
    return [e.line().strip() for e in lines]


#: The share of a question's words the evidence lines must hold together.
_EVIDENCE_SHARE = 0.5


def answer_lines(goal: str, obs: Observation) -> list[str]:
    """For a question, the page's text lines that may answer it (:func:`relevant_text`),
    as the page shows them; none for a goal that is a thing to do."""
    return [e.line().strip() for e in relevant_text(goal, obs)] if asks(goal) else []


def asks(goal: str) -> bool:
    """Whether ``goal`` is a question to answer (rather than a thing to do)."""
    text = goal.strip()
    first = text.split(maxsplit=1)[0].lower() if text else ""
    return text.endswith("?") or first in _QUESTION_WORDS


def search_hint(goal: str, obs: Observation) -> str:
    """When the page has a search box and ``goal`` names what it does not show, a line
    saying so and naming the box (``""`` otherwise): a name the goal quotes that is
    nowhere on the page, or no word of the goal anywhere on it. A thing named is found by
    searching for it, not by paging through lists (the 1.5B never searched at 97fbe52)."""
    boxes = [e for e in obs.actionable if e.role == "searchbox" and not e.value]
    if not boxes:
        return ""
    search = f"Search for it with {boxes[0].head()}."
    shown = " ".join([obs.title, *(_text(e) for e in obs.elements)])
    missing = [q for q in _quoted(goal) if plain(q) not in plain(shown)]
    if missing:
        return "Not on this page: " + ", ".join(f'"{q}"' for q in missing) + ". " + search
    seen = set().union(words(obs.title), *(element_words(e) for e in obs.elements))
    return "" if seen & words(goal) else f"Nothing on this page shares the goal's words. {search}"


def goal_option(goal: str, element: Element) -> str | None:
    """The one option of the select ``element`` that ``goal`` names word for word
    (``"Friday, July 11, 2025"``, ``"1"`` in "for 1 guest"); ``None`` when it names none
    of them, or more than one ("move it from Spam to Archive")."""
    said = plain(goal)
    named = [o for o in element.options if o.strip() and _names(said, plain(o))]
    return named[0] if len(named) == 1 else None


def _names(text: str, phrase: str) -> bool:
    """Whether ``phrase`` stands in ``text`` as whole words."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


_QUOTE = re.compile(r'"([^"]{3,})"|“([^”]{3,})”')


def _quoted(goal: str) -> list[str]:
    """The names ``goal`` quotes (``"Draft budget for Q3"``)."""
    return [a or b for a, b in _QUOTE.findall(goal)]


def plain(text: str) -> str:
    """``text`` lowercased, its spaces collapsed and end stops dropped: ``" No  thanks!"``
    → ``"no thanks"``."""
    return " ".join(text.lower().strip(" .!").split())


#: How much a goal word counts on an element when the page already shows it.
_SHOWN_WEIGHT = 0.1
#: The lines (with no id) that show the page's own content.
_TEXT_ROLES = frozenset(["heading", "text"])
_QUESTION_WORDS = frozenset(["what", "which", "who", "whom", "when", "where", "how", "why"])
#: Words that ask rather than name what is asked about ("does" stems to "doe").
_ASKING = _QUESTION_WORDS | {"doe", "did", "much", "many"}


def element_words(element: Element) -> set[str]:
    """An element's words. A number of one or two digits counts only as a select's
    option ("4" guests): in a name it is chance ("Buy 2" and 'Nimbus Drip Brewer 2')."""
    named = {w for w in words(f"{element.name} {element.context}") if not _short_number(w)}
    return named | words(" ".join(element.options))


def _short_number(word: str) -> bool:
    return word.isdigit() and len(word) <= 2


def _shown_words(obs: Observation) -> set[str]:
    """The words of the page's title, headings and text lines."""
    shown = words(obs.title)
    for e in obs.elements:
        if not e.id and e.role in _TEXT_ROLES:
            shown |= words(e.name)
    return shown


def _idf(bags: list[set[str]], total: int) -> dict[str, float]:
    """Each word's weight: higher the fewer of ``bags`` hold it."""
    df = Counter(w for bag in bags for w in bag)
    return {w: math.log(1 + max(total, 1) / n) for w, n in df.items()}
