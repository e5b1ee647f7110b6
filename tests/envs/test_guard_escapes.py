"""The ways around the gate and the guard that red-teaming found, each closed: submitting
keys, fields that inherit a form's risk, clicks on fields, goto's schemes, redirects,
new tabs, foreign WebSockets and WebRTC."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from forethought.envs.browser import BrowserEnv
from forethought.envs.guard import NavigationGuard
from forethought.envs.parse import parse_action
from forethought.envs.risk import assign_risk
from forethought.envs.types import Action, ActionKind, Element, Observation, Risk, Task

# --- labels (no browser) ------------------------------------------------------------------

FORM_PAGE = Observation(
    url="http://127.0.0.1:8000/checkout",
    elements=[
        Element(id="1", role="textbox", name="Full name", risk=Risk.IRREVERSIBLE),
        Element(id="2", role="radio", name="Work", risk=Risk.IRREVERSIBLE),
        Element(id="3", role="combobox", name="Shipping", risk=Risk.IRREVERSIBLE),
        Element(id="4", role="searchbox", name="Search", risk=Risk.STATE_CHANGING),
        Element(id="5", role="button", name="Place order", risk=Risk.IRREVERSIBLE),
        Element(id="6", role="checkbox", name="Gift", risk=Risk.IRREVERSIBLE),
    ],
    focused="2",
)


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        ('press("Enter")', Risk.IRREVERSIBLE),
        ('press("NumpadEnter")', Risk.IRREVERSIBLE),
        ('press("Enter+Shift")', Risk.IRREVERSIBLE),
        ('press("Shift+Enter")', Risk.IRREVERSIBLE),
        ('press("Control+Enter")', Risk.IRREVERSIBLE),
        ('press("ctrl+return")', Risk.IRREVERSIBLE),
        ('press(4, "NumpadEnter")', Risk.STATE_CHANGING),
        ('press("Tab")', Risk.SAFE),
        ('press("Shift+Tab")', Risk.SAFE),
        ('press("ArrowDown")', Risk.SAFE),
    ],
)
def test_every_key_that_holds_enter_submits(text: str, risk: Risk) -> None:
    assert assign_risk(parse_action(text, FORM_PAGE), FORM_PAGE).risk is risk


@pytest.mark.parametrize("target", ["1", "2", "3", "4", "6"])
def test_clicking_a_field_is_safe_pressing_enter_in_it_is_not(target: str) -> None:
    for kind in (ActionKind.CLICK, ActionKind.HOVER):
        action = Action(kind=kind, target=target)
        assert assign_risk(action, FORM_PAGE).risk is Risk.SAFE
    enter = Action(kind=ActionKind.PRESS, target=target, value="Enter")
    assert assign_risk(enter, FORM_PAGE).risk is FORM_PAGE.element(target).risk  # type: ignore[union-attr]
    submit = Action(kind=ActionKind.CLICK, target="5")
    assert assign_risk(submit, FORM_PAGE).risk is Risk.IRREVERSIBLE


@pytest.mark.parametrize(
    ("url", "risk"),
    [
        ("http://h/orders/7/cancel", Risk.IRREVERSIBLE),
        ("/mail/message/3/delete", Risk.IRREVERSIBLE),
        ("http://h/cart?remove=12", Risk.IRREVERSIBLE),
        ("http://h/account/logout", Risk.STATE_CHANGING),
        ("http://h/sign-out", Risk.STATE_CHANGING),
        ("http://h/newsletter/unsubscribe?id=3", Risk.STATE_CHANGING),
        ("http://h/orders/7", Risk.SAFE),
        ("http://h/search?q=cancel", Risk.SAFE),
        ("http://cancel.example/", Risk.SAFE),  # the host is no command
    ],
)
def test_goto_a_url_that_says_it_deletes_is_risky(url: str, risk: Risk) -> None:
    assert assign_risk(Action(kind=ActionKind.GOTO, value=url), None).risk is risk


def test_goto_opens_only_web_pages_and_blank() -> None:
    guard = NavigationGuard(["http://127.0.0.1:8000", "file:///srv/tasks/"])
    for url in ("http://127.0.0.1:8000/x", "about:blank", "file:///srv/tasks/a.html"):
        assert guard.refuse_goto(url) is None, url
    for url in (
        "javascript:alert(1)",
        "data:text/html,<b>hi</b>",
        "view-source:http://127.0.0.1:8000/",
        "blob:http://127.0.0.1:8000/0b2c",
        "chrome://settings",
        "about:config",
    ):
        assert (guard.refuse_goto(url) or "").startswith(f"goto({url}) refused"), url
    assert not guard.allows("javascript:alert(1)")  # not a local scheme any more
    assert guard.allows("data:image/png;base64,AA==")  # a page's inline image still is
    assert not guard.allows("file:///etc/passwd") and guard.allows("file:///srv/tasks/b.html")


# --- in the real browser -------------------------------------------------------------------


FIELDS = """<!doctype html><title>Fields</title>
<form method="post" action="done.html">
  <label><input type="radio" name="addr" value="1" checked> Home</label>
  <label><input type="radio" name="addr" value="2"> Work</label>
  <label><input type="checkbox" name="gift"> Gift wrap</label>
  <label>Quantity <input type="number" name="qty" value="1"></label>
  <label>Day <input type="date" name="day"></label>
  <label for="speed">Speed</label> <select id="speed" name="speed"><option>Fast</option></select>
  <label>Full name <input name="name"></label>
  <button>Place order</button>
