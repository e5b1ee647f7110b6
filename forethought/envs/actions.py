"""The action set, defined once.

Each action has one :class:`ActionSpec` in :data:`ACTIONS`: its arguments, the other
spellings the parser accepts, an example, the element roles it is for, the function that
performs it in the browser (named in :mod:`forethought.envs.execute`), its risk rule
(applied by :mod:`forethought.envs.risk`) and its BrowserGym function (used by
:mod:`forethought.envs.browsergym_actions`). Everything else derives from the table: the
grammar text of error messages (:data:`GRAMMAR`), the prompts' list
(:func:`action_list`), the policy's decoding pattern (:data:`ACTION_PATTERN`,
:data:`CALL_PATTERN`), the parser's names (:data:`ALIASES`) and :data:`TARGETED`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from forethought.envs.types import Action, ActionKind, Element, Observation

__all__ = [
    "ACTIONS",
    "ACTION_PATTERN",
    "ALIASES",
    "CALL_PATTERN",
    "DIRECTIONS",
    "GRAMMAR",
    "NAMES",
    "SCROLL",
    "SCROLL_PIXELS",
    "TARGETED",
    "ActionSpec",
    "Arg",
    "PageAction",
    "RiskRule",
    "action_list",
    "exact_pattern",
    "literal_pattern",
    "misfit",
    "page_actions",
    "page_pattern",
]


class Arg(StrEnum):
    """What an action's argument is."""

    ID = "id"
    TEXT = "text"
    OPTION = "option"
    KEY = "key"
    DIRECTION = "direction"
    URL = "url"
    ANSWER = "answer"

    @property
    def what(self) -> str:
        """The argument as an error message names it: ``the text to type``."""
        return _WHAT[self]


_WHAT = {
    Arg.ID: "an element id",
    Arg.TEXT: "the text to type",
    Arg.OPTION: "an option",
    Arg.KEY: "a key",
    Arg.DIRECTION: "a direction",
    Arg.URL: "a url",
    Arg.ANSWER: "an answer",
}


class RiskRule(StrEnum):
    """How :func:`~forethought.envs.risk.assign_risk` judges an action's risk."""

    #: Always safe.
    SAFE = "safe"
    #: Its element's risk (the page's, or its name's); clicking a form field is safe.
    ELEMENT = "element"
    #: Enter submits, Space activates: then the focused or targeted element's risk.
    KEY = "key"
    #: What the URL says it does (delete, cancel, log out...).
    URL = "url"


#: Pixels one ``scroll(direction)`` moves, in the browser and in BrowserGym.
SCROLL_PIXELS = 500

#: ``scroll(direction)`` as ``(dx, dy)`` in pixels.
SCROLL: dict[str, tuple[int, int]] = {
    "up": (0, -SCROLL_PIXELS),
    "down": (0, SCROLL_PIXELS),
    "left": (-SCROLL_PIXELS, 0),
    "right": (SCROLL_PIXELS, 0),
}
DIRECTIONS = tuple(SCROLL)


@dataclass(frozen=True)
class ActionSpec:
    """One action of the grammar."""

    kind: ActionKind
    #: What it does, in a few words.
    does: str
    #: Its arguments, in order, as the grammar writes them.
    args: tuple[Arg, ...]
    example: str
    #: The function of :mod:`forethought.envs.execute` that performs it.
    executor: str
    risk: RiskRule
    #: BrowserGym's function for it; ``None``: BrowserGym cannot perform it.
    browsergym: str | None
    #: Other names the parser reads as this action (BrowserGym's, weak models').
    aliases: tuple[str, ...] = ()
    #: The roles of the elements it is for; ``None``: any element with an id. Not
    #: enforced by the parser (a fill on an editable combobox works, for one).
    roles: frozenset[str] | None = None
    #: It may also take an element id first (``press(12, "Enter")``), not shown in the
    #: grammar; without one it acts on the focused element.
    id_optional: bool = False

    @property
    def name(self) -> str:
        return self.kind.value

    @property
    def targeted(self) -> bool:
        """Whether its first argument is an element id it cannot do without."""
        return self.args[:1] == (Arg.ID,) and not self.id_optional

    @property
    def shown_args(self) -> tuple[Arg, ...]:
        """The arguments the grammar shows (an optional id is left out)."""
        return self.args[1:] if self.id_optional else self.args

    def signature(self) -> str:
        """``fill(id, text)``."""
        return f"{self.name}({', '.join(self.shown_args)})"

    def prompt_form(self) -> str:
        """``fill(id, "text")``: how a model writes it, strings quoted."""
        return f"{self.name}({', '.join(_prompt_arg(a) for a in self.shown_args)})"

    def can_target(self, role: str) -> bool:
        """Whether it is for an element of this role."""
        return Arg.ID in self.args and (self.roles is None or role in self.roles)


