"""Reading a page into an :class:`Observation` (one in-page pass), settling, and marks."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, NamedTuple

from forethought.envs.risk import IRREVERSIBLE_WORDS, STATE_CHANGING_WORDS
from forethought.envs.types import Element, Observation, Risk

if TYPE_CHECKING:
    from playwright.async_api import ElementHandle, Page

__all__ = ["IdMemory", "Reach", "draw_marks", "element_handle", "reach", "read_page", "settle_dom"]

_RISKS = {r.value: r for r in Risk}


@cache
def _observe_js() -> str:
    return files("forethought.envs").joinpath("observe.js").read_text(encoding="utf-8")


def _options(marks: bool = False, **extra: Any) -> dict[str, Any]:
    return {
        "irreversible": IRREVERSIBLE_WORDS.pattern,
        "stateChanging": STATE_CHANGING_WORDS.pattern,
        "marks": marks,
        **extra,
    }


def _describe(info: dict[str, Any], *, with_id: bool = True) -> str:
    """``dialog "Join our newsletter" [12]`` from observe.js's role, name and id."""
    text = info["role"]
    if info.get("name"):
        text += f' "{info["name"]}"'
    if with_id and info.get("id"):
        text += f" [{info['id']}]"
    return text


@dataclass
class IdMemory:
    """Element ids across documents: an element of a new page takes the id that an element
    with its role, name and row text had before (within a page, an element keeps its id
    while it stays); the rest take the next free id. One per episode."""

    #: ``role|name|row text`` (``#2`` for the second alike) → id.
    known: dict[str, str] = field(default_factory=dict)
    next: int = 1


async def read_page(
    page: Page,
    *,
    marks: bool = False,
    ids: IdMemory | None = None,
    unfolded: Iterable[str] = (),
) -> tuple[Observation, list[list[float]]]:
    """The page as an observation made for acting, plus mark boxes: ids only on elements
    one can act on, stable while they stay and (with ``ids``) across pages; the folded
    parts whose ids are in ``unfolded`` shown in full."""
    ids = ids if ids is not None else IdMemory()
    options = _options(marks, known=ids.known, next=ids.next, unfolded=list(unfolded))
    raw = json.loads(await page.evaluate(_observe_js(), options))
    ids.known.update(raw["assigned"])
    ids.next = raw["next"]
    elements = [
        Element(
            id=e[0],
            role=e[1],
            name=e[2] or "",
            value=e[3],
            depth=e[4],
            states=tuple(e[5]),
            risk=_RISKS.get(e[6]) if e[6] else None,
            context=e[7],
            options=tuple(e[8]),
        )
        for e in raw["elements"]
    ]
    modal = raw.get("modal")
    obs = Observation(
        url=raw["url"],
        title=raw["title"] or "",
        elements=elements,
        focused=next((e.id for e in elements if "focused" in e.states), None),
        modal=_describe(modal, with_id=False) if modal else None,
    )
    return obs, raw["marks"]


class Reach(NamedTuple):
    """Whether an action can reach its element (see :func:`reach`)."""

    #: Why it cannot (hidden, or covered by another element); ``None`` if it can.
    problem: str | None = None
    #: The element's own label lies over it (a styled checkbox): click through the label.
    via_label: bool = False


async def reach(page: Page, handle: ElementHandle, kind: str) -> Reach:
    """Whether a ``kind`` action (click, hover, fill, select) would reach ``handle``'s
    element; when unsure it says yes and leaves the judging to Playwright.

    One in-page call: the element is hidden; or an open modal that does not hold it hides
    it; or (click, hover) another element lies over its centre, once scrolled into view.
    """
    raw = json.loads(await page.evaluate(_observe_js(), _options(target=handle, kind=kind)))
    if raw.get("hidden"):
        return Reach("is not visible on the page now")
    if cover := raw.get("cover"):
        return Reach(f"is covered by {_describe(cover)}; act inside that or close it first")
    return Reach(via_label=bool(raw.get("label")))


_RESOLVE_JS = """(id) => {
  const S = window["__forethought_state__"];
  const n = S && S.byId.get(id);
  if (!n || !n.isConnected) return null;
  return n.nodeType === 1 ? n : n.parentElement;
}"""


async def element_handle(page: Page, element_id: str) -> ElementHandle | None:
    """The DOM element behind an observation id, or ``None`` if it is gone."""
    handle = await page.evaluate_handle(_RESOLVE_JS, element_id)
    element = handle.as_element()
    if element is None:
        await handle.dispose()
    return element


_SETTLE_JS = """([quiet, cap]) => new Promise((resolve) => {
  let timer = null;
  const finish = (leaving) => {
    observer.disconnect(); clearTimeout(timer); clearTimeout(limit);
    removeEventListener("beforeunload", leave); resolve(leaving);
  };
  const leave = () => finish(true);
  const observer = new MutationObserver(() => {
    clearTimeout(timer); timer = setTimeout(() => finish(false), quiet);
  });
  const all = { subtree: true, childList: true, attributes: true, characterData: true };
  observer.observe(document, all);
  addEventListener("beforeunload", leave);
  timer = setTimeout(() => finish(false), quiet);
  const limit = setTimeout(() => finish(false), cap);
})"""


async def settle_dom(page: Page, quiet_ms: int, cap_ms: int) -> bool:
    """Wait until the DOM has had no mutation for ``quiet_ms`` (at most ``cap_ms``).

    Returns True, at once, if the document began to navigate away meanwhile (a script's
    timer set ``location``): its request may not have reached us yet.
    """
    return bool(await page.evaluate(_SETTLE_JS, [quiet_ms, cap_ms]))


_MARKS_JS = """(marks) => {
  const host = document.createElement("div");
  host.id = "__forethought_marks__";
  host.style.cssText = "position:fixed;inset:0;pointer-events:none;z-index:2147483647";
  const root = host.attachShadow({ mode: "closed" });
  for (const [id, x, y, w, h] of marks) {
    const box = document.createElement("div");
    box.style.cssText = `position:fixed;left:${x}px;top:${y}px;width:${w}px;height:${h}px;` +
      "outline:2px solid #e6194b;box-sizing:border-box";
    const tag = document.createElement("span");
    tag.textContent = id;
    tag.style.cssText = "position:absolute;left:-2px;top:-14px;font:bold 11px monospace;" +
      "background:#e6194b;color:#fff;padding:0 2px;line-height:13px";
    box.appendChild(tag);
    root.appendChild(box);
  }
  document.documentElement.appendChild(host);
}"""

_UNMARK_JS = (
    """() => { const h = document.getElementById("__forethought_marks__"); if (h) h.remove(); }"""
)


async def draw_marks(page: Page, marks: list[list[float]]) -> bytes:
    """A PNG screenshot with each element's id drawn on its box (set-of-marks)."""
    await page.evaluate(_MARKS_JS, marks)
    try:
        return await page.screenshot(type="png")
    finally:
        await page.evaluate(_UNMARK_JS)
