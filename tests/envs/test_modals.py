"""Open modals in the page representation, and actions on elements that something covers.

Real Chromium on local pages. Every rule under test is generic: the pages below are made
up for the tests, and nothing in the browser code knows their ids, classes or texts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from forethought.envs.browser import BrowserEnv
from forethought.envs.types import Action, ActionKind, Observation, Task

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("shared_browser")]

#: Well under the 3000 ms action timeout, which a covered click used to run into.
FAST_MS = 1500

FILLER = "".join(
    f"<p>Paragraph {i} of the story, long enough to take a line.</p>" for i in range(40)
)

DIALOG = f"""<!doctype html><title>Store</title><body>
<h1>Store</h1>
<button id="buy" onclick="document.getElementById('out').textContent = 'bought'">Buy</button>
<input aria-label="Coupon">
<button onclick="document.getElementById('nl').showModal()">Newsletter</button>
<p id="out"></p>
{FILLER}
<dialog id="nl" aria-labelledby="nl-title">
  <h2 id="nl-title">Join our newsletter</h2>
  <input aria-label="Email">
  <button onclick="this.closest('dialog').close()">No thanks</button>
</dialog>
</body>"""

ARIA_MODAL = f"""<!doctype html><title>Settings</title><body>
<h1>Settings</h1>
<button onclick="document.getElementById('out').textContent = 'saved'">Save</button>
<button onclick="document.getElementById('prefs').hidden = false">Preferences</button>
<p id="out"></p>
{FILLER}
<div id="prefs" role="dialog" aria-modal="true" aria-label="Cookie preferences" hidden
  style="position:fixed;top:30%;left:30%;width:40%;background:#fff;border:1px solid">
  <label><input type="checkbox"> Analytics</label>
  <button onclick="document.getElementById('prefs').hidden = true">Done</button>
</div>
</body>"""

#: A full-viewport overlay without any ARIA, its box inside it.
OVERLAY = f"""<!doctype html><title>Deals</title><body>
<h1>Deals</h1>
<button onclick="document.getElementById('out').textContent = 'added'">Add to cart</button>
<button onclick="document.getElementById('promo').style.display = 'block'">Show offer</button>
<p id="out"></p>
{FILLER}
<div id="promo" style="display:none;position:fixed;inset:0;background:rgba(0,0,0,.5)">
  <div style="width:320px;margin:25vh auto;background:#fff;padding:1em">
    <h2>Special offer</h2><p>Half price today.</p>
    <button onclick="document.getElementById('promo').style.display = 'none'">Close</button>
  </div>
</div>
</body>"""

#: The other common shape: an empty backdrop, the box a positioned sibling drawn over it.
BACKDROP = f"""<!doctype html><title>Deals</title><body>
<h1>Deals</h1>
<button onclick="document.getElementById('out').textContent = 'added'">Add to cart</button>
<button onclick="document.getElementById('promo').style.display = 'block'">Show offer</button>
<p id="out"></p>
{FILLER}
<div id="promo" style="display:none">
  <div style="position:fixed;inset:0;background:rgba(0,0,0,.5);z-index:10"></div>
  <div style="position:fixed;top:30%;left:35%;width:30%;background:#fff;z-index:11">
    <h2>Special offer</h2>
    <button onclick="document.getElementById('promo').style.display = 'none'">Close</button>
  </div>
</div>
</body>"""

#: No modal: a fixed header, a small fixed cookie bar, a full-width hero whose caption is
#: absolutely positioned over its image, and a switch whose input hides under its label.
ORDINARY = f"""<!doctype html><title>News</title><body style="margin:0;padding-top:60px">
<header style="position:fixed;top:0;left:0;right:0;height:60px;background:#eee">
  <a href="#top">Home</a> <a href="#world">World</a>
</header>
<div style="position:relative;height:900px">
  <img alt="Harbour at dawn" style="display:block;width:100%;height:100%"
    src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7">
  <div style="position:absolute;inset:0;padding:2em"><h1>Morning news</h1></div>
</div>
<label style="position:relative;display:inline-block">
  <input type="checkbox" style="position:absolute;opacity:0;left:0;top:0;width:24px;height:24px">
  <span style="position:relative;display:inline-block;width:24px;height:24px;background:#ccc">
  </span> Remember me
</label>
<button onclick="document.getElementById('out').textContent = 'read'">Read more</button>
<p id="out"></p>
{FILLER}
<div role="dialog" aria-modal="true" aria-label="Old survey" style="display:none">
  <button>Answer</button></div>
