"""Parsing: what a model wrote, read into an :class:`~forethought.envs.types.Action`.

The grammar is the action table's (:data:`~forethought.envs.actions.GRAMMAR`)::

    click(id)  fill(id, text)  select(id, option)  press(key)  scroll(direction)
    hover(id)  more(id)  goto(url)  go_back()  stop(answer)

The parser also accepts the table's aliases (BrowserGym's ``select_option``,
``send_msg_to_user``, ``keyboard_press``...), BrowserGym's ``scroll(dx, dy)`` and
``press(id, key)``, and what weak models write: quotes or none, ids as ``12``, ``"12"`` or
``[12]``, a label instead of an id when it names exactly one element of the observation,
keyword arguments, code fences and prose around the call. Anything else raises
:class:`ActionParseError` saying what was wrong and what is valid.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from forethought.envs.actions import ACTIONS, ALIASES, DIRECTIONS, GRAMMAR, ActionSpec, Arg
from forethought.envs.types import Action, ActionKind, Element, Observation

__all__ = ["ActionParseError", "normalize_key", "parse_action"]


class ActionParseError(ValueError):
    """A model's action text could not be read; the message says why and what is valid."""

    def __init__(self, problem: str, text: str = "") -> None:
        self.problem = problem
        self.text = text
        super().__init__(f"{problem}. Valid actions: {GRAMMAR}.")


# --- names -------------------------------------------------------------------------------

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
    r"(?<![\w.])(" + "|".join(sorted({*ALIASES, *_UNSUPPORTED}, key=len, reverse=True)) + r")\s*\(",
    re.IGNORECASE,
)
_FENCE = re.compile(r"```[\w-]*\n?(.*?)```", re.DOTALL)
_ID = re.compile(r"^[A-Za-z]{0,3}\d+$")

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
    if bare in ALIASES or bare in _UNSUPPORTED:
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
    matches = _label_matches(token, [e for e in observation.elements if e.id])
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


# --- reading arguments -------------------------------------------------------------------

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


def _text(args: list[_Arg], name: str, arg: Arg) -> str:
    return _join_text(args, name, arg.what)


def _key(args: list[_Arg], name: str, arg: Arg) -> str:
    if len(args) != 1:
        raise ActionParseError(f'{name}() takes one key, e.g. press("Enter")')
    return normalize_key(_text_of(args[0], arg.what))


def _direction(args: list[_Arg], name: str, arg: Arg) -> str:
    """A direction, or BrowserGym's ``(dx, dy)`` read as the direction it mostly goes."""
    if len(args) == 1 and not isinstance(args[0].value, int | float):
        direction = _text_of(args[0], arg.what).strip().lower()
        if direction in DIRECTIONS:
            return direction
        raise ActionParseError(
            f"scroll direction {direction[:20]!r} is not one of {', '.join(DIRECTIONS)}"
        )
    if len(args) == 2 and all(isinstance(a.value, int | float) for a in args):
        dx, dy = float(args[0].value), float(args[1].value)  # type: ignore[arg-type]
        if dx == 0 and dy == 0:
            raise ActionParseError("scroll(0, 0) does not move; give a direction")
        if abs(dy) >= abs(dx):
            return "down" if dy > 0 else "up"
        return "right" if dx > 0 else "left"
    if not args:
        raise ActionParseError("scroll() needs a direction: up, down, left or right")
    raise ActionParseError("scroll() takes a direction (up/down/left/right) or (dx, dy)")


def _url(args: list[_Arg], name: str, arg: Arg) -> str:
    url = _join_text(args, name, arg.what).strip()
    if not url or re.search(r"\s", url):
        raise ActionParseError(f"{name}() needs a url without spaces, got {url[:40]!r}")
    if not re.match(r"^([a-z][a-z0-9+.-]*:|/|\.|#|\?)", url, re.IGNORECASE) and "." not in url:
        raise ActionParseError(f"{name}() needs a url like https://example.com/, got {url!r}")
    return url


def _answer(args: list[_Arg], name: str, arg: Arg) -> str | None:
    """The answer, if any: ``stop()`` gives none."""
    if not args:
        return None
    if len(args) > 1 and not all(not a.quoted for a in args):
        raise ActionParseError(f"{name}() takes one answer, got {len(args)} arguments")
    return _join_text(args, name, arg.what)


