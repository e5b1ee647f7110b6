"""The action grammar: parse what a model wrote into an :class:`Action`, print it back.

Our grammar::

    click(id)  fill(id, text)  select(id, option)  press(key)  scroll(direction)
    hover(id)  goto(url)  go_back()  stop(answer)

The parser also accepts BrowserGym's spellings (``select_option``, ``send_msg_to_user``,
``scroll(dx, dy)``, ``press(id, key)``, ``keyboard_press(key)``) and what weak models
write: quotes or none, ids as ``12``, ``"12"`` or ``[12]``, a label instead of an id when
it names exactly one element of the observation, keyword arguments, code fences and
prose around the call. Anything else raises :class:`ActionParseError` saying what was
wrong and what is valid.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from forethought.envs.types import TARGETED, Action, ActionKind, Element, Observation, Risk

__all__ = [
    "DESTRUCTIVE_GET",
    "GRAMMAR",
    "IRREVERSIBLE_WORDS",
    "SEARCH_KEYS",
    "STATE_CHANGING_WORDS",
    "WRITE_IRREVERSIBLE",
    "ActionParseError",
    "UntranslatableAction",
    "assign_risk",
    "infer_name_risk",
    "normalize_key",
    "parse_action",
    "request_words",
    "to_browsergym",
    "url_write_risk",
]

GRAMMAR = (
    "click(id), fill(id, text), select(id, option), press(key), scroll(direction), "
    "hover(id), goto(url), go_back(), stop(answer)"
)


class ActionParseError(ValueError):
    """A model's action text could not be read; the message says why and what is valid."""

    def __init__(self, problem: str, text: str = "") -> None:
        self.problem = problem
        self.text = text
        super().__init__(f"{problem}. Valid actions: {GRAMMAR}.")


# --- names -------------------------------------------------------------------------------

_ALIASES: dict[str, ActionKind] = {
    "click": ActionKind.CLICK,
    "fill": ActionKind.FILL,
    "type": ActionKind.FILL,
    "select": ActionKind.SELECT,
    "select_option": ActionKind.SELECT,
    "press": ActionKind.PRESS,
    "keyboard_press": ActionKind.PRESS,
    "scroll": ActionKind.SCROLL,
    "hover": ActionKind.HOVER,
    "goto": ActionKind.GOTO,
    "go_to": ActionKind.GOTO,
    "navigate": ActionKind.GOTO,
    "go_back": ActionKind.GO_BACK,
    "back": ActionKind.GO_BACK,
    "stop": ActionKind.STOP,
    "send_msg_to_user": ActionKind.STOP,
    "answer": ActionKind.STOP,
    "finish": ActionKind.STOP,
}

#: Calls that look like actions but that our grammar does not have.
_UNSUPPORTED = {
    "noop": "noop() is not an action here; to wait, observe again, or scroll",
    "dblclick": "dblclick() is not supported; use click(id)",
    "go_forward": "go_forward() is not supported; use goto(url)",
    "new_tab": "tabs are not supported; use goto(url)",
    "tab_close": "tabs are not supported; use go_back()",
    "tab_focus": "tabs are not supported; use goto(url)",
    "clear": 'clear() is not supported; use fill(id, "")',
    "focus": "focus() is not supported; use click(id)",
    "mouse_click": "coordinates are not supported; use click(id)",
    "mouse_move": "coordinates are not supported; use hover(id)",
    "keyboard_type": "keyboard_type() is not supported; use fill(id, text)",
    "drag_and_drop": "drag and drop is not supported",
    "upload_file": "file upload is not supported",
    "report_infeasible": "report_infeasible() is not supported; use stop(answer)",
}

_CALL = re.compile(
    r"(?<![\w.])("
    + "|".join(sorted({*_ALIASES, *_UNSUPPORTED}, key=len, reverse=True))
    + r")\s*\(",
    re.IGNORECASE,
)
_FENCE = re.compile(r"```[\w-]*\n?(.*?)```", re.DOTALL)
_ID = re.compile(r"^[A-Za-z]{0,3}\d+$")
_DIRECTIONS = ("up", "down", "left", "right")

