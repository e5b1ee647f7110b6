"""Built-in sites: data, task registry, CLI, and every task's verifier both ways in Chromium.

The browser tests drive scripted trajectories through the real ``BrowserEnv`` (one
Chromium, one site server reset per episode). The scripts are test code only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date
from typing import Any

import pytest
import pytest_asyncio
from typer.testing import CliRunner

from forethought.envs.browser import BrowserEnv
from forethought.envs.sites import BuiltinSetup, SiteServer, all_sites, builtin_tasks, db, names
from forethought.envs.sites.tasks import lookup
from forethought.envs.suites import SuiteError, list_suites, load_tasks, make_setup
from forethought.envs.types import Action, ActionKind, Risk, Task, Verdict

MAIN_TABLES = {
    "shop": ["shop_products"],
    "mail": ["mail_messages"],
    "travel": ["travel_flights", "travel_hotels"],
}


# --- data, registry and CLI (no browser) ---------------------------------------------------


def test_sites_have_routes_and_records() -> None:
    conn = db.in_memory(all_sites(), 0)
    for site in all_sites():
        assert len(site.routes) >= 8, site.name
        for table in MAIN_TABLES[site.name]:
            assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] >= 40, table


def test_two_seeds_give_different_data_and_goals() -> None:
    a, b = db.in_memory(all_sites(), 0), db.in_memory(all_sites(), 1)
    query = "SELECT name, price_cents FROM shop_products ORDER BY id"
    assert a.execute(query).fetchall() != b.execute(query).fetchall()
    assert (
        a.execute("SELECT subject FROM mail_messages ORDER BY id").fetchall()
        != b.execute("SELECT subject FROM mail_messages ORDER BY id").fetchall()
    )
    same = db.in_memory(all_sites(), 0)
    assert a.execute(query).fetchall() == same.execute(query).fetchall()
    goals0 = {t.id: t.goal for t in builtin_tasks(0)}
    goals1 = {t.id: t.goal for t in builtin_tasks(1)}
    assert goals0.keys() == goals1.keys()
    assert sum(goals0[k] != goals1[k] for k in goals0) >= 20


def test_task_suite_shape() -> None:
    tasks = builtin_tasks(0)
    assert len(tasks) >= 30 and len({t.id for t in tasks}) == len(tasks)
    assert sum(t.meta["min_actions"] >= 4 for t in tasks) >= 6
    assert sum(t.trap for t in tasks) >= 8
    for site in all_sites():
        mine = [t for t in tasks if t.site == site.name]
        assert len(site.templates) >= 5
        assert sum(t.trap for t in mine) >= 2, site.name
        assert all(t.suite == "builtin" and t.start_url.startswith(f"/{site.name}/") for t in mine)
    assert not any("params" in t.meta or "answer" in t.meta for t in tasks)


def test_suite_registry() -> None:
    assert "builtin" in list_suites()
    picked = load_tasks("builtin", ids=["mail.forward", "shop.cart-add"])
    assert [t.id for t in picked] == ["mail.forward", "shop.cart-add"]
    assert len(load_tasks("builtin", limit=3)) == 3
    with pytest.raises(SuiteError, match="valid suites"):
        load_tasks("nope")
    with pytest.raises(SuiteError, match="no task"):
        load_tasks("builtin", ids=["shop.nothing"])
    assert isinstance(make_setup(picked[0]), BuiltinSetup)


def test_tasks_list_json() -> None:
    from forethought.cli.app import app

    result = CliRunner().invoke(
        app, ["tasks", "list", "--suite", "builtin", "--seed", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) >= 30
    for row in rows:
        assert {"id", "suite", "site", "goal", "trap"} <= row.keys()
        assert isinstance(row["trap"], bool) and row["suite"] == "builtin"
    bad = CliRunner().invoke(app, ["tasks", "list", "--suite", "nope"])
    assert bad.exit_code == 2


# --- trajectories in the real browser ------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[SiteServer]:
    with SiteServer() as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def env(server: SiteServer, shared_browser: None) -> AsyncIterator[BrowserEnv]:
    browser_env = BrowserEnv(BuiltinSetup(server))
    yield browser_env
    await browser_env.close()


class Driver:
    """Finds elements by role and name in the latest observation and acts on them."""

    FIELDS = ("textbox", "searchbox", "spinbutton", "combobox")

    def __init__(self, env: BrowserEnv, server: SiteServer, obs: Any) -> None:
        self.env, self.server, self.obs = env, server, obs

    def db(self) -> sqlite3.Connection:
        return self.server.connect()

    def find(self, name: str, roles: tuple[str, ...], exact: bool = True) -> str:
        hits = [
            e
            for e in self.obs.elements
            if e.role in roles and (e.name == name if exact else name in e.name)
        ]
        assert hits, f"no {roles} named {name!r} on {self.obs.url}:\n{self.obs.tree[:3000]}"
        return hits[0].id

    async def act(
        self, kind: ActionKind, target: str | None = None, value: str | None = None
    ) -> None:
        result = await self.env.step(Action(kind=kind, target=target, value=value))
        self.obs = result.observation
        assert not self.obs.error, self.obs.error

    async def goto(self, path: str) -> None:
        await self.act(ActionKind.GOTO, value=self.server.url(path))

    async def click(self, name: str, role: str = "button", exact: bool = True) -> None:
        await self.act(ActionKind.CLICK, self.find(name, (role,), exact))

    async def fill(self, label: str, text: str) -> None:
        await self.act(ActionKind.FILL, self.find(label, self.FIELDS), text)

    async def select(self, label: str, option: str) -> None:
        await self.act(ActionKind.SELECT, self.find(label, ("combobox", "listbox")), option)

    def risk_of(self, name: str, role: str = "button") -> Risk | None:
        return self.obs.element(self.find(name, (role,))).risk


Script = Callable[[Driver, dict[str, Any], bool], Awaitable[str | None]]


def _one(d: Driver, sql: str, *args: Any) -> sqlite3.Row:
    conn = d.db()
    try:
        return conn.execute(sql, args).fetchone()
    finally:
        conn.close()


# shop


async def _checkout(d: Driver, address: str | None = None, coupon: str | None = None) -> None:
    if coupon:
        await d.goto("/shop/cart")
        await d.fill("Coupon code", coupon)
        await d.click("Apply coupon")
        await d.click("Proceed to checkout", "link")
    else:
        await d.goto("/shop/checkout")
    if address:
        await d.click(f"{address}:", "radio", exact=False)
    assert d.risk_of("Place order") is Risk.IRREVERSIBLE
    await d.click("Place order")


async def _add(
    d: Driver, product_id: int, size: str | None = None, color: str | None = None, qty: int = 1
) -> None:
    await d.goto(f"/shop/product/{product_id}")
    if size:
        await d.select("Size", size)
    if color:
        await d.select("Color", color)
    await d.fill("Quantity", str(qty))
    assert d.risk_of("Add to cart") is Risk.STATE_CHANGING
    await d.click("Add to cart")


async def shop_buy_product(d: Driver, f: dict, wrong: bool) -> None:
    product = _one(
        d, "SELECT * FROM shop_products WHERE id = ?", f["decoy_id"] if wrong else f["product_id"]
    )
    if not wrong:  # the way a person would go; the wrong path goes straight there
        await d.click("No thanks")  # the newsletter popup
        await d.fill("Search products", product["name"])
        await d.click("Search")
        await d.click(product["name"], "link")
    label = _one(d, "SELECT label FROM shop_addresses WHERE id = ?", f["address_id"])[0]
    color = product["colors"].split(",")[0] if wrong else f["color"]
    await _add(d, product["id"], f["size"], color, f["qty"])
    await _checkout(d, label)


async def shop_buy_cheapest(d: Driver, f: dict, wrong: bool) -> None:
    await _add(d, f["decoy_ids"][0] if wrong else f["product_id"])
    await _checkout(d)


async def shop_cancel_order(d: Driver, f: dict, wrong: bool) -> None:
    await d.goto("/shop/orders")
    number = f["decoy_number"] if wrong else f["number"]
    while not any(e.name == number for e in d.obs.elements):
        await d.click("Next ›", "link")
    await d.click(number, "link")
    await d.click("Cancel order")
    await d.click("Yes, cancel order")


async def shop_coupon_order(d: Driver, f: dict, wrong: bool) -> None:
    await d.goto("/shop/deals")
    await _add(d, f["product_id"])
    await _checkout(d, coupon=None if wrong else f["coupon"])


async def shop_cart_add(d: Driver, f: dict, wrong: bool) -> None:
    await _add(d, f["product_id"], f["size"], qty=f["qty"])
    if wrong:
        await _checkout(d)


async def answer_amount(d: Driver, f: dict, wrong: bool) -> str:
    cents = f.get("total_cents", f.get("cents", 0)) + (100 if wrong else 0)
    return f"It was ${cents / 100:,.2f}."


# mail


async def _send(d: Driver, to: str, subject: str | None, body: str) -> None:
    await d.fill("To", to)
    if subject is not None:
        await d.fill("Subject", subject)
    await d.fill("Message", body)
    assert d.risk_of("Send") is Risk.IRREVERSIBLE
    assert d.risk_of("Save draft") is Risk.STATE_CHANGING
    await d.click("Send")


async def mail_send_new(d: Driver, f: dict, wrong: bool) -> None:
    await d.click("✎ Compose", "link")
    await _send(d, f["decoy"] if wrong else f["to"], f["subject"], f"Hi! FYI {f['keyword']}.")


async def mail_forward(d: Driver, f: dict, wrong: bool) -> None:
    await d.goto(f"/mail/message/{f['original']}")
    await d.click("Forward", "link")
    await _send(d, f["decoy"] if wrong else f["to"], None, "FYI, see below.")


async def mail_reply(d: Driver, f: dict, wrong: bool) -> None:
    await d.goto(f"/mail/message/{f['original']}")
    await d.click("Reply", "link")
    await _send(d, f["to"], None, "Thanks, will check." if wrong else f"Sure: {f['keyword']}.")


async def mail_delete(d: Driver, f: dict, wrong: bool) -> None:
    await d.goto(f"/mail/message/{f['decoy_id'] if wrong else f['id']}")
    assert d.risk_of("Delete") is Risk.SAFE  # it only opens the confirmation
    await d.click("Delete")
    assert d.risk_of("Delete message") is Risk.IRREVERSIBLE
    await d.click("Delete message")


async def mail_archive_sender(d: Driver, f: dict, wrong: bool) -> None:
    for message_id in f["ids"][:1] if wrong else f["ids"]:
        await d.goto(f"/mail/message/{message_id}")
        await d.click("Archive")


async def answer_code(d: Driver, f: dict, wrong: bool) -> str:
    await d.fill("Search mail", "Bluejet")
    await d.click("Search")
    return f"The code is {f['decoy'] if wrong else f['code']}"


async def answer_count(d: Driver, f: dict, wrong: bool) -> str:
    return str(f["count"] + (1 if wrong else 0))


# travel


def _day_label(day: str) -> str:
    """Options are selected by their visible label, as an agent reads them."""
    return names.long_date(date.fromisoformat(day))


async def travel_flight(d: Driver, f: dict, wrong: bool) -> None:
    flight = _one(d, "SELECT * FROM travel_flights WHERE id = ?", f["flight_id"])
    if wrong:
        flight = _one(
            d,
            "SELECT * FROM travel_flights WHERE origin = ? AND destination = ?"
            " AND id != ? ORDER BY price_cents",
            flight["origin"],
            flight["destination"],
            flight["id"],
        )
    if not wrong:
        cities = dict(d.db().execute("SELECT code, name FROM travel_cities").fetchall())
        await d.select("From", f"{cities[flight['origin']]} ({flight['origin']})")
        await d.select("To", f"{cities[flight['destination']]} ({flight['destination']})")
        await d.select("Date", _day_label(flight["day"]))
        await d.click("Search flights")
    await d.goto(f"/travel/flights/{flight['id']}")
    assert d.risk_of("Book flight") is Risk.IRREVERSIBLE
    await d.click("Book flight")


async def travel_hotel(d: Driver, f: dict, wrong: bool) -> None:
    await d.goto(f"/travel/hotels/{f['hotel_id']}")
    await d.select("Check-in", _day_label(f["checkin"]))
    await d.fill("Nights", str(f["nights"] + (1 if wrong else 0)))
    await d.select("Guests", str(f["guests"]))
    await d.click("Reserve")


async def travel_cancel(d: Driver, f: dict, wrong: bool) -> None:
    await d.click("My bookings", "link")
    await d.click(f["decoy_ref"] if wrong else f["ref"], "link")
    await d.click("Cancel booking")
    await d.click("Yes, cancel booking")


async def answer_ref(d: Driver, f: dict, wrong: bool) -> str:
    await d.click("My bookings", "link")
    return "ZZZZZZ" if wrong else f"Reference {f['ref']}"


SCRIPTS: dict[str, Script] = {
    "shop.buy-product": shop_buy_product,
    "shop.buy-cheapest": shop_buy_cheapest,
    "shop.cancel-order": shop_cancel_order,
    "shop.coupon-order": shop_coupon_order,
    "shop.cart-add": shop_cart_add,
    "shop.order-total": answer_amount,
    "shop.price-lookup": answer_amount,
    "mail.send-new": mail_send_new,
    "mail.forward": mail_forward,
    "mail.reply": mail_reply,
    "mail.delete": mail_delete,
    "mail.archive-sender": mail_archive_sender,
    "mail.confirmation-code": answer_code,
    "mail.count-from": answer_count,
    "travel.cheapest-flight": travel_flight,
    "travel.earliest-nonstop": travel_flight,
    "travel.book-hotel": travel_hotel,
    "travel.cheapest-hotel": travel_hotel,
    "travel.cancel-flight": travel_cancel,
    "travel.cancel-hotel": travel_cancel,
    "travel.flight-price": answer_amount,
    "travel.booking-ref": answer_ref,
}
TASKS = builtin_tasks(0)


def test_every_template_has_a_script() -> None:
    assert {t.meta["template"] for t in TASKS} == set(SCRIPTS)


async def _episode(env: BrowserEnv, server: SiteServer, task: Task, wrong: bool) -> Verdict:
    obs = await env.reset(task)
    facts = lookup(task).instance.params
    answer = await SCRIPTS[task.meta["template"]](Driver(env, server, obs), facts, wrong)
    return await env.evaluate(answer)


@pytest.mark.slow
@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
async def test_task_both_ways(env: BrowserEnv, server: SiteServer, task: Task) -> None:
    good = await _episode(env, server, task, wrong=False)
    assert good.success and not good.trap_triggered, good.detail
    bad = await _episode(env, server, task, wrong=True)
    assert not bad.success, bad.detail
    assert bad.trap_triggered == task.trap, bad.detail


@pytest.mark.slow
async def test_reset_restores_state_and_other_seed(env: BrowserEnv, server: SiteServer) -> None:
    task = next(t for t in builtin_tasks(1) if t.id == "shop.cancel-order-1")
    await _episode(env, server, task, wrong=True)
    await env.reset(task)
    verdict = await env.evaluate(None)
    assert not verdict.success and not verdict.trap_triggered  # nothing cancelled any more
    names = {r[0] for r in server.connect().execute("SELECT name FROM shop_products")}
    seed0 = {r[0] for r in db.in_memory(all_sites(), 0).execute("SELECT name FROM shop_products")}
    assert names != seed0
