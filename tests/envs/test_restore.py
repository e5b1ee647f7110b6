"""Resuming an episode: the sites' database, the browser's storage and the URL survive.

The browser tests use the real Chromium and a real site server whose database lives in
the test's own folder, as an agent run keeps it in its run folder.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from forethought.envs.browser import BrowserEnv, RestoreUnsupported
from forethought.envs.sites import BuiltinSetup, SiteServer
from forethought.envs.suites import load_tasks
from forethought.envs.types import Action, ActionKind, Observation, Task

CART_ROWS = "SELECT product_id, size, qty FROM shop_cart ORDER BY id"


def _rows(db_path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return [tuple(row) for row in conn.execute(sql)]
    finally:
        conn.close()


def _find(obs: Observation, role: str, name: str) -> str:
    hits = [e.id for e in obs.elements if e.role == role and e.name == name]
    assert hits, f"no {role} {name!r} on {obs.url}:\n{obs.tree[:2000]}"
    return hits[0]


# --- the server alone (no browser) ------------------------------------------------------


def test_server_starts_on_its_existing_db_without_reset(tmp_path: Path) -> None:
    db_path = tmp_path / "run" / "sites.db"
    with SiteServer(db_path=db_path):
        pass
    assert db_path.exists(), "a given db_path is kept after stop"
    assert list(db_path.parent.glob("sites.seed-0.snapshot")), "the seed snapshot sits beside it"
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("INSERT INTO shop_cart (product_id, size, color, qty) VALUES (1, 'M', '', 2)")
    conn.close()

    server = SiteServer(db_path=db_path).start(reset=False)
    server.stop()
    assert _rows(db_path, CART_ROWS) == [(1, "M", 2)]
    with SiteServer(db_path=db_path):  # the default start resets
        pass
    assert _rows(db_path, CART_ROWS) == []


def test_start_without_reset_builds_a_missing_db(tmp_path: Path) -> None:
    server = SiteServer(db_path=tmp_path / "fresh.db", seed=3).start(reset=False)
    try:
        assert _rows(server.db_path, "SELECT COUNT(*) FROM shop_products")[0][0] > 0
    finally:
        server.stop()


def test_rebase_moves_a_page_to_the_current_server() -> None:
    server = SiteServer()
    server._port = 4321  # rebase needs only the address, not a running server
    assert server.rebase("http://127.0.0.1:9999/shop/cart?msg=x#top") == (
        "http://127.0.0.1:4321/shop/cart?msg=x#top"
    )
    assert server.rebase("/mail/") == "http://127.0.0.1:4321/mail/"
    assert server.rebase("https://example.com/a") == "https://example.com/a"


# --- the browser ------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.usefixtures("shared_browser")
async def test_restore_keeps_cart_storage_and_url(tmp_path: Path) -> None:
    (task,) = load_tasks("builtin", ids=["shop.cart-add"])
    db_path = tmp_path / "run" / "sites.db"

    first_server = SiteServer(db_path=db_path)
    env = BrowserEnv(BuiltinSetup(first_server))
    try:
        await env.reset(task)
        obs = (await env.step(Action(kind=ActionKind.GOTO, value="/shop/product/1"))).observation
        add = Action(kind=ActionKind.CLICK, target=_find(obs, "button", "Add to cart"))
        obs = (await env.step(add)).observation
        assert not obs.error, obs.error
        await env.page.evaluate("document.cookie = 'resume=yes; path=/'")
        url, state = obs.url, await env.storage_state()
        cart = _rows(db_path, CART_ROWS)
    finally:
        await env.close()
        first_server.stop()  # as if the run's process had died
    assert cart, "adding to the cart changed the database"
    assert any(c["name"] == "resume" for c in state["cookies"])

    second_server = SiteServer(db_path=db_path)
    env = BrowserEnv(BuiltinSetup(second_server))
    try:
        obs = await env.restore(task, url, state)
        assert urlsplit(obs.url).path == urlsplit(url).path
        assert urlsplit(obs.url).netloc == urlsplit(second_server.base_url).netloc
        assert _rows(db_path, CART_ROWS) == cart
        assert "resume=yes" in await env.page.evaluate("document.cookie")
        cart_page = (await env.step(Action(kind=ActionKind.GOTO, value="/shop/cart"))).observation
        assert "Remove" in cart_page.tree, cart_page.tree[:2000]
    finally:
        await env.close()
        second_server.stop()


@pytest.mark.slow
@pytest.mark.usefixtures("shared_browser")
async def test_restore_unsupported_for_custom_tasks(site: Path) -> None:
    (site / "page.html").write_text("<!doctype html><title>T</title><button>Go</button>")
    task = Task(id="t.custom", goal="look", start_url=(site / "page.html").as_uri())
    env = BrowserEnv()
    try:
        with pytest.raises(RestoreUnsupported, match="reset"):
            await env.restore(task, task.start_url, {"cookies": [], "origins": []})
    finally:
        await env.close()


SELECT_PAGE = """<!doctype html><title>Pick</title>
<select aria-label="Size"><option value="s">Small</option><option value="l">Large</option>
</select><p id="out"></p>
<script>document.querySelector('select').onchange = e =>
  document.getElementById('out').textContent = 'picked ' + e.target.value;</script>"""


@pytest.mark.slow
@pytest.mark.usefixtures("shared_browser")
async def test_select_by_label_or_value(site: Path) -> None:
    (site / "pick.html").write_text(SELECT_PAGE)
    task = Task(id="t.pick", goal="pick", start_url=(site / "pick.html").as_uri())
    env = BrowserEnv()
    try:
        obs = await env.reset(task)
        size = _find(obs, "combobox", "Size")
        for option, picked in (("Large", "picked l"), ("s", "picked s")):
            result = await env.step(Action(kind=ActionKind.SELECT, target=size, value=option))
            assert result.error is None and picked in result.observation.tree
        result = await env.step(Action(kind=ActionKind.SELECT, target=size, value="Huge"))
        assert result.error and "no option 'Huge'" in result.error
    finally:
        await env.close()
