"""The data that flows between rooms: tasks, observations, actions, step results, verdicts."""

from __future__ import annotations

import hashlib
import json
import re
from enum import StrEnum
from typing import Any, Literal, Protocol, runtime_checkable
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field


class Risk(StrEnum):
    """How much an action can change the world. The safety gate keys on this."""

    SAFE = "safe"
    STATE_CHANGING = "state_changing"
    IRREVERSIBLE = "irreversible"

    @property
    def rank(self) -> int:
        return {"safe": 0, "state_changing": 1, "irreversible": 2}[self.value]


class ActionKind(StrEnum):
    """The actions' names; :data:`forethought.envs.actions.ACTIONS` defines each."""

    CLICK = "click"
    FILL = "fill"
    SELECT = "select"
    PRESS = "press"
    SCROLL = "scroll"
    HOVER = "hover"
    MORE = "more"
    GOTO = "goto"
    GO_BACK = "go_back"
    STOP = "stop"


class Action(BaseModel):
    """One action of the grammar, e.g. ``click(12)`` or ``fill(7, "milk")``.

    ``target`` is an element id (for click/fill/select/hover/more, and optionally press);
    ``value`` is the text, option, key, direction, url or answer. ``risk`` is assigned
    from the page, not parsed.
    """

    model_config = ConfigDict(frozen=True)

    kind: ActionKind
    target: str | None = None
    value: str | None = None
    risk: Risk = Risk.SAFE

    def __str__(self) -> str:
        args: list[str] = []
        if self.target is not None:
            args.append(self.target)
        if self.value is not None:
            args.append(json.dumps(self.value, ensure_ascii=False))
        return f"{self.kind.value}({', '.join(args)})"

    def with_risk(self, risk: Risk) -> Action:
        return self.model_copy(update={"risk": risk})

    @property
    def key(self) -> str:
        """Identity of the action, ignoring its risk label."""
        return str(self)


class Element(BaseModel):
    """One line of the page: an element one can act on (it has an ``id``), or text that
    gives the page's context (``id`` is ``""``: a heading, a paragraph, a disabled button).
    """

    model_config = ConfigDict(frozen=True)

    id: str
    role: str
    name: str = ""
    value: str | None = None
    depth: int = 0
    #: Extra states such as checked, disabled, expanded, selected, focused.
    states: tuple[str, ...] = ()
    #: Risk of activating this element, annotated by the page (``data-risk``) or inferred.
    risk: Risk | None = None
    #: The text around it that says which one it is: its row's or card's other cells.
    context: str = ""
    #: A select's options, in order.
    options: tuple[str, ...] = ()

    @property
    def actionable(self) -> bool:
        return bool(self.id)

    def line(self) -> str:
        """The element as one line: ``[12] button 'Add to cart' · Desk lamp · $24.00``;
        a context line has no id (``heading 'Orders'``; plain text is just the text)."""
        indent = "  " * self.depth
        if not self.id and self.role == "text":
            return f"{indent}{self.name}"
        text = indent + (self.head() if self.id else self.role)
        if not self.id and self.name:
            text += f" {_quote(self.name)}"
        if self.value is not None and self.value != "":
            text += f" value={_quote(self.value)}"
        for state in self.states:
            text += f" {state}"
        if self.options:
            text += " options: " + " | ".join(_quote(o) for o in self.options[:_OPTIONS_SHOWN])
            if len(self.options) > _OPTIONS_SHOWN:
                text += f" (+{len(self.options) - _OPTIONS_SHOWN} more)"
        if self.context:
            text += f" · {self.context}"
        return text

    def head(self) -> str:
        """The start of an actionable element's line, ``[12] button 'Add to cart'``: what
        the policy's reply copies to name the element it acts on."""
        return f"[{self.id}] {self.role}" + (f" {_quote(self.name)}" if self.name else "")

    @property
    def match_key(self) -> tuple[str, str, str]:
        """Elements are matched across states by id, role and name."""
        return (self.id, self.role, self.name)


#: A select's options shown on its line (the rest are counted).
_OPTIONS_SHOWN = 25

_QUOTED = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
_LINE = re.compile(
    r"^(?P<indent>\s*)\[(?P<id>[^\]\s]+)\]\s+(?P<role>[\w-]+)"
    rf"(?:\s+(?P<name>{_QUOTED}))?"
    rf"(?:\s+value=(?P<value>{_QUOTED}))?"
    r"(?P<states>(?:\s+[a-z_]+)*)"
    rf"(?:\s+options:\s+(?P<options>(?:{_QUOTED})(?:\s*\|\s*(?:{_QUOTED}))*)"
    r"(?:\s+\(\+\d+ more\))?)?"
    r"(?:\s+·\s+(?P<context>.*?))?\s*$"
)


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def parse_element_line(line: str) -> Element | None:
    """Parse one tree line back into an :class:`Element`; ``None`` if it is not one."""
    m = _LINE.match(line.rstrip())
    if not m:
        return None
    return Element(
        id=m["id"],
        role=m["role"],
        name=_unquote(m["name"]) if m["name"] else "",
        value=_unquote(m["value"]) if m["value"] else None,
        depth=len(m["indent"].expandtabs(2)) // 2,
        states=tuple(m["states"].split()),
        options=tuple(_unquote(o) for o in re.findall(_QUOTED, m["options"] or "")),
        context=m["context"] or "",
    )