def _prompt_arg(arg: Arg) -> str:
    if arg is Arg.ID:
        return "id"
    if arg is Arg.DIRECTION:
        return f'"{"|".join(DIRECTIONS)}"'
    return f'"{arg}"'


_SPECS = (
    ActionSpec(
        ActionKind.CLICK,
        does="clicks an element",
        args=(Arg.ID,),
        example="click(12)",
        executor="click",
        risk=RiskRule.ELEMENT,
        browsergym="click",
    ),
    ActionSpec(
        ActionKind.FILL,
        does="replaces a field's text",
        args=(Arg.ID, Arg.TEXT),
        example='fill(12, "milk")',
        executor="fill",
        risk=RiskRule.SAFE,
        browsergym="fill",
        aliases=("type",),
        roles=frozenset({"textbox", "searchbox", "spinbutton"}),
    ),
    ActionSpec(
        ActionKind.SELECT,
        does="picks an option of a list by its label or value",
        args=(Arg.ID, Arg.OPTION),
        example='select(12, "Large")',
        executor="select",
        risk=RiskRule.SAFE,
        browsergym="select_option",
        aliases=("select_option",),
        roles=frozenset({"combobox", "listbox"}),
    ),
    ActionSpec(
        ActionKind.PRESS,
        does="presses a key or a combination on the focused element, or on one given first",
        args=(Arg.ID, Arg.KEY),
        example='press("Enter")',
        executor="press",
        risk=RiskRule.KEY,
        browsergym="press",
        aliases=("keyboard_press",),
        id_optional=True,
    ),
    ActionSpec(
        ActionKind.SCROLL,
        does="scrolls the page",
        args=(Arg.DIRECTION,),
        example='scroll("down")',
        executor="scroll",
        risk=RiskRule.SAFE,
        browsergym="scroll",
    ),
    ActionSpec(
        ActionKind.HOVER,
        does="moves the mouse over an element",
        args=(Arg.ID,),
        example="hover(12)",
        executor="hover",
        risk=RiskRule.SAFE,
        browsergym="hover",
    ),
    ActionSpec(
        ActionKind.MORE,
        does="shows a folded summary line of the page in full",
        args=(Arg.ID,),
        example="more(12)",
        executor="more",
        risk=RiskRule.SAFE,
        # Folded lines are our page text's; a BrowserGym page has none to unfold.
        browsergym=None,
        aliases=("unfold", "show_more"),
        roles=frozenset({"folded"}),
    ),
    ActionSpec(
        ActionKind.GOTO,
        does="opens a url",
        args=(Arg.URL,),
        example='goto("https://example.com/")',
        executor="goto",
        risk=RiskRule.URL,
        browsergym="goto",
        aliases=("go_to", "navigate"),
    ),
    ActionSpec(
        ActionKind.GO_BACK,
        does="goes back to the previous page",
        args=(),
        example="go_back()",
        executor="go_back",
        risk=RiskRule.SAFE,
        browsergym="go_back",
        aliases=("back",),
    ),
    ActionSpec(
        ActionKind.STOP,
        does="ends the episode, with the answer if the goal asks for one",
        args=(Arg.ANSWER,),
        example='stop("42")',
        executor="stop",
        risk=RiskRule.SAFE,
        browsergym="send_msg_to_user",
        aliases=("send_msg_to_user", "answer", "finish"),
    ),
)

#: Every action's definition, in the order prompts list them.
ACTIONS: dict[ActionKind, ActionSpec] = {spec.kind: spec for spec in _SPECS}

#: The actions' names, in table order.
NAMES = tuple(spec.name for spec in _SPECS)

#: Every name the parser reads (an action's own and its aliases), lowercase.
ALIASES: dict[str, ActionKind] = {
    name: spec.kind for spec in _SPECS for name in (spec.name, *spec.aliases)
}

#: Action kinds whose first argument is an element id.
TARGETED = frozenset(spec.kind for spec in _SPECS if spec.targeted)

#: The grammar, as error messages state it: ``click(id), fill(id, text), ...``.
GRAMMAR = ", ".join(spec.signature() for spec in _SPECS)

#: A quoted string argument, as a JSON string holds it: ``\\"...\\"``. Its text has no
#: escaped quote, no line break and no backslash just before the end: ``\\"`` can only
#: close it (were an escape allowed there, a model could run on past the argument's end
#: to its token limit; ``\\\\\\"`` would read as an escaped quote once decoded).
_QUOTED = r'\\"((\\\\)*([^"\\\n]|\\[^"\\\n]))*\\"'