<button style="position:fixed;bottom:10px;right:10px">Chat</button>
<div style="position:fixed;bottom:0;left:0;right:0;height:56px;background:#333;color:#fff">
  We use cookies. <button>Accept</button>
</div>
</body>"""


def page(site: Path, name: str, html: str) -> Task:
    (site / f"{name}.html").write_text(html)
    return Task(id=f"t.{name}", goal="look around", start_url=(site / f"{name}.html").as_uri())


def by_name(obs: Observation, name: str) -> str:
    hits = [e.id for e in obs.elements if e.name == name]
    assert hits, f"no element named {name!r}:\n{obs.render()}"
    return hits[0]


def names(obs: Observation) -> set[str]:
    return {e.name for e in obs.elements}


async def click(env: BrowserEnv, element_id: str):
    return await env.step(Action(kind=ActionKind.CLICK, target=element_id))


def assert_covered(result, by: str) -> None:
    """The action failed at once, naming what covers its element."""
    assert result.error is not None and f"covered by {by}" in result.error, result.error
    assert "Timeout" not in result.error
    assert result.info["act_ms"] < FAST_MS, result.info


async def test_a_modal_dialog_hides_the_page_until_it_closes(site: Path) -> None:
    env = BrowserEnv()
    try:
        before = await env.reset(page(site, "dialog", DIALOG))
        assert before.modal is None and "is open" not in before.render()
        buy, coupon = by_name(before, "Buy"), by_name(before, "Coupon")

        result = await click(env, by_name(before, "Newsletter"))
        obs = result.observation
        assert result.error is None
        assert obs.modal == 'dialog "Join our newsletter"'
        assert obs.elements[0].name == "Join our newsletter" and not obs.elements[0].id
        assert {"Email", "No thanks"} <= names(obs)
        assert not {"Buy", "Coupon", "Store", "Newsletter"} & names(obs)
        line = 'A dialog "Join our newsletter" is open; the rest of the page is behind it'
        assert obs.render().count(line) == 1
        assert obs.key != before.key

        result = await click(env, buy)
        assert_covered(result, 'dialog "Join our newsletter"')
        assert f"element [{buy}]" in result.error
        result = await env.step(Action(kind=ActionKind.FILL, target=coupon, value="X"))
        assert_covered(result, 'dialog "Join our newsletter"')
        page_text = await env.page.evaluate("document.getElementById('out').textContent")
        assert page_text == ""  # the covered click did not happen

        result = await env.step(
            Action(kind=ActionKind.FILL, target=by_name(obs, "Email"), value="a@b.c")
        )
        assert result.error is None
        result = await click(env, by_name(obs, "No thanks"))
        after = result.observation
        assert result.error is None and after.modal is None
        assert by_name(after, "Buy") == buy  # the page is back, ids unchanged
        assert "is open" not in after.render()
        result = await click(env, buy)
        assert result.error is None
        assert "bought" in names(result.observation)
    finally:
        await env.close()


async def test_a_shown_aria_modal_element_is_a_modal(site: Path) -> None:
    env = BrowserEnv()
    try:
        before = await env.reset(page(site, "aria", ARIA_MODAL))
        assert before.modal is None and "Analytics" not in names(before)
        save = by_name(before, "Save")
        obs = (await click(env, by_name(before, "Preferences"))).observation
        assert obs.modal == 'dialog "Cookie preferences"'
        assert {"Analytics", "Done"} <= names(obs) and "Save" not in names(obs)
        assert_covered(await click(env, save), 'dialog "Cookie preferences"')
        obs = (await click(env, by_name(obs, "Done"))).observation
        assert obs.modal is None and by_name(obs, "Save") == save
    finally:
        await env.close()


@pytest.mark.parametrize("html", [OVERLAY, BACKDROP], ids=["wrapper", "backdrop"])
async def test_a_full_viewport_overlay_without_aria_is_a_modal(site: Path, html: str) -> None:
    env = BrowserEnv()
    try:
        before = await env.reset(page(site, "overlay", html))
        assert before.modal is None
        add = by_name(before, "Add to cart")
        obs = (await click(env, by_name(before, "Show offer"))).observation
        assert obs.modal == 'overlay "Special offer"', obs.render()
        assert {"Special offer", "Close"} <= names(obs)
        assert not {"Add to cart", "Deals", "Show offer"} & names(obs)
        assert not any("Paragraph" in n for n in names(obs))
        result = await click(env, add)
        assert_covered(result, 'overlay "Special offer"')
        assert "added" not in names(result.observation)
        obs = (await click(env, by_name(obs, "Close"))).observation
        assert obs.modal is None and by_name(obs, "Add to cart") == add
        result = await click(env, add)
        assert result.error is None and "added" in names(result.observation)
    finally:
        await env.close()


async def test_fixed_bars_and_positioned_layout_are_not_modals(site: Path) -> None:
    env = BrowserEnv()
    try:
        obs = await env.reset(page(site, "ordinary", ORDINARY))
        assert obs.modal is None and "is open" not in obs.render()
        expected = {"Home", "Morning news", "Harbour at dawn", "Read more", "Accept", "Chat"}
        assert expected <= names(obs)
        assert "Answer" not in names(obs)  # a hidden aria-modal element is no modal

        result = await click(env, by_name(obs, "Remember me"))  # input under its own label
        assert result.error is None
        box = next(e for e in result.observation.elements if e.name == "Remember me")
        assert "checked" in box.states

        result = await click(env, by_name(obs, "Read more"))  # scrolled to, clear of the bars
        assert result.error is None and "read" in names(result.observation)
        assert result.observation.modal is None

        for _ in range(3):
            result = await env.step(Action(kind=ActionKind.SCROLL, value="down"))
            assert result.observation.modal is None
        # A fixed button that the (later, so higher) cookie bar covers: scrolling can't help.
        result = await click(env, by_name(obs, "Chat"))
        assert_covered(result, 'overlay "We use cookies. Accept"')
    finally:
        await env.close()


async def test_an_ordinary_long_page_is_not_a_modal(site: Path) -> None:
    rows = "".join(
        f"<li><a href='#i{i}'>Item {i}</a> <button>Add {i}</button></li>" for i in range(80)
    )
    env = BrowserEnv()
    try:
        obs = await env.reset(page(site, "long", f"<title>List</title><h1>All</h1><ul>{rows}</ul>"))
        assert obs.modal is None and {"All", "Item 0", "Add 79"} <= names(obs)
        result = await click(env, by_name(obs, "Add 60"))  # far below the fold
        assert result.error is None and result.observation.modal is None
        assert len(result.observation.elements) == len(obs.elements)
    finally:
        await env.close()


async def test_the_topmost_of_two_modal_dialogs_is_listed(site: Path) -> None:
    html = f"""<title>Two</title><button>Behind</button>{FILLER}