def parse_tree(text: str) -> list[Element]:
    """Parse tree text into elements, skipping lines that are not elements."""
    return [e for e in (parse_element_line(line) for line in text.splitlines()) if e]


#: The most tokens a rendered page takes (the context window is 8,192; the prompt's
#: instructions, memory and reply need the rest).
PAGE_TOKEN_CAP = 4000
#: A cheap bound for the cap: English page text runs at 3.5–4 characters a token.
_CHARS_PER_TOKEN = 3


def _capped(elements: list[Element], budget: int, cap: int) -> list[str]:
    """Lines within ``budget`` characters: every actionable element first (in page order,
    with context lines kept while they fit), then a line saying what was left out."""
    note = "… {} more elements not shown (the page is cut at {} tokens); scroll for the rest"
    budget -= len(note) + 20
    keep: set[int] = set()
    used = 0
    for wanted in (True, False):  # actionable lines first, then context while it fits
        for i, e in enumerate(elements):
            if e.actionable is wanted and used + len(e.line()) + 1 <= budget:
                keep.add(i)
                used += len(e.line()) + 1
    lines = [e.line() for i, e in enumerate(elements) if i in keep]
    left = len(elements) - len(keep)
    return [*lines, note.format(left, f"{cap:,}")] if left else lines


class Observation(BaseModel):
    """What the agent sees of a page."""

    url: str
    title: str = ""
    elements: list[Element] = Field(default_factory=list)
    focused: str | None = None
    error: str | None = None
    #: PNG bytes with set-of-marks labels, when asked for.
    screenshot: bytes | None = Field(default=None, repr=False)
    #: Free text shown with the page, e.g. a task's utterance or imagined notes.
    notes: str = ""
    #: The open modal that hides the rest of the page, as ``role "name"`` (e.g.
    #: ``dialog "Join our newsletter"``); ``elements`` then hold only its contents.
    modal: str | None = None
    #: What the agent did so far, one line per action with its effect (the loop sets it;
    #: the policy shows it after the page). Not part of :attr:`key`.
    memory: list[str] = Field(default_factory=list)

    @property
    def tree(self) -> str:
        return "\n".join(e.line() for e in self.elements)

    @property
    def modal_line(self) -> str:
        """One line saying a modal hides the page (``""`` when none is open)."""
        if not self.modal:
            return ""
        article = "An" if self.modal[:1].lower() in "aeiou" else "A"
        return f"{article} {self.modal} is open; the rest of the page is behind it until it closes."

    def element(self, element_id: str) -> Element | None:
        return next((e for e in self.elements if e.id == element_id), None)

    @property
    def actionable(self) -> list[Element]:
        """The elements one can act on (those with ids)."""
        return [e for e in self.elements if e.id]

    @property
    def key(self) -> str:
        """A cheap key for transpositions, computed on the url and the actionable elements
        (their roles, names, values and states but focus): text that ticks (a clock, a
        countdown) does not make a page new."""
        return self._digest(self.url)

    @property
    def situation(self) -> str:
        """:attr:`key` on the url without its query and fragment, plus the title and the
        headings: a page that only adds a query (``?msg=Saved``) but keeps its title,
        headings and controls is the same place to act in. An action done in one
        situation would do the same again there, so the loop does not repeat it."""
        parts = urlsplit(self.url)
        headings = [e.name for e in self.elements if e.role == "heading"]
        return self._digest(f"{parts.scheme}://{parts.netloc}{parts.path}", self.title, *headings)

    def _digest(self, *head: str) -> str:
        digest = hashlib.blake2b(digest_size=12)
        for part in head:
            digest.update(part.encode())
            digest.update(b"\0")
        if self.modal:
            digest.update(self.modal_line.encode())
            digest.update(b"\0")
        for e in self.actionable:  # (focus moves as one acts: not part of a page's state)
            states = [s for s in e.states if s != "focused"]
            digest.update(f"{e.id}\1{e.role}\1{e.name}\1{e.value}\1{states}\0".encode())
        digest.update(b"\0")
        digest.update(self.notes.encode())
        return digest.hexdigest()

    def render(self, cap: int = PAGE_TOKEN_CAP) -> str:
        """The page as the models read it, at most about ``cap`` tokens long: past the cap,
        context lines go first, then the last elements, and a line says so."""
        head = f"URL: {self.url}\nTitle: {self.title}\n"
        if self.error:
            head += f"Last action error: {self.error}\n"
        if self.modal:
            head += f"{self.modal_line}\n"
        tail = f"\n{self.notes}" if self.notes else ""
        lines = [e.line() for e in self.elements]
        if not self.actionable:
            lines.append("(nothing on this page can be acted on)")
        budget = cap * _CHARS_PER_TOKEN - len(head) - len(tail)
        if sum(len(x) + 1 for x in lines) > budget:
            lines = _capped(self.elements, budget, cap)
        return head + "\n".join(lines) + tail


