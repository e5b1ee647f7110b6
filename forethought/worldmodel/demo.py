"""A first look at the embedded world model: imagine what one click does to a small page.

This is the README's first command until the agent can solve a built-in task.
"""

from __future__ import annotations

from forethought.worldmodel.client import Completion, LLMClient
from forethought.worldmodel.serving.managed import embedded_server

DEMO_PAGE = """URL: http://127.0.0.1/shop/cart
Title: Your cart
[1] heading 'Your cart'
[2] row 'Trail Runner shoes, size 42, qty 1, $89.00'
[3] button 'Remove Trail Runner shoes'
[4] row 'Wool socks, qty 2, $18.00'
[5] button 'Remove Wool socks'
[6] text 'Subtotal: $107.00'
[7] button 'Place order'"""

DEMO_ACTION = "click(3)"


def demo_messages() -> list[dict[str, str]]:
    return [
        {
            "role": "system",
            "content": "You are a web world model. Given a page's accessibility tree and an "
            "action, describe what the page looks like right after the action.",
        },
        {
            "role": "user",
            "content": f"{DEMO_PAGE}\n\nAction: {DEMO_ACTION}\n"
            "In two short sentences: what changes on the page?",
        },
    ]


async def imagine_once(model: str) -> tuple[str, Completion]:
    """Start the embedded server for ``model``, ask once, stop it; returns (base_url, reply)."""
    with embedded_server(model) as base_url:
        client = LLMClient(base_url=base_url, model=model)
        try:
            reply = await client.complete(demo_messages(), max_tokens=120)
        finally:
            await client.aclose()
    return base_url, reply