_KEYS = {
    k.lower(): k
    for k in [
        "Enter",
        "Tab",
        "Escape",
        "Backspace",
        "Delete",
        "Space",
        "Home",
        "End",
        "PageUp",
        "PageDown",
        "Insert",
        "ArrowUp",
        "ArrowDown",
        "ArrowLeft",
        "ArrowRight",
        "Shift",
        "Control",
        "Alt",
        "Meta",
        "F1",
        "F2",
        "F3",
        "F4",
        "F5",
        "F6",
        "F7",
        "F8",
        "F9",
        "F10",
        "F11",
        "F12",
    ]
}
_KEYS |= {
    "return": "Enter",
    "esc": "Escape",
    "del": "Delete",
    "ctrl": "Control",
    "control": "Control",
    "cmd": "Meta",
    "command": "Meta",
    "option": "Alt",
    "up": "ArrowUp",
    "down": "ArrowDown",
    "left": "ArrowLeft",
    "right": "ArrowRight",
    "pgup": "PageUp",
    "pgdn": "PageDown",
    "space": "Space",
    "controlormeta": "ControlOrMeta",
}


# --- argument tokens ---------------------------------------------------------------------


@dataclass
class _Arg:
    raw: str  # the argument's text as written, stripped
    value: str | int | float | list[str] | None
    quoted: bool  # written as a string literal
    bracketed: bool  # written as [12]
    keyword: str | None


def _split_args(body: str) -> list[str]:
    """Split on top-level commas, respecting quotes and brackets."""
    parts: list[str] = []
    depth, quote, start, i = 0, "", 0, 0
    while i < len(body):
        ch = body[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    if quote:
        raise ActionParseError(f"unterminated string {body[start:].strip()[:40]!r}")
    parts.append(body[start:])
    if len(parts) == 1 and not parts[0].strip():
        return []
    return parts


_KW = re.compile(r"^([A-Za-z_]\w*)\s*=(?!=)\s*(.*)$", re.DOTALL)


def _read_arg(text: str) -> _Arg:
    raw = text.strip()
    keyword = None
    m = _KW.match(raw)
    if m:
        keyword, raw = m.group(1).lower(), m.group(2).strip()
    if not raw:
        raise ActionParseError("an argument is empty")
    if raw[0] in "\"'`":
        if len(raw) < 2 or raw[-1] != raw[0]:
            raise ActionParseError(f"argument {raw[:40]!r} has unbalanced quotes")
        return _Arg(raw, _unquote(raw), True, False, keyword)
    if raw.startswith("[") and raw.endswith("]"):
        inner = raw[1:-1].strip()
        try:
            items = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            items = None
        if isinstance(items, list) and all(isinstance(x, str) for x in items) and items:
            return _Arg(raw, [str(x) for x in items], True, False, keyword)
        return _Arg(raw, inner.strip("\"'"), False, True, keyword)
    if re.fullmatch(r"[+-]?\d+", raw):
        return _Arg(raw, int(raw), False, False, keyword)
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+)", raw):
        return _Arg(raw, float(raw), False, False, keyword)
    if raw in ("None", "null"):
        return _Arg(raw, None, False, False, keyword)
    return _Arg(raw, raw, False, False, keyword)


def _unquote(raw: str) -> str:
    q = raw[0]
    if q == "`":
        return raw[1:-1]
    try:
        value = ast.literal_eval(raw)
        if isinstance(value, str):
            return value
    except (ValueError, SyntaxError):
        pass
    if q == '"':
        try:
            return str(json.loads(raw))
        except json.JSONDecodeError:
            pass
    return re.sub(r"\\(.)", r"\1", raw[1:-1])


# --- finding the call --------------------------------------------------------------------


def _find_calls(text: str) -> list[tuple[str, str]]:
    """All ``(name, body)`` calls of known names in ``text``, in order."""
    calls: list[tuple[str, str]] = []
    pos = 0
    while True:
        m = _CALL.search(text, pos)
        if not m:
            return calls
        name = m.group(1).lower()
        start = m.end()
        depth, quote, i = 1, "", start
        while i < len(text):
            ch = text[i]
            if quote:
                if ch == "\\":
                    i += 1
                elif ch == quote:
                    quote = ""
            elif ch in "\"'`":
                quote = ch
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        if depth != 0:
            raise ActionParseError(f"{name}(...) has no closing parenthesis", text)
        calls.append((name, text[start:i]))
        pos = i + 1