#: A JSON schema's pattern for one action: a single call (parentheses only inside quoted
#: text), so that a server constraining decoding with it cannot run one into the next. It
#: reads the JSON string's raw characters, where a quote is written ``\"``.
ACTION_PATTERN = rf'^({"|".join(NAMES)})\(({_QUOTED}|[^()"\\])*\)$'

#: A call of an action's own name in free text (to salvage calls written outside JSON).
CALL_PATTERN = re.compile(rf"\b(?:{'|'.join(NAMES)})\s*\([^()]*\)")


def action_list() -> str:
    """The actions as prompts list them: ``click(id), fill(id, "text"), ...``."""
    return ", ".join(spec.prompt_form() for spec in _SPECS)


# --- what a page allows --------------------------------------------------------------------

#: Keys a constrained reply may press (a combination is written with ``+``).
_PRESSABLE = r"[A-Za-z0-9+]+"


#: Regex specials that llama.cpp's schema-to-grammar converter copies as escapes its
#: grammar parser rejects (``\\.`` or ``\\$``: the server would fail the request), written
#: another way.
_GRAMMAR_SAFE = {".": "[.]", "$": "[$]", "^": r"\x5e"}


def literal_pattern(text: str) -> str:
    """``text`` as a literal of a pattern over a JSON string's raw characters: regex
    specials escaped, and a quote or backslash as JSON writes it (``\\"``, ``\\\\``)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append(re.escape("\\" + ch))
        elif ch in _GRAMMAR_SAFE:
            out.append(_GRAMMAR_SAFE[ch])
        elif ch in r"*+?()[]{}|":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def exact_pattern(text: str) -> str:
    """A pattern over a JSON string's raw characters that holds exactly ``text``."""
    return "^" + literal_pattern(text) + "$"


#: A number, as a field of one (``spinbutton``: ``<input type=number>``) takes it typed.
_NUMBER_TEXT = r"-?[0-9]+([.][0-9]+)?"
_NUMBER = r'\\"' + _NUMBER_TEXT + r'\\"'

#: Fields that take only a number typed.
NUMERIC_ROLES = frozenset({"spinbutton"})


def _numeric(element: Element | None) -> bool:
    return element is not None and element.role in NUMERIC_ROLES


def _arg_pattern(arg: Arg, element: Element | None = None) -> str:
    """The pattern of an argument written freely; text for a number field is a number."""
    if arg is Arg.TEXT and _numeric(element):
        return _NUMBER
    if arg is Arg.DIRECTION:
        return r'\\"(' + "|".join(DIRECTIONS) + r')\\"'
    if arg is Arg.KEY:
        return r'\\"' + _PRESSABLE + r'\\"'
    return _QUOTED


def _targets(spec: ActionSpec, obs: Observation) -> list[Element]:
    """The page's elements ``spec`` can act on: for a click or hover, any element with an
    id but a folded line or a select (whose options are picked, not clicked)."""
    if spec.roles is not None:
        return [e for e in obs.actionable if e.role in spec.roles]
    return [e for e in obs.actionable if e.role != "folded" and not e.options]


@dataclass(frozen=True)
class PageAction:
    """One action a page allows, written up to its free argument if it has one:
    ``click(12)``, ``select(4, "Large")``, ``scroll("down")`` are whole; ``fill(12, "``
    and ``stop("`` leave their text to the model (see :attr:`free`)."""

    spec: ActionSpec
    element: Element | None = None
    #: An argument chosen from the page's: a select's option, a scroll's direction.
    choice: str | None = None

    @property
    def free(self) -> Arg | None:
        """The argument left for the model to write (``None``: the action is whole)."""
        rest = self.spec.args[1:] if self.element is not None else self.spec.shown_args
        if self.choice is not None:
            rest = rest[1:]
        return rest[0] if rest else None

    @property
    def text(self) -> str:
        """The action as a reply writes it, up to the opening quote of a free argument."""
        target = self.element.id if self.element is not None else None
        value = self.choice if self.free is None else ""
        written = str(Action(kind=self.spec.kind, target=target, value=value))
        return written if self.free is None else written[:-2]

    @property
    def element_line(self) -> str:
        """What a reply's ``element`` field holds for it: the start of its element's
        line (:meth:`Element.head`), or nothing for an action on the page."""
        return self.element.head() if self.element is not None else ""

    def pattern(self) -> str:
        """This action with any text in its free argument, as a pattern over a JSON
        string's raw characters (like :func:`page_pattern`'s)."""
        if self.free is None:
            return exact_pattern(self.text)
        head = literal_pattern(self.text[:-1])
        return "^" + head + _arg_pattern(self.free, self.element) + r"\)$"