</form>
<form method="get" action="done.html"><label>Find <input type="number" name="n"></label>
  <button>Search</button></form>
<a href="https://evil.example/prize" target="_blank">Win a prize</a>
<button onclick="window.open('https://evil.example/w')">Open offer</button>
<button onclick="window.open('about:blank').location = 'https://evil.example/later'">Later</button>
"""


@pytest.fixture()
def fields(site: Path) -> Task:
    (site / "fields.html").write_text(FIELDS)
    (site / "done.html").write_text("<!doctype html><title>Done</title><p>Done</p>")
    return Task(id="t.fields", goal="look", start_url=(site / "fields.html").as_uri())


def _id(obs: Observation, name: str) -> str:
    return next(e.id for e in obs.elements if e.name == name)


@pytest.mark.slow
@pytest.mark.usefixtures("shared_browser")
async def test_fields_of_a_post_form_carry_its_submit_risk(fields: Task) -> None:
    env = BrowserEnv()
    try:
        obs = await env.reset(fields)
        for name in ("Work", "Gift wrap", "Quantity", "Day", "Speed", "Full name"):
            element = obs.element(_id(obs, name))
            assert element is not None and element.risk is Risk.IRREVERSIBLE, name
            enter = Action(kind=ActionKind.PRESS, target=element.id, value="Enter")
            assert assign_risk(enter, obs).risk is Risk.IRREVERSIBLE, name
            click = Action(kind=ActionKind.CLICK, target=element.id)
            assert assign_risk(click, obs).risk is Risk.SAFE, name
        assert obs.element(_id(obs, "Find")).risk is None  # type: ignore[union-attr]  # GET form
    finally:
        await env.close()


@pytest.mark.slow
@pytest.mark.usefixtures("shared_browser")
async def test_goto_refuses_other_schemes_without_crashing(fields: Task, site: Path) -> None:
    env = BrowserEnv()
    try:
        obs = await env.reset(fields)
        for url in (
            "javascript:document.title='pwned'",
            "data:text/html,<h1>hi</h1>",
            "view-source:http://127.0.0.1/",
            "chrome://version",
        ):
            result = await env.step(Action(kind=ActionKind.GOTO, value=url))
            scheme = url.split(":")[0]
            assert result.error == (
                f"goto({url}) refused: a {scheme}: URL cannot be opened; goto opens only "
                f"http(s) pages on the allowed origins ({site.as_uri()}/) and about:blank"
            )
            assert result.observation.url == obs.url and result.observation.title == "Fields"
        result = await env.step(Action(kind=ActionKind.GOTO, value="file:///etc/passwd"))
        assert result.error == (
            "blocked navigation to file:///etc/passwd (outside the allowed origins: "
            f"{site.as_uri()}/)"
        )
        assert result.observation.url == obs.url
        done = (site / "done.html").as_uri()  # the task's own files open
        result = await env.step(Action(kind=ActionKind.GOTO, value=done))
        assert result.error is None and result.observation.url == done
        result = await env.step(Action(kind=ActionKind.GOTO, value="about:blank"))
        assert result.error is None and result.observation.url == "about:blank"
    finally:
        await env.close()


@pytest.mark.slow
@pytest.mark.usefixtures("shared_browser")
async def test_new_tabs_off_origin_are_blocked_and_closed(fields: Task) -> None:
    env = BrowserEnv()
    try:
        obs = await env.reset(fields)
        for name, what, url in (
            ("Win a prize", "a new tab's navigation", "https://evil.example/prize"),
            ("Open offer", "a new tab's navigation", "https://evil.example/w"),
            ("Later", "navigation", "https://evil.example/later"),  # a blank tab, sent on
        ):
            result = await env.step(Action(kind=ActionKind.CLICK, target=_id(obs, name)))
            assert env.guard is not None
            allowed = env.guard.allowed[0]
            assert (
                result.error == f"blocked {what} to {url} (outside the allowed origins: {allowed})"
            )
            assert result.info["blocked"] == [url]
            assert result.observation.url == obs.url
        assert len(env.page.context.pages) == 1
    finally:
        await env.close()


@pytest.mark.slow
@pytest.mark.usefixtures("shared_browser")
async def test_no_webrtc_and_no_foreign_websocket(fields: Task) -> None:
    env = BrowserEnv()
    try:
        await env.reset(fields)
        kinds = await env.page.evaluate(
            """() => {
              const frame = document.body.appendChild(document.createElement("iframe"));
              return [typeof RTCPeerConnection, typeof webkitRTCPeerConnection,
                      typeof RTCDataChannel, typeof frame.contentWindow.RTCPeerConnection];
            }"""
        )
        assert kinds == ["undefined"] * 4
        closed = await env.page.evaluate(
            """() => new Promise((done) => {
              const ws = new WebSocket("wss://evil.example/socket");
              ws.onopen = () => done("open");
              ws.onclose = (event) => done(`closed ${event.code}`);
              setTimeout(() => done("timeout"), 3000);
            })"""
        )
        assert closed == "closed 1008"
        assert env.guard is not None and env.guard.blocked == ["wss://evil.example/socket"]
        assert env.guard.explain("wss://evil.example/socket").startswith(
            "blocked a WebSocket to wss://evil.example/socket (outside the allowed origins"
        )
        result = await env.step(Action(kind=ActionKind.SCROLL, value="down"))  # said after
        assert result.info["between_steps"]["blocked"] == ["wss://evil.example/socket"]
    finally:
        await env.close()


class _Redirecting(BaseHTTPRequestHandler):
    """``/page`` links to ``/out``, which redirects to the same server under another
    origin (``localhost`` for ``127.0.0.1``), and posts a form to ``/post``, which
    redirects the post there with a ``307``. ``posts`` logs the posts it got."""

    posts: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.posts.append(f"{self.headers['Host']}{self.path} {self.rfile.read(length).decode()}")
        port = self.server.server_address[1]
        self.send_response(307)
        self.send_header("Location", f"http://localhost:{port}/landed")
        self.end_headers()

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        if self.path == "/out":
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{port}/landed")
            self.end_headers()
            return
        body = (
            "<!doctype html><title>Start</title><a href='/out'>Out</a>"
            "<form method=post action='/post'><input name=card value=4111><button>Pay"
            "</button></form>"
            if self.path == "/page"
            else "<!doctype html><title>Landed</title><p>Somewhere else</p>"
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body.encode())


@pytest.fixture(scope="module")
def redirecting() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirecting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.slow
@pytest.mark.usefixtures("shared_browser")
async def test_a_redirect_off_the_origins_is_caught_and_undone(redirecting: str) -> None:
    env = BrowserEnv()
    try:
        task = Task(id="t.redirect", goal="look", start_url=f"{redirecting}/page")
        obs = await env.reset(task)
        result = await env.step(Action(kind=ActionKind.CLICK, target=_id(obs, "Out")))
        landed = redirecting.replace("127.0.0.1", "localhost") + "/landed"
        assert result.observation.url == obs.url and result.observation.title == "Start"
        assert result.info["blocked"] == [landed]
        assert result.error == (
            f"blocked a redirect to {landed} (outside the allowed origins: {redirecting})"
        )
        assert env.guard is not None and env.guard.blocked == [landed]
    finally:
        await env.close()


@pytest.mark.slow
@pytest.mark.usefixtures("shared_browser")
async def test_a_write_redirected_off_the_origins_is_not_reposted(redirecting: str) -> None:
    env = BrowserEnv()
    _Redirecting.posts.clear()
    try:
        task = Task(id="t.redirect", goal="look", start_url=f"{redirecting}/page")
        obs = await env.reset(task)
        result = await env.step(Action(kind=ActionKind.CLICK, target=_id(obs, "Pay")))  # no gate
        landed = redirecting.replace("127.0.0.1", "localhost") + "/landed"
        assert [w.url for w in result.writes] == [f"{redirecting}/post"]  # it was sent...
        assert _Redirecting.posts == [f"{redirecting.split('//')[1]}/post card=4111"]
        assert result.info["blocked"] == [landed]  # ...but not posted on to the other origin
        assert result.observation.url == obs.url
    finally:
        await env.close()