<dialog id="b" aria-label="Second"><button>B ok</button></dialog>
<dialog id="a" aria-label="First" style="width:80vw;height:80vh"><button>A ok</button></dialog>
<script>document.getElementById("a").showModal(); document.getElementById("b").showModal();
</script>"""
    env = BrowserEnv()
    try:
        obs = await env.reset(page(site, "two", html))
        assert obs.modal == 'dialog "Second"'  # opened last, though first in the document
        assert "B ok" in names(obs) and not {"A ok", "Behind"} & names(obs)
        obs = (await click(env, by_name(obs, "B ok"))).observation  # no handler: stays open
        assert obs.modal == 'dialog "Second"'
        await env.page.evaluate("document.getElementById('b').close()")
        obs = await env.observe()
        assert obs.modal == 'dialog "First"' and "A ok" in names(obs)
    finally:
        await env.close()


async def test_an_app_shell_filling_the_viewport_is_not_a_modal(site: Path) -> None:
    # The whole app in one fixed full-viewport box: it covers no other content.
    html = f"""<title>App</title><div style="position:fixed;inset:0;overflow:auto">
<p style="width:216px;font:16px/20px monospace;margin:0">Some bold words and
<a href="#x" onclick="document.title = 'clicked'">a link</a> <b>tail words go here</b> end.</p>
{FILLER}</div>"""
    env = BrowserEnv()
    try:
        obs = await env.reset(page(site, "app", html))
        assert obs.modal is None and "Paragraph 39 of the story" in {
            n.removesuffix(", long enough to take a line.") for n in names(obs)
        }
        # The link wraps; the middle of its bounding box is on the bold text after it.
        result = await click(env, by_name(obs, "a link"))
        assert result.error is None and result.observation.title == "clicked"
    finally:
        await env.close()


def test_observations_saved_before_modals_still_load() -> None:
    old = {"url": "https://a.example/", "elements": [{"id": "1", "role": "button", "name": "Go"}]}
    obs = Observation.model_validate(old)
    assert obs.modal is None and obs.render().endswith("[1] button 'Go'")
    with_modal = obs.model_copy(update={"modal": 'alertdialog "Session expired"'})
    assert with_modal.key != obs.key
    assert with_modal.render().splitlines()[2] == (
        'An alertdialog "Session expired" is open; the rest of the page is behind it '
        "until it closes."
    )
