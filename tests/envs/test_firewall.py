"""The write firewall: what it calls a write, and what it holds in the real browser against
the real built-in shop (its SQLite database says whether a write went through)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from forethought.envs.browser import BrowserEnv, held_note
from forethought.envs.firewall import MAX_BODY, classify_message, classify_request
from forethought.envs.risk import assign_risk
from forethought.envs.sites import BuiltinSetup, SiteServer, builtin_tasks
from forethought.envs.sites.reference import click, fill, resolve
from forethought.envs.types import (
    Action,
    ActionKind,
    FirewalledEnvironment,
    Observation,
    Risk,
    Task,
    Write,
    WritePermit,
)

NOTHING = WritePermit.nothing()
FORM = "application/x-www-form-urlencoded"


# --- what a write is (no browser) ----------------------------------------------------------


def test_reads_are_not_writes_but_destructive_gets_are() -> None:
    assert classify_request("GET", "http://h/shop/orders/7") is None
    assert classify_request("HEAD", "http://h/mail/logout") is None
    assert classify_request("OPTIONS", "http://h/api/delete") is None
    assert classify_request("GET", "http://h/search?q=cancel+my+order") is None  # search words
    assert classify_request("GET", "http://h/checkout") is None  # a page, not a command
    logout = classify_request("GET", "http://h/account/log-out#top")
    assert logout == Write(method="GET", url="http://h/account/log-out", risk=Risk.STATE_CHANGING)
    for url in ("http://h/items/3/delete", "http://h/x?action=removeItem", "http://h/cancelOrder"):
        write = classify_request("GET", url)
        assert write is not None and write.risk is Risk.IRREVERSIBLE, url
    unsubscribe = classify_request("GET", "http://h/list?unsubscribe=1&token=s3cret")
    assert unsubscribe is not None and unsubscribe.risk is Risk.STATE_CHANGING
    assert unsubscribe.url == "http://h/list?unsubscribe=1&token=***"  # secrets masked


def test_writes_are_classified_by_route_method_and_fields() -> None:
    add = classify_request("POST", "http://h/shop/cart/add", b"product_id=1&qty=2", FORM)
    assert add == Write(
        method="POST", url="http://h/shop/cart/add", body="product_id=1&qty=2", kind="http"
    )
    assert add.risk is Risk.STATE_CHANGING
    order = classify_request("POST", "http://h/shop/checkout", b"address_id=2", FORM)
    assert order is not None and order.risk is Risk.IRREVERSIBLE
    assert order.line() == "POST http://h/shop/checkout address_id=2 (irreversible)"
    for body in (b"op=purchase", b'{"type": "transfer", "amount": 5}', b"confirmOrder=1"):
        write = classify_request("POST", "http://h/api", body, "")
        assert write is not None and write.risk is Risk.IRREVERSIBLE, body
    deleted = classify_request("DELETE", "http://h/api/items/3")
    assert deleted is not None and deleted.risk is Risk.IRREVERSIBLE
    # Free text is content, not a command: a draft that mentions an order is no order.
    draft = classify_request(
        "POST", "http://h/mail/drafts", b"subject=Hi&body=Please+confirm+my+order+today", FORM
    )
    assert draft is not None and draft.risk is Risk.STATE_CHANGING
    assert draft.body == "subject=Hi&body=Please confirm my order today"


def test_bodies_are_compact_masked_and_cut() -> None:
    login = classify_request(
        "POST", "http://h/login", b"user=ann&password=hunter2&card_number=4111&cvc=123", FORM
    )
    assert login is not None and login.body == "user=ann&password=***&card_number=***&cvc=***"
    api = classify_request(
        "PUT",
        "http://h/api/profile",
        json.dumps({"name": "Ann", "auth": {"apiToken": "x"}, "tags": ["a"]}).encode(),
        "application/json",
    )
    assert api is not None and api.body == '{"name":"Ann","auth":{"apiToken":"***"},"tags":["a"]}'
    multipart = (
        b'--XX\r\nContent-Disposition: form-data; name="to"\r\n\r\nann@x.com\r\n'
        b'--XX\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nhello\r\n--XX--\r\n"
    )
    upload = classify_request("POST", "http://h/up", multipart, "multipart/form-data; boundary=XX")
    assert upload is not None and upload.body == "to=ann@x.com&file=<file a.txt>"
    beacon = classify_request("POST", "http://h/t", '{"otp":"1"}', "text/plain", "ping")
    assert beacon is not None and beacon.kind == "beacon" and beacon.body == '{"otp":"***"}'
    binary = classify_request("POST", "http://h/b", bytes([0xFF, 0xFE, 0x00]), "")
    assert binary is not None and binary.body == "<3 bytes>"
    long = classify_request("POST", "http://h/x", "a=" + "x" * 1000, FORM)
    assert long is not None and len(long.body) == MAX_BODY and long.body.endswith("…")
    message = classify_message("wss://h/chat", '{"action": "send", "text": "hi"}')
    assert message.kind == "websocket" and message.method == "SEND"
    assert message.risk is Risk.IRREVERSIBLE and message.body == '{"action":"send","text":"hi"}'


def test_the_step_error_names_the_held_writes() -> None:
    order = Write(method="POST", url="http://h:1/shop/checkout", body="address_id=2")
    order = order.model_copy(update={"risk": Risk.IRREVERSIBLE})
    assert held_note([order], "http://h:1/shop/checkout") == (
        "blocked write: POST /shop/checkout address_id=2 (irreversible); "
        "it needs the gate's approval"
    )
    other = Write(method="DELETE", url="http://elsewhere/x")
    assert held_note([order, other, other], "http://h:1/") == (
        "blocked 3 writes: POST /shop/checkout address_id=2 (irreversible), "
        "DELETE http://elsewhere/x (state_changing) and 1 more; they need the gate's approval"
    )


# --- in the real browser, on the real shop ------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[SiteServer]:
    with SiteServer() as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def env(server: SiteServer, shared_browser: None) -> AsyncIterator[BrowserEnv]:
    browser_env = BrowserEnv(BuiltinSetup(server))
    yield browser_env
    await browser_env.close()


def _task(task_id: str) -> Task:
    return next(t for t in builtin_tasks(0) if t.id == task_id)


def _count(server: SiteServer, table: str) -> int:
    conn = server.connect()
    try:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def _by_name(obs: Observation, name: str, role: str = "button") -> str:
    return next(e.id for e in obs.elements if e.role == role and e.name == name)


@pytest.mark.slow
async def test_permits_hold_what_they_do_not_cover(env: BrowserEnv, server: SiteServer) -> None:
    assert isinstance(env, FirewalledEnvironment)
    obs = await env.reset(_task("shop.add-here"))
    obs = (await env.step(resolve(fill("Quantity", "2", "spinbutton"), obs), NOTHING)).observation
    add = resolve(click("Add to cart"), obs)

    # Dry run: the form's post is held; the page stays, the cart stays empty.
    result = await env.step(add, NOTHING)
    assert result.observation.url == obs.url and _count(server, "shop_cart") == 0
    [held] = result.blocked_writes
    assert (held.method, held.kind, held.risk) == ("POST", "http", Risk.STATE_CHANGING)
    assert held.url == server.url("/shop/cart/add") and "qty=2" in held.body
    assert result.error == (
        f"blocked write: POST /shop/cart/add {held.body} (state_changing); "
        "it needs the gate's approval"
    )
    assert result.observation.error == result.error
    assert result.info["blocked_writes"] == [held.line()] and result.writes == []

    # A state-changing permit lets the cart change through...
    result = await env.step(add, WritePermit(level=Risk.STATE_CHANGING))
    assert result.error is None and result.writes == [held] and not result.blocked_writes
    assert _count(server, "shop_cart") == 1 and "/shop/cart" in result.observation.url
    obs = result.observation
    obs = (await env.step(resolve(click("Proceed to checkout", "link"), obs))).observation

    # A probe learns an action's writes without sending them, nor keeping it for a replay.
    orders = _count(server, "shop_orders")
    place = resolve(click("Place order"), obs)
    assert (await env.snapshot() or {})["replay"] == []
    [order] = await env.probe(place)
    assert order.risk is Risk.IRREVERSIBLE and order.url == server.url("/shop/checkout")
    assert _count(server, "shop_orders") == orders
    assert (await env.snapshot() or {})["replay"] == []

    # A state-changing permit does not cover the order, however the form is submitted:
    # its button, or Enter in one of its radios.
    result = await env.step(place, WritePermit(level=Risk.STATE_CHANGING))
    assert result.blocked_writes == [order]
    assert result.observation.url == obs.url and _count(server, "shop_orders") == orders
    work = resolve(click("Work:", "radio", contains=True), obs)
    enter = assign_risk(Action(kind=ActionKind.PRESS, target=work.target, value="Enter"), obs)
    assert enter.risk is Risk.IRREVERSIBLE and work.risk is Risk.SAFE  # Enter submits
    result = await env.step(enter, WritePermit(level=Risk.STATE_CHANGING))
    assert [w.risk for w in result.blocked_writes] == [Risk.IRREVERSIBLE]
    assert _count(server, "shop_orders") == orders

    # Approving that exact write lets it through, and nothing else.
    approved = WritePermit(approved=(order,))
    obs = (await env.step(work, NOTHING)).observation  # another address: another write
    result = await env.step(place, approved)
    assert len(result.blocked_writes) == 1 and result.blocked_writes[0] != order
    assert _count(server, "shop_orders") == orders
    home = resolve(click("Home:", "radio", contains=True), obs)
    await env.step(home, NOTHING)
    result = await env.step(place, approved)
    assert result.writes == [order] and not result.blocked_writes and result.error is None
    assert _count(server, "shop_orders") == orders + 1


_SCRIPTED = """(kind) => {
  const b = document.createElement("button");
  b.textContent = "Scripted " + kind;
  const form = "product_id=1&qty=1";
  const type = {"content-type": "application/x-www-form-urlencoded"};
  b.onclick = () => {
    if (kind === "fetch") fetch("/shop/cart/add", {method: "POST", headers: type, body: form});
    if (kind === "xhr") {
      const x = new XMLHttpRequest();
      x.open("POST", "/shop/cart/add"); x.setRequestHeader("content-type", type["content-type"]);
      x.send(form);
    }
    if (kind === "beacon") navigator.sendBeacon("/shop/cart/add", new URLSearchParams(form));
    if (kind === "link") location.href = "/shop/account?do=delete-account";
  };
  document.body.prepend(b);
}"""


@pytest.mark.slow
async def test_page_scripts_cannot_write_past_the_permit(
    env: BrowserEnv, server: SiteServer
) -> None:
    obs = await env.reset(_task("shop.add-here"))
    for kind in ("fetch", "xhr", "beacon", "link"):  # what a page's own script may do
        await env.page.evaluate(_SCRIPTED, kind)
    obs = (await env.step(Action(kind=ActionKind.SCROLL, value="down"), NOTHING)).observation
    for kind in ("fetch", "xhr", "beacon"):
        button = Action(kind=ActionKind.CLICK, target=_by_name(obs, f"Scripted {kind}"))
        result = await env.step(button, NOTHING)
        [held] = result.blocked_writes
        assert held.kind == ("beacon" if kind == "beacon" else "http"), kind
        assert held.url == server.url("/shop/cart/add") and "blocked write" in (result.error or "")
        assert _count(server, "shop_cart") == 0, kind
    # Between steps the last step's permit holds: a script's write on its own is held
    # (and said with the next step).
    await env.page.evaluate("() => fetch('/shop/cart/add', {method: 'POST'}).catch(() => 0)")
    result = await env.step(Action(kind=ActionKind.SCROLL, value="up"), NOTHING)
    [late] = result.info["between_steps"]["blocked_writes"]
    assert (
        Write.model_validate(late).line() == f"POST {server.url('/shop/cart/add')} (state_changing)"
    )
    assert not result.blocked_writes and _count(server, "shop_cart") == 0
    # A GET whose URL says it deletes is a write too (an irreversible one).
    link = Action(kind=ActionKind.CLICK, target=_by_name(obs, "Scripted link"))
    result = await env.step(link, WritePermit(level=Risk.STATE_CHANGING))
    assert [(w.method, w.risk) for w in result.blocked_writes] == [("GET", Risk.IRREVERSIBLE)]
    assert result.observation.url == obs.url
    # With no gate, the same scripts write (the firewall sends them itself).
    for kind in ("fetch", "xhr", "beacon"):
        button = Action(kind=ActionKind.CLICK, target=_by_name(obs, f"Scripted {kind}"))
        result = await env.step(button)
        assert len(result.writes) == 1 and not result.blocked_writes, kind
    conn = server.connect()
    try:
        assert conn.execute("SELECT SUM(qty) FROM shop_cart").fetchone()[0] == 3
    finally:
        conn.close()


@pytest.mark.slow
async def test_websocket_messages_are_writes(env: BrowserEnv) -> None:
    websockets = pytest.importorskip("websockets.asyncio.server")
    heard: list[str] = []

    async def echo(ws) -> None:  # type: ignore[no-untyped-def]
        async for message in ws:
            heard.append(message)
            await ws.send(f"echo {message}")

    async with websockets.serve(echo, "127.0.0.1", 0) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        task = _task("shop.add-here")
        task = task.model_copy(update={"allowed_origins": [f"ws://127.0.0.1:{port}"]})
        await env.reset(task)
        opened = await env.page.evaluate(
            """(port) => new Promise((done) => {
              window.socket = new WebSocket(`ws://127.0.0.1:${port}/chat`);
              window.socket.onopen = () => done(true);
              setTimeout(() => done(false), 3000);
            })""",
            port,
        )
        assert opened
        await env.page.evaluate(
            """() => {
              for (const text of ["hold", "send"]) {
                const b = document.createElement("button");
                b.textContent = "Say " + text;
                b.onclick = () => window.socket.send(JSON.stringify({say: text}));
                document.body.prepend(b);
              }
            }"""
        )
        obs = (await env.step(Action(kind=ActionKind.SCROLL, value="down"), NOTHING)).observation
        result = await env.step(Action(kind=ActionKind.CLICK, target=_by_name(obs, "Say hold")))
        assert [w.kind for w in result.writes] == ["websocket"]
        result = await env.step(
            Action(kind=ActionKind.CLICK, target=_by_name(obs, "Say send")), NOTHING
        )
        [held] = result.blocked_writes
        assert (held.kind, held.body, held.risk) == (
            "websocket",
            '{"say":"send"}',
            Risk.IRREVERSIBLE,
        )
        for _ in range(50):
            if heard:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
        assert heard == ['{"say":"hold"}']  # the held message never left


@pytest.mark.slow
async def test_clicking_a_sites_fields_is_safe_enter_in_them_is_not(env: BrowserEnv) -> None:
    """The red team's false positives: the compose form's To box took Send's risk, the
    flight form's Full name field Book's."""
    for task_id, path, field in (
        ("mail.send-new-1", "/mail/compose", "To"),
        ("travel.cheapest-flight-1", "/travel/flights/1", "Full name"),
    ):
        await env.reset(_task(task_id))
        obs = (await env.step(Action(kind=ActionKind.GOTO, value=path), NOTHING)).observation
        target = _by_name(obs, field, "textbox")
        click_it = assign_risk(Action(kind=ActionKind.CLICK, target=target), obs)
        enter = assign_risk(Action(kind=ActionKind.PRESS, target=target, value="Enter"), obs)
        assert (click_it.risk, enter.risk) == (Risk.SAFE, Risk.IRREVERSIBLE), task_id
        result = await env.step(click_it, NOTHING)  # and the click sends nothing
        assert result.error is None and not result.blocked_writes


def test_an_approved_write_is_the_same_on_a_resumed_server_only() -> None:
    from forethought.envs.types import Write, WritePermit

    approved = Write(method="POST", url="http://127.0.0.1:4100/shop/orders/A1/cancel")
    moved = Write(method="POST", url="http://127.0.0.1:4200/shop/orders/A1/cancel")
    other = Write(method="POST", url="http://127.0.0.1:4200/shop/orders/B2/cancel")
    permit = WritePermit(approved=(approved,))
    assert permit.allows(moved) and not permit.allows(other)
    assert not permit.allows(moved.model_copy(update={"body": "reason=oops"}))