def _extract_call(text: str) -> tuple[str, str]:
    if not isinstance(text, str):
        raise ActionParseError(f"expected action text, got {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise ActionParseError("the action is empty")
    fenced = _FENCE.findall(stripped)
    candidates = [*fenced, stripped] if fenced else [stripped]
    for chunk in candidates:
        calls = _find_calls(chunk)
        if calls:
            distinct = list(dict.fromkeys((n, re.sub(r"\s+", " ", b.strip())) for n, b in calls))
            if len(distinct) > 1:
                shown = ", ".join(f"{n}({b})" for n, b in distinct[:3])
                raise ActionParseError(
                    f"found {len(distinct)} different actions ({shown}); give exactly one",
                    text,
                )
            return calls[0]
    word = re.match(r"\s*([A-Za-z_]\w*)\s*\(", stripped)
    if word:
        raise ActionParseError(f"unknown action {word.group(1)!r}", text)
    bare = stripped.split()[0].lower().rstrip(":")
    if bare in _ALIASES or bare in _UNSUPPORTED:
        raise ActionParseError(f"{bare!r} needs parentheses, e.g. {bare}(...)", text)
    raise ActionParseError(f"no action call found in {stripped[:60]!r}", text)


# --- element ids -------------------------------------------------------------------------

_LINE_ID = re.compile(r"^\[([^\]\s]+)\]")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


#: Roles that group elements; a label they share with one control names the control.
_CONTAINERS = frozenset(
    {"form", "group", "region", "navigation", "main", "dialog", "list", "table", "section"}
)


def _resolve_id(arg: _Arg, observation: Observation | None, what: str) -> str:
    value = arg.value
    if isinstance(value, list):
        raise ActionParseError(f"{what} must be one element id, got a list {arg.raw}")
    if value is None:
        raise ActionParseError(f"{what} is missing (None)")
    if isinstance(value, float):
        raise ActionParseError(f"{what} must be an element id like 12, got {arg.raw}")
    token = str(value).strip()
    if isinstance(value, int) and value < 0:
        raise ActionParseError(f"{what} must be an element id like 12, got {value}")
    m = _LINE_ID.match(token)
    if m:  # "[12] button 'OK'" or "[12]"
        token = m.group(1)
    token = token.strip("[]").strip()
    if not token:
        raise ActionParseError(f"{what} is empty")
    if observation is None:
        if _ID.match(token):
            return token
        raise ActionParseError(
            f"{what} must be an element id like 12, got {token[:40]!r} "
            "(a label resolves only against an observation)"
        )
    if observation.element(token) is not None:
        return token
    matches = _label_matches(token, observation.elements)
    if len(matches) > 1:  # a label shared with its container: prefer what can be acted on
        actionable = [e for e in matches if e.role not in _CONTAINERS]
        matches = actionable or matches
    if len(matches) == 1:
        return matches[0].id
    if len(matches) > 1:
        ids = ", ".join(f"[{e.id}]" for e in matches[:6])
        raise ActionParseError(
            f"{token[:40]!r} names {len(matches)} elements ({ids}); use an element id"
        )
    if _ID.match(token):
        raise ActionParseError(f"no element with id {token} on this page")
    raise ActionParseError(f"no element with id or label {token[:40]!r} on this page")


def _label_matches(token: str, elements: list[Element]) -> list[Element]:
    target = _norm(token.strip("'\""))
    # "button 'OK'" -> role + name
    role_name = re.match(r"^([\w-]+)\s+['\"](.*)['\"]$", token.strip())
    if role_name:
        role, name = role_name.group(1).casefold(), _norm(role_name.group(2))
        found = [e for e in elements if e.role.casefold() == role and _norm(e.name) == name]
        if found:
            return found
    exact = [e for e in elements if e.name and _norm(e.name) == target]
    if exact:
        interactive = [e for e in exact if e.role != "text"]
        return interactive or exact
    return []


# --- per-kind argument rules -------------------------------------------------------------

_TEXT_KEYS = {
    "text",
    "value",
    "content",
    "answer",
    "message",
    "msg",
    "option",
    "options",
    "url",
    "key",
    "key_comb",
    "direction",
    "label",
    "reason",
}
_ID_KEYS = {"id", "bid", "element", "element_id", "target", "elem", "ref"}
#: Playwright-style options a model may add; accepted and dropped.
_IGNORED_KEYS = {"button", "modifiers", "timeout", "force", "delay"}


def _text_of(arg: _Arg, what: str) -> str:
    if isinstance(arg.value, list):
        if len(arg.value) != 1:
            raise ActionParseError(f"{what} must be one value, got {len(arg.value)}: {arg.raw}")
        return arg.value[0]
    if arg.value is None:
        raise ActionParseError(f"{what} is missing (None)")
    if isinstance(arg.value, float | int) and not arg.quoted:
        return arg.raw
    return str(arg.value)


def _split_id_and_rest(args: list[_Arg], kind: str) -> tuple[_Arg | None, list[_Arg]]:
    ids = [a for a in args if a.keyword in _ID_KEYS]
    rest = [a for a in args if a.keyword not in _ID_KEYS]
    unknown = [a.keyword for a in rest if a.keyword and a.keyword not in _TEXT_KEYS]
    if [k for k in unknown if k not in _IGNORED_KEYS]:
        bad = next(k for k in unknown if k not in _IGNORED_KEYS)
        raise ActionParseError(f"{kind}() has no argument named {bad!r}")
    rest = [a for a in rest if a.keyword not in _IGNORED_KEYS]
    if len(ids) > 1:
        raise ActionParseError(f"{kind}() got more than one element id")
    if ids:
        return ids[0], rest
    if not rest:
        return None, []
    return rest[0], rest[1:]


def _join_text(rest: list[_Arg], kind: str, what: str) -> str:
    """The single text argument; unquoted text containing commas is joined back."""
    if not rest:
        raise ActionParseError(f"{kind}() needs {what}")
    if len(rest) == 1:
        return _text_of(rest[0], what)
    if all(not a.quoted and not a.keyword for a in rest):
        return ", ".join(a.raw for a in rest)
    raise ActionParseError(f"{kind}() takes one {what}, got {len(rest)} arguments")


def normalize_key(key: str) -> str:
    """``ctrl+a`` -> ``Control+a``, ``enter`` -> ``Enter``; unknown keys raise."""
    key = key.strip()
    if not key:
        raise ActionParseError('press() needs a key, e.g. press("Enter")')
    parts = key.split("+") if key != "+" else ["+"]
    out = []
    for part in parts:
        part = part.strip()
        if len(part) == 1:
            out.append(part)
        elif part.lower() in _KEYS:
            out.append(_KEYS[part.lower()])
        elif re.fullmatch(r"(Key[A-Z]|Digit\d|Numpad\w+)", part):
            out.append(part)
        else:
            raise ActionParseError(
                f"unknown key {part[:30]!r}; use a key such as Enter, Tab, Escape, "
                "ArrowDown, Backspace or a combination like Control+a"
            )
    return "+".join(out)


def _scroll_direction(rest: list[_Arg]) -> str:
    if len(rest) == 1 and not isinstance(rest[0].value, int | float):
        direction = _text_of(rest[0], "a direction").strip().lower()
        if direction in _DIRECTIONS:
            return direction
        raise ActionParseError(
            f"scroll direction {direction[:20]!r} is not one of up, down, left, right"
        )
    if len(rest) == 2 and all(isinstance(a.value, int | float) for a in rest):
        dx, dy = float(rest[0].value), float(rest[1].value)  # type: ignore[arg-type]
        if dx == 0 and dy == 0:
            raise ActionParseError("scroll(0, 0) does not move; give a direction")
        if abs(dy) >= abs(dx):
            return "down" if dy > 0 else "up"
        return "right" if dx > 0 else "left"
    if not rest:
        raise ActionParseError("scroll() needs a direction: up, down, left or right")
    raise ActionParseError("scroll() takes a direction (up/down/left/right) or (dx, dy)")


def parse_action(text: str, observation: Observation | None = None) -> Action:
    """Parse one action from model output. Raises :class:`ActionParseError`.

    With an ``observation``, ids are checked against its elements and a label that names
    exactly one element stands for its id.
    """
    name, body = _extract_call(text)
    if name in _UNSUPPORTED:
        raise ActionParseError(_UNSUPPORTED[name], text)
    kind = _ALIASES[name]
    try:
        args = [_read_arg(part) for part in _split_args(body)]
        return _build(kind, name, args, observation)
    except ActionParseError as exc:
        exc.text = text
        raise


def _build(
    kind: ActionKind, name: str, args: list[_Arg], observation: Observation | None
) -> Action:
    if kind in TARGETED:
        id_arg, rest = _split_id_and_rest(args, name)
        if id_arg is None:
            raise ActionParseError(f"{name}() needs an element id, e.g. {kind.value}(12)")
        target = _resolve_id(id_arg, observation, f"{name}()'s element")
        if kind in (ActionKind.CLICK, ActionKind.HOVER):
            if rest:
                raise ActionParseError(f"{name}() takes only an element id, got {len(args)} args")
            return Action(kind=kind, target=target)
        what = "the text to type" if kind is ActionKind.FILL else "an option"
        return Action(kind=kind, target=target, value=_join_text(rest, name, what))
    if kind is ActionKind.PRESS:
        _split_id_and_rest(args, name)  # rejects unknown keywords
        args = [a for a in args if a.keyword not in _IGNORED_KEYS]
        ids = [a for a in args if a.keyword in _ID_KEYS]
        positional = [a for a in args if a.keyword is None]
        if ids or len(positional) == 2:  # press(id, key)
            id_arg = ids[0] if ids else positional[0]
            key_args = [a for a in args if a is not id_arg]
            if len(key_args) != 1:
                raise ActionParseError("press() takes a key, or an element id and a key")
            target = _resolve_id(id_arg, observation, "press()'s element")
            return Action(
                kind=kind, target=target, value=normalize_key(_text_of(key_args[0], "a key"))
            )
        if len(args) != 1:
            raise ActionParseError('press() takes one key, e.g. press("Enter")')
        return Action(kind=kind, value=normalize_key(_text_of(args[0], "a key")))
    if kind is ActionKind.SCROLL:
        return Action(kind=kind, value=_scroll_direction(args))
    if kind is ActionKind.GOTO:
        url = _join_text(args, name, "a url").strip()
        if not url or re.search(r"\s", url):
            raise ActionParseError(f"goto() needs a url without spaces, got {url[:40]!r}")
        if not re.match(r"^([a-z][a-z0-9+.-]*:|/|\.|#|\?)", url, re.IGNORECASE) and "." not in url:
            raise ActionParseError(f"goto() needs a url like https://example.com/, got {url!r}")
        return Action(kind=kind, value=url)
    if kind is ActionKind.GO_BACK:
        if args:
            raise ActionParseError("go_back() takes no arguments")
        return Action(kind=kind)
    # STOP
    if not args:
        return Action(kind=kind)
    if len(args) > 1 and not all(not a.quoted for a in args):
        raise ActionParseError(f"{name}() takes one answer, got {len(args)} arguments")
    answer = _join_text(args, name, "an answer")
    return Action(kind=kind, value=answer)


# --- BrowserGym ----------------------------------------------------------------------------

#: Pixels per ``scroll(direction)`` when translated for BrowserGym.
SCROLL_PIXELS = 500

#: BrowserGym's default action subsets (``HighLevelActionSet()``, and what
#: ``gym.make("browsergym/...")`` uses): every translation below stays inside them.
BROWSERGYM_SUBSETS = ("chat", "infeas", "bid", "nav", "tab")

#: Keys that only scroll when nothing has the focus: ``(dx, dy)`` in pixels.
_SCROLL_KEYS = {
    "PageDown": (0, SCROLL_PIXELS),
    "Space": (0, SCROLL_PIXELS),
    "PageUp": (0, -SCROLL_PIXELS),
    "ArrowDown": (0, 40),
    "ArrowUp": (0, -40),
    "ArrowRight": (40, 0),
    "ArrowLeft": (-40, 0),
    "End": (0, 100_000),
    "Home": (0, -100_000),
}


class UntranslatableAction(ValueError):
    """An action that BrowserGym's default action set cannot perform on this page."""


def to_browsergym(action: Action, focused: str | None = None) -> str:
    """Our action as one call of BrowserGym's default high-level action set.

    ``focused`` is the page's focused element (``Observation.focused``, a bid): an
    untargeted ``press(key)`` is pressed there, since the default set's only key action is
    ``press(bid, key)``. With nothing focused, a scrolling key (PageDown, ArrowDown, End…)
    becomes ``scroll(dx, dy)``; any other key raises :class:`UntranslatableAction`.
    Strings are written as Python literals, which BrowserGym's parser reads back exactly.
    """
    k = action.kind
    if k is ActionKind.CLICK:
        return f"click({action.target!r})"
    if k is ActionKind.HOVER:
        return f"hover({action.target!r})"
    if k is ActionKind.FILL:
        return f"fill({action.target!r}, {action.value or ''!r})"
    if k is ActionKind.SELECT:
        return f"select_option({action.target!r}, {action.value or ''!r})"
    if k is ActionKind.PRESS:
        key = action.value or ""
        target = action.target or focused
        if target:
            return f"press({target!r}, {key!r})"
        if key in _SCROLL_KEYS:
            dx, dy = _SCROLL_KEYS[key]
            return f"scroll({dx}, {dy})"
        raise UntranslatableAction(
            f"press({key!r}) needs a focused element in BrowserGym and none has the focus; "
            f"click the field first or use press(id, {key!r})"
        )
    if k is ActionKind.SCROLL:
        dx, dy = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}[
            action.value or "down"
        ]
        return f"scroll({dx * SCROLL_PIXELS}, {dy * SCROLL_PIXELS})"
    if k is ActionKind.GOTO:
        return f"goto({action.value or ''!r})"
    if k is ActionKind.GO_BACK:
        return "go_back()"
    return f"send_msg_to_user({action.value or ''!r})"