#: How a fill's or a select's key begins.
_FIELD_HEADS = (f"{ActionKind.FILL.value}(", f"{ActionKind.SELECT.value}(")


def field_of(key: str) -> str:
    """The field a fill or select key sets (``select(20, "Tue")`` → ``select(20``); any
    other key as it is."""
    return key.split(",")[0] if key.startswith(_FIELD_HEADS) else key


def page_actions(obs: Observation, avoid: Collection[str] = ()) -> list[PageAction]:
    """The actions valid on ``obs``, in table order: each element that can take an action
    (``fill`` only on text fields), each option of a select but the one it holds, each
    scroll direction; free text arguments left open. Actions keyed in ``avoid`` are left
    out: a click or a scroll as it is; for a fill or a select, the element (another text
    typed into a field whose typing changed nothing would likely change nothing either)."""
    avoid = set(avoid)
    acted = {field_of(key) for key in avoid}
    out: list[PageAction] = []
    for spec in _SPECS:
        if spec.targeted:
            for e in _targets(spec, obs):
                if f"{spec.name}({e.id})" in avoid or f"{spec.name}({e.id}" in acted:
                    continue
                if spec.kind is ActionKind.SELECT:
                    out += [PageAction(spec, e, o) for o in e.options if o != e.value]
                else:
                    out.append(PageAction(spec, e))
        elif spec.kind is ActionKind.SCROLL:
            out += [PageAction(spec, None, d) for d in DIRECTIONS if f'scroll("{d}")' not in avoid]
        elif f"{spec.name}()" not in avoid:
            out.append(PageAction(spec))
    return out


def page_pattern(obs: Observation, avoid: Collection[str] = ()) -> str:
    """The actions valid on ``obs`` (:func:`page_actions`), as one pattern over a JSON
    string's raw characters (what llama.cpp and vLLM constrain a reply's string with):
    ids that exist and can take the action, ``fill`` only on text fields (with a number
    on a number field), ``select`` only with the list's own options (not the one it
    holds); other arguments free text."""
    alternatives: list[str] = []
    for spec, group in itertools.groupby(page_actions(obs, avoid), key=lambda a: a.spec):
        forms = list(group)
        if spec.kind is ActionKind.SELECT:
            for e, picks in itertools.groupby(forms, key=lambda a: a.element):
                options = "|".join(literal_pattern(a.choice or "") for a in picks)
                alternatives.append(rf'select\({e.id}, \\"({options})\\"\)')  # type: ignore[union-attr]
        elif spec.targeted:  # (a fill's text is a number on a number field)
            numeric = [a for a in forms if Arg.TEXT in spec.args and _numeric(a.element)]
            text = [a for a in forms if a not in numeric]
            for kind in (text, numeric):
                if not kind:
                    continue
                ids = "|".join(a.element.id for a in kind)  # type: ignore[union-attr]
                rest = "".join(", " + _arg_pattern(a, kind[0].element) for a in spec.args[1:])
                alternatives.append(rf"{spec.name}\(({ids}){rest}\)")
        elif spec.kind is ActionKind.SCROLL:
            ways = "|".join(a.choice or "" for a in forms)
            alternatives.append(rf'scroll\(\\"({ways})\\"\)')
        else:
            args = ", ".join(_arg_pattern(a) for a in spec.shown_args)
            alternatives.append(rf"{spec.name}\({args}\)")
    return "^(" + "|".join(alternatives) + ")$"


def misfit(action: Action, obs: Observation) -> str | None:
    """Why ``action`` cannot act on ``obs`` (``None`` if it can): its element is not on
    the page, it is not for that element (a fill on a button, an option the list does
    not have), or it would change nothing (the text or option is already there)."""
    if action.target is None:
        return None
    element = obs.element(action.target)
    if element is None or not element.id:
        return f"no element [{action.target}] on the page"
    spec = ACTIONS[action.kind]
    if spec.roles is not None and element.role not in spec.roles and spec.targeted:
        return f"{spec.name}() is not for a {element.role} ([{element.id}] {element.role})"
    if (
        action.kind is ActionKind.FILL
        and _numeric(element)
        and not re.fullmatch(_NUMBER_TEXT, action.value or "")
    ):
        return f"[{element.id}] {element.role} takes a number, not {action.value!r}"
    if action.kind is ActionKind.SELECT and element.options and action.value not in element.options:
        return f"[{element.id}] has no option {action.value!r}"
    if action.kind in (ActionKind.FILL, ActionKind.SELECT) and element.value == action.value:
        return f"[{element.id}] already holds {action.value!r}: it would change nothing"
    return None