#: How each kind of argument (but an element id) is read: ``(args, name written, arg)``.
_READERS: dict[Arg, Callable[[list[_Arg], str, Arg], str | None]] = {
    Arg.TEXT: _text,
    Arg.OPTION: _text,
    Arg.KEY: _key,
    Arg.DIRECTION: _direction,
    Arg.URL: _url,
    Arg.ANSWER: _answer,
}


def parse_action(text: str, observation: Observation | None = None) -> Action:
    """Parse one action from model output. Raises :class:`ActionParseError`.

    With an ``observation``, ids are checked against its elements and a label that names
    exactly one element stands for its id.
    """
    name, body = _extract_call(text)
    if name in _UNSUPPORTED:
        raise ActionParseError(_UNSUPPORTED[name], text)
    spec = ACTIONS[ALIASES[name]]
    try:
        args = [_read_arg(part) for part in _split_args(body)]
        return _build(spec, name, args, observation)
    except ActionParseError as exc:
        exc.text = text
        raise


def _build(
    spec: ActionSpec, name: str, args: list[_Arg], observation: Observation | None
) -> Action:
    """``spec``'s action from the arguments written (``name`` is the name as written)."""
    if spec.targeted:
        return _with_id(spec, name, args, observation)
    if spec.id_optional:
        return _with_optional_id(spec, name, args, observation)
    if not spec.args:
        if args:
            raise ActionParseError(f"{name}() takes no arguments")
        return Action(kind=spec.kind)
    (arg,) = spec.args
    return Action(kind=spec.kind, value=_READERS[arg](args, name, arg))


def _with_id(
    spec: ActionSpec, name: str, args: list[_Arg], observation: Observation | None
) -> Action:
    """``click(id)``, ``fill(id, text)``: an element id, then at most one value."""
    id_arg, rest = _split_id_and_rest(args, name)
    if id_arg is None:
        raise ActionParseError(f"{name}() needs an element id, e.g. {spec.example}")
    target = _resolve_id(id_arg, observation, f"{name}()'s element")
    values = spec.args[1:]
    if not values:
        if rest:
            raise ActionParseError(f"{name}() takes only an element id, got {len(args)} args")
        return Action(kind=spec.kind, target=target)
    (arg,) = values
    return Action(kind=spec.kind, target=target, value=_READERS[arg](rest, name, arg))


def _with_optional_id(
    spec: ActionSpec, name: str, args: list[_Arg], observation: Observation | None
) -> Action:
    """``press(key)`` or ``press(id, key)``."""
    _split_id_and_rest(args, name)  # rejects unknown keywords
    args = [a for a in args if a.keyword not in _IGNORED_KEYS]
    ids = [a for a in args if a.keyword in _ID_KEYS]
    positional = [a for a in args if a.keyword is None]
    arg = spec.args[-1]
    if ids or len(positional) == 2:  # press(id, key)
        id_arg = ids[0] if ids else positional[0]
        rest = [a for a in args if a is not id_arg]
        if len(rest) != 1:
            raise ActionParseError(
                f"{spec.name}() takes {arg.what}, or an element id and {arg.what}"
            )
        target = _resolve_id(id_arg, observation, f"{spec.name}()'s element")
        return Action(kind=spec.kind, target=target, value=_READERS[arg](rest, name, arg))
    try:
        return Action(kind=spec.kind, value=_READERS[arg](args, name, arg))
    except ActionParseError:
        if button := _button_named(args, observation):  # press("Submit") means the button
            return Action(kind=ActionKind.CLICK, target=button.id)
        raise


def _button_named(args: list[_Arg], observation: Observation | None) -> Element | None:
    """The one clickable element whose name is the single argument, if any."""
    if observation is None or len(args) != 1 or not isinstance(args[0].value, str):
        return None
    name = args[0].value.strip().lower()
    found = [
        e
        for e in observation.actionable
        if e.name.strip().lower() == name and e.role in ("button", "link", "tab", "menuitem")
    ]
    return found[0] if len(found) == 1 else None
