"""The write firewall: every request that can change server state waits for a permit.

Risk guessed from the words on a label can be walked around (a mislabelled button, a
submitting key, a page script); what a page sends cannot. The firewall sits on each
episode's browser context, in the one route handler it shares with the
:class:`~forethought.envs.guard.NavigationGuard` (the guard rules first: a request outside
the allowed origins never reaches it), and classifies every request:

- a *write* is any method but GET, HEAD and OPTIONS (form posts, fetch and XHR,
  ``navigator.sendBeacon`` as kind ``beacon``), a GET whose URL says delete, remove,
  cancel, log out or unsubscribe, and every WebSocket message from the page (kind
  ``websocket``);
- it is ``irreversible`` when its method (DELETE), route or fields say buy, pay,
  checkout, order, send, delete, remove, cancel, book, reserve, confirm or transfer, else
  ``state_changing`` (the vocabulary is :mod:`forethought.envs.risk`'s);
- its body is shown compactly (``to=ann@x.com&subject=Hi``, or compact JSON), secrets
  masked, cut to about 300 characters.

A write the current :class:`~forethought.envs.types.WritePermit` allows goes on and is
logged in :attr:`WriteFirewall.sent`; any other is logged in :attr:`WriteFirewall.held`
and stopped: a navigation (a form post) is answered ``204 No Content``, so the browser
stays on its page as HTML says; another request is aborted; a WebSocket message is
dropped. WebSockets to an origin the guard does not allow are closed, and WebRTC is
taken out of every page (it would open peer connections no route sees).

The environment sets :attr:`WriteFirewall.permit` for each step. Between steps the last
step's permit stays (a late write of its action, a timer or a slow script, passes as it
would have during the step); from the end of an episode's reset to its first step no
write passes. The reset itself (the suite's setup opening the start page) runs with every
write allowed: it is the harness's work, not the agent's. The firewall cannot see:

- GET requests with side effects whose URLs do not say so (``/orders?id=7&go=1``), and
  what a server does when a page loads;
- where a server redirects a request: the route sees only the first URL of a chain.
  The hops are not checked here; a hop to a host outside the allowed origins ends at the
  context's dead-end proxy (:func:`~forethought.envs.guard.dead_end_proxy`), which also
  stops Chromium's preconnects, and the environment records it and goes back;
- requests made by service workers (the context blocks service workers), and browser
  traffic outside a page (Chromium's own, turned down by its launch flags; DNS look-ups;
  connections opened ahead of a request to an allowed host);
- anything outside the browser: the harness's own calls, other processes.

It errs the other way too: a POST that only reads (a GraphQL query, a search form
posted) is a write to it, and free text in a field (a value of more than three words, a
search box's words) is not read for risk words, so a message that says "send" is not
itself irreversible.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from forethought.envs.risk import (
    SEARCH_KEYS,
    WRITE_IRREVERSIBLE,
    request_words,
    url_write_risk,
)
from forethought.envs.types import Risk, Write, WritePermit

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Request, Route, WebSocketRoute

    from forethought.envs.guard import NavigationGuard

__all__ = ["MAX_BODY", "NO_WEBRTC_JS", "WriteFirewall", "classify_message", "classify_request"]

log = logging.getLogger(__name__)

#: Characters of a write's body kept for display and matching.
MAX_BODY = 300
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Fields and keys whose words start so are masked (``card_number``, ``csrfToken``).
_SECRET_STEMS = (
    "password",
    "passwd",
    "secret",
    "token",
    "card",
    "cvc",
    "cvv",
    "iban",
    "ssn",
    "otp",
)
_MASK = "***"
#: A value of more than this many words is free text (a message), not a command.
_COMMAND_WORDS = 3
_FORM_LIKE = re.compile(r"^[^=&\s]+=[^&]*(?:&[^=&\s]+=[^&]*)*$")

#: Run in every frame before its scripts: no WebRTC (peer connections and data channels
#: would carry data past every route), nor WebTransport.
NO_WEBRTC_JS = """(() => {
  for (const name of ["RTCPeerConnection", "webkitRTCPeerConnection", "RTCDataChannel",
      "RTCSessionDescription", "RTCIceCandidate", "WebTransport"]) {
    try { delete window[name]; } catch (e) { /* not configurable: leave it */ }
  }
})();"""
#: Without ``route_web_socket`` (Playwright < 1.48), no WebSocket at all.
_NO_WEBSOCKET_JS = "(() => { try { delete window.WebSocket; } catch (e) {} })();"


# --- classifying -------------------------------------------------------------------------


def _secret(key: str) -> bool:
    return any(word.startswith(_SECRET_STEMS) for word in request_words(key))


def _cut(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= MAX_BODY else text[: MAX_BODY - 1] + "…"


def _masked_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _MASK if _secret(str(k)) else _masked_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_json(v) for v in value]
    return value


def _json_fields(value: Any, key: str = "") -> list[tuple[str, str]]:
    """Every key of a JSON value, and every string in it with its key."""
    if isinstance(value, dict):
        out: list[tuple[str, str]] = []
        for k, v in value.items():
            out.append((str(k), ""))
            out.extend(_json_fields(v, str(k)))
        return out
    if isinstance(value, list):
        return [pair for item in value for pair in _json_fields(item, key)]
    return [(key, value)] if isinstance(value, str) else []


def _form_text(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{k}={_MASK if _secret(k) else v}" for k, v in pairs)


def _multipart(content_type: str, body: bytes) -> list[tuple[str, str]]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    pairs = []
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition") or ""
        filename = part.get_filename()
        if filename is not None:
            pairs.append((str(name), f"<file {filename}>"))
        else:
            payload = part.get_payload(decode=True) or b""
            pairs.append((str(name), payload.decode("utf-8", "replace")))
    return pairs


def _read_body(content_type: str, body: bytes | str | None) -> tuple[str, list[tuple[str, str]]]:
    """A body as compact text (secrets masked, not yet cut) and its fields, for risk."""
    if body is None or body == b"" or body == "":
        return "", []
    ctype = content_type.split(";")[0].strip().lower()
    if isinstance(body, bytes) and ctype == "multipart/form-data":
        with contextlib.suppress(Exception):
            pairs = _multipart(content_type, body)
            return _form_text(pairs), pairs
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(body)} bytes>", []
    else:
        text = body
    stripped = text.strip()
    if ctype.endswith("json") or stripped[:1] in ("{", "["):
        try:
            value = json.loads(stripped)
        except ValueError:
            pass
        else:
            shown = json.dumps(_masked_json(value), separators=(",", ":"), ensure_ascii=False)
            return shown, _json_fields(value)
    if ctype == "application/x-www-form-urlencoded" or _FORM_LIKE.match(stripped):
        pairs = parse_qsl(stripped, keep_blank_values=True)
        if pairs:
            return _form_text(pairs), pairs
    return stripped, [("", stripped)]


def _field_words(pairs: list[tuple[str, str]]) -> set[str]:
    words: set[str] = set()
    for key, value in pairs:
        words |= request_words(key)
        if key.lower() not in SEARCH_KEYS and len(value.split()) <= _COMMAND_WORDS:
            words |= request_words(value)
    return words


def _risk(method: str, url: str, pairs: list[tuple[str, str]]) -> Risk:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    words = request_words(f"{method} {unquote(parts.path)}") | _field_words(query)
    words |= _field_words(pairs)
    return Risk.IRREVERSIBLE if words & WRITE_IRREVERSIBLE else Risk.STATE_CHANGING


def _shown_url(url: str) -> str:
    """``url`` without its fragment, secrets in its query masked."""
    parts = urlsplit(url)
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(_secret(k) for k, _ in pairs):
        query = urlencode([(k, _MASK if _secret(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def classify_request(
    method: str,
    url: str,
    body: bytes | str | None = None,
    content_type: str = "",
    resource_type: str = "",
) -> Write | None:
    """The :class:`Write` a request is, or ``None`` for a read.

    ``resource_type`` ``ping`` (``navigator.sendBeacon``, ``<a ping>``) makes a beacon.
    """
    method = method.upper()
    if method in _READS:
        risk = url_write_risk(url) if method == "GET" else None
        if risk is None:
            return None
        return Write(method=method, url=_shown_url(url), risk=risk)
    text, pairs = _read_body(content_type, body)
    kind: Literal["http", "beacon"] = "beacon" if resource_type == "ping" else "http"
    return Write(
        method=method,
        url=_shown_url(url),
        body=_cut(text),
        kind=kind,
        risk=_risk(method, url, pairs),
    )


def classify_message(url: str, message: str | bytes) -> Write:
    """The :class:`Write` a WebSocket message from the page is."""
    if isinstance(message, bytes):
        text, pairs = f"<{len(message)} bytes>", []
    else:
        text, pairs = _read_body("", message)
    return Write(
        method="SEND",
        url=_shown_url(url),
        body=_cut(text),
        kind="websocket",
        risk=_risk("", url, pairs),
    )


# --- holding -----------------------------------------------------------------------------


@dataclass
class WriteFirewall:
    """Holds every write :attr:`permit` does not allow, on the contexts it is installed on.

    ``sent`` and ``held`` log the writes allowed and stopped, in order; the environment
    reads a step's share of them.
    """

    guard: NavigationGuard
    permit: WritePermit = field(default_factory=WritePermit.nothing)
    sent: list[Write] = field(default_factory=list)
    held: list[Write] = field(default_factory=list)

    async def install(self, context: BrowserContext) -> None:
        """Route the context's requests (guard first, then writes) and WebSockets, and
        take WebRTC out of its pages."""
        await context.add_init_script(NO_WEBRTC_JS)
        await context.route("**/*", self._route)
        if hasattr(context, "route_web_socket"):
            await context.route_web_socket(re.compile(r".*"), self._socket)
        else:  # pragma: no cover - an old Playwright: no WebSocket rather than an open one
            await context.add_init_script(_NO_WEBSOCKET_JS)

    def classify(self, request: Request) -> Write | None:
        """The write ``request`` is (``None``: a read). A request that cannot be read is a
        write of unknown intent: irreversible."""
        try:
            return classify_request(
                request.method,
                request.url,
                request.post_data_buffer,
                request.headers.get("content-type", ""),
                request.resource_type,
            )
        except Exception:  # fail closed
            log.exception("could not classify %s %s", request.method, request.url)
            return Write(
                method=request.method, url=request.url, body="(unreadable)", risk=Risk.IRREVERSIBLE
            )

    def _allow(self, write: Write) -> bool:
        if self.permit.allows(write):
            self.sent.append(write)
            return True
        self.held.append(write)
        log.info("held write: %s", write.line())
        return False

    async def _route(self, route: Route) -> None:
        try:
            await self._rule(route)
        except Exception as exc:  # an error here would reach the action: fail closed
            log.debug("route for %s failed: %s", route.request.url, exc)
            with contextlib.suppress(Exception):  # (already handled, or the page is gone)
                await route.abort("blockedbyclient")

    async def _rule(self, route: Route) -> None:
        request = route.request
        if not self.guard.allows(request.url):
            await self.guard.handle(route)
            return
        write = self.classify(request)
        if write is None:
            await route.fallback()
        elif self._allow(write):
            await self._send(route)
        else:
            await self._stop(route)

    async def _send(self, route: Route) -> None:
        """Send an allowed write. A redirect of it off the allowed origins (a ``307``
        would post its body there) ends at the context's dead-end proxy
        (:func:`~forethought.envs.guard.dead_end_proxy`): no byte reaches that host."""
        await route.fallback()

    @staticmethod
    async def _stop(route: Route) -> None:
        if route.request.is_navigation_request():
            await route.fulfill(status=204)  # no content: the browser stays where it was
        else:
            await route.abort("blockedbyclient")

    async def _socket(self, ws: WebSocketRoute) -> None:
        if not self.guard.allows(ws.url):
            self.guard.record(ws.url, what="a WebSocket")
            with contextlib.suppress(Exception):
                await ws.close(code=1008, reason="outside the allowed origins")
            return
        server = ws.connect_to_server()
        url = ws.url

        def from_page(message: str | bytes) -> None:
            if self._allow(classify_message(url, message)):
                server.send(message)

        ws.on_message(from_page)