# --- risk --------------------------------------------------------------------------------

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


def assign_risk(action: Action, observation: Observation | None) -> Action:
    """Return ``action`` with its risk judged from the page.

    A click takes its element's risk (the page's ``data-risk``, the browser env's form
    inference, or else the name), except on a form field (a textbox, a list, a checkbox
    or radio...): clicking that is safe. A key press that holds Enter (``Enter``,
    ``NumpadEnter``, ``Shift+Enter``...) takes the focused or targeted field's risk (it
    submits the form), and Space an activatable control's. ``goto`` a URL that says
    delete, remove or cancel is irreversible, one that says log out or unsubscribe
    state-changing (:func:`url_write_risk`). Typing, selecting, hovering, scrolling,
    other navigation and stopping are safe. The write firewall holds what a wrong label
    would let through; these labels are the gate's prior.
    """
    kind = action.kind
    if kind is ActionKind.CLICK:
        element = observation.element(action.target) if observation and action.target else None
        if element is None:
            return action
        if element.role in _FIELD_ROLES:
            return action.with_risk(Risk.SAFE)
        return action.with_risk(_element_risk(element))
    if kind is ActionKind.PRESS and observation is not None:
        value = action.value or ""
        keys = {value} if value == "+" else set(value.split("+"))
        target = action.target or observation.focused
        element = observation.element(target) if target else None
        submits = bool(keys & _SUBMIT_KEYS) or (
            bool(keys & _ACTIVATE_KEYS) and element is not None and element.role in _ACTIVATABLE
        )
        if element is not None and submits:
            return action.with_risk(_element_risk(element))
        return action.with_risk(Risk.SAFE)
    if kind is ActionKind.GOTO:
        return action.with_risk(url_write_risk(action.value or "") or Risk.SAFE)
    return action.with_risk(Risk.SAFE)