class CheckSpec(BaseModel):
    """A declarative verifier for custom tasks: every given condition must hold."""

    url_contains: str | None = None
    page_text: str | None = None
    answer: str | None = None
    answer_contains: str | None = None


class Task(BaseModel):
    """A web task: a goal, where it starts and where the agent may go."""

    id: str
    goal: str
    suite: str = "custom"
    site: str | None = None
    #: Absolute URL, or a path relative to the built-in sites' base URL.
    start_url: str = "/"
    allowed_origins: list[str] = Field(default_factory=list)
    trap: bool = False
    check: CheckSpec | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class Verdict(BaseModel):
    """A verifier's answer for an episode."""

    success: bool
    trap_triggered: bool = False
    reward: float | None = None
    detail: str = ""


class Write(BaseModel):
    """A request that can change server state, as the write firewall saw it: any method
    but GET, HEAD and OPTIONS, a beacon, a WebSocket message, or a GET whose URL says it
    deletes, removes, cancels, logs out or unsubscribes."""

    model_config = ConfigDict(frozen=True)

    method: str
    url: str
    #: Form fields or JSON body, secrets masked, cut short.
    body: str = ""
    kind: Literal["http", "beacon", "websocket"] = "http"
    #: ``irreversible`` when its route or fields say buy, pay, send, delete, cancel, book,
    #: confirm or transfer; else ``state_changing``.
    risk: Risk = Risk.STATE_CHANGING

    def line(self) -> str:
        body = f" {self.body}" if self.body else ""
        return f"{self.method} {self.url}{body} ({self.risk.value})"

    def same(self, other: Write) -> bool:
        """Whether ``other`` is this write again: method, path, query and body. The origin
        is left out: a resumed run's server may listen on another port, and the navigation
        guard keeps every request on the task's allowed origins anyway."""
        return (self.method, _path(self.url), self.body) == (
            other.method,
            _path(other.url),
            other.body,
        )


def _path(url: str) -> str:
    """``/x?y`` of ``https://a.b:8443/x?y`` (and of ``/x?y``)."""
    parts = urlsplit(url)
    return f"{parts.path or '/'}{'?' + parts.query if parts.query else ''}"


class WritePermit(BaseModel):
    """Which writes an action may send; the firewall holds and aborts every other one.

    ``level``: writes of this risk or lower pass (``None``: none do). ``approved``: these
    exact writes pass too (what a person or the gate approved after seeing them).
    """

    model_config = ConfigDict(frozen=True)

    level: Risk | None = None
    approved: tuple[Write, ...] = ()

    def allows(self, write: Write) -> bool:
        if any(write.same(a) for a in self.approved):
            return True
        return self.level is not None and write.risk.rank <= self.level.rank

    @classmethod
    def everything(cls) -> WritePermit:
        """No gate: every write passes."""
        return cls(level=Risk.IRREVERSIBLE)

    @classmethod
    def nothing(cls) -> WritePermit:
        """Dry run, or a probe: no write passes."""
        return cls(level=None)


class StepResult(BaseModel):
    observation: Observation
    done: bool = False
    reward: float | None = None
    error: str | None = None
    info: dict[str, Any] = Field(default_factory=dict)
    #: Writes the action sent (the permit allowed them).
    writes: list[Write] = Field(default_factory=list)
    #: Writes the action tried that the permit did not allow: held and aborted.
    blocked_writes: list[Write] = Field(default_factory=list)


@runtime_checkable
class Environment(Protocol):
    """Where actions really happen. ``goal`` is the running episode's goal (some suites,
    MiniWoB's and BrowserGym's, write it at reset)."""

    @property
    def goal(self) -> str: ...

    async def reset(self, task: Task, seed: int = 0) -> Observation: ...

    async def step(self, action: Action) -> StepResult: ...

    async def evaluate(self, answer: str | None = None) -> Verdict: ...

    async def close(self) -> None: ...


@runtime_checkable
class FirewalledEnvironment(Protocol):
    """What an :class:`Environment` adds when it holds writes at the network (the browser
    does): a step under a :class:`WritePermit`, and a probe that learns an action's writes.
    """

    async def step(self, action: Action, permit: WritePermit | None = None) -> StepResult:
        """Run ``action``; writes the permit does not allow are held and aborted (``None``:
        no gate, every write passes)."""
        ...

    async def probe(self, action: Action) -> list[Write]:
        """Try ``action`` with every write held and aborted; the writes it tried."""
        ...


@runtime_checkable
class ResumableEnvironment(Protocol):
    """What an :class:`Environment` adds to reopen an episode where a killed run left it.

    (Not a subclass of ``Environment``: a runtime check would read ``goal``, which some
    environments have only once an episode runs.)
    """

    async def snapshot(self) -> dict[str, Any] | None:
        """What :meth:`reopen` needs (JSON-serialisable), or ``None`` if nothing to save."""
        ...

    async def reopen(self, task: Task, snapshot: dict[str, Any]) -> Observation:
        """Reopen the episode from ``snapshot``; raises ``RestoreUnsupported`` if it can't."""
        ...
