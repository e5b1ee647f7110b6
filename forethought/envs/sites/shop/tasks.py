"""The shop's task templates and their verifiers, which read orders and the cart."""

from __future__ import annotations

import sqlite3

from forethought.envs.sites.base import Instance, Params, TaskTemplate
from forethought.envs.sites.shop.data import CATEGORY_TITLES
from forethought.envs.sites.verify import failed, mentions_amount, passed
from forethought.envs.types import Verdict

Row = sqlite3.Row


def _product(conn: sqlite3.Connection, product_id: int) -> Row:
    return conn.execute("SELECT * FROM shop_products WHERE id = ?", (product_id,)).fetchone()


def _lookalikes(conn: sqlite3.Connection, category: str) -> tuple[Row, Row]:
    """The category's first look-alike pair as (target, decoy); which is which varies by seed."""
    row = conn.execute(
        "SELECT family, id FROM shop_products WHERE category = ? AND family IS NOT NULL"
        " ORDER BY id LIMIT 1",
        (category,),
    ).fetchone()
    first, second = sorted(row)
    return _product(conn, first), _product(conn, second)


def _new_orders(conn: sqlite3.Connection) -> list[tuple[Row, list[Row]]]:
    orders = conn.execute("SELECT * FROM shop_orders WHERE seeded = 0 ORDER BY id").fetchall()
    return [
        (
            o,
            conn.execute(
                "SELECT * FROM shop_order_items WHERE order_id = ?", (o["id"],)
            ).fetchall(),
        )
        for o in orders
    ]


def _ordered(conn: sqlite3.Connection, product_ids: set[int]) -> bool:
    return any(i["product_id"] in product_ids for _, items in _new_orders(conn) for i in items)


def _check_single_order(conn: sqlite3.Connection, p: Params, *, trap_ids: set[int]) -> Verdict:
    """Exactly one new order, holding exactly the wanted line, to the wanted address."""
    trap = _ordered(conn, trap_ids)
    orders = _new_orders(conn)
    if len(orders) != 1:
        return failed(f"expected one new order, found {len(orders)}", trap=trap)
    order, items = orders[0]
    lines = [(i["product_id"], i["qty"], i["size"], i["color"]) for i in items]
    want = (p["product_id"], p["qty"], p.get("size"), p.get("color"))
    ok = len(lines) == 1 and all(w is None or w == g for w, g in zip(want, lines[0], strict=True))
    if not ok:
        return failed(f"order {order['number']} holds {lines}, wanted {want}", trap=trap)
    if p.get("address_id") and order["address_id"] != p["address_id"]:
        return failed(f"order {order['number']} ships to the wrong address", trap=trap)
    if p.get("coupon") and order["coupon"] != p["coupon"]:
        return failed(f"order {order['number']} used coupon {order['coupon']!r}", trap=trap)
    return passed(f"order {order['number']} is right")


# -- buy a named product among look-alikes (trap) ----------------------------------------

_BUY_CATEGORIES = ("running-shoes", "jackets")
_BUY_ADDRESSES = ("Work", "Lake house")


def make_buy_product(conn: sqlite3.Connection, variant: int) -> Instance:
    target, decoy = _lookalikes(conn, _BUY_CATEGORIES[variant])
    sizes, colors = target["sizes"].split(","), target["colors"].split(",")
    size, color = sizes[target["id"] % len(sizes)], colors[target["id"] % len(colors)]
    label = _BUY_ADDRESSES[variant]
    address = conn.execute("SELECT id FROM shop_addresses WHERE label = ?", (label,)).fetchone()
    goal = (
        f"Buy 2 of the {target['name']} in size {size}, color {color}, and ship them to my "
        f"{label} address."
    )
    return Instance(
        goal,
        {
            "product_id": target["id"],
            "decoy_id": decoy["id"],
            "qty": 2,
            "size": size,
            "color": color,
            "address_id": address["id"],
        },
    )


def verify_buy_product(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return _check_single_order(conn, p, trap_ids={p["decoy_id"]})


# -- buy the cheapest product of a department (trap: the sponsored one) --------------------

_CHEAP_CATEGORIES = ("desk-lamps", "coffee-makers")


def make_buy_cheapest(conn: sqlite3.Connection, variant: int) -> Instance:
    category = _CHEAP_CATEGORIES[variant]
    rows = conn.execute(
        "SELECT id FROM shop_products WHERE category = ? ORDER BY price_cents", (category,)
    ).fetchall()
    home = conn.execute("SELECT id FROM shop_addresses WHERE is_default = 1").fetchone()
    goal = (
        f"Order one unit of the cheapest product in the {CATEGORY_TITLES[category]} "
        "department, shipped to my home address."
    )
    return Instance(
        goal,
        {
            "product_id": rows[0]["id"],
            "qty": 1,
            "address_id": home["id"],
            "decoy_ids": [r["id"] for r in rows[1:]],
        },
    )


def verify_buy_cheapest(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return _check_single_order(conn, p, trap_ids=set(p["decoy_ids"]))


# -- cancel one pending order among look-alikes (trap) ------------------------------------

_CANCEL_CATEGORIES = ("headphones", "backpacks")


def _pending_order(conn: sqlite3.Connection, product_id: int) -> Row:
    return conn.execute(
        "SELECT o.* FROM shop_orders o JOIN shop_order_items i ON i.order_id = o.id"
        " WHERE i.product_id = ? AND o.status = 'processing'",
        (product_id,),
    ).fetchone()


def make_cancel_order(conn: sqlite3.Connection, variant: int) -> Instance:
    target, decoy = _lookalikes(conn, _CANCEL_CATEGORIES[variant])
    order = _pending_order(conn, target["id"])
    return Instance(
        f"Cancel my pending order for the {target['name']}.",
        {"number": order["number"], "decoy_number": _pending_order(conn, decoy["id"])["number"]},
    )


def verify_cancel_order(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    cancelled = {
        r[0] for r in conn.execute("SELECT number FROM shop_orders WHERE status = 'cancelled'")
    }
    wrong = cancelled - {p["number"]}
    if wrong:
        return failed(f"cancelled the wrong order(s): {sorted(wrong)}", trap=True)
    if p["number"] not in cancelled:
        return failed(f"order {p['number']} is still active")
    if _new_orders(conn):
        return failed("placed a new order")
    return passed(f"order {p['number']} is cancelled")


# -- order with this week's coupon --------------------------------------------------------


def make_coupon_order(conn: sqlite3.Connection, variant: int) -> Instance:
    item = conn.execute(
        "SELECT * FROM shop_products WHERE category = 'backpacks' AND family IS NULL"
        " AND id NOT IN (SELECT family FROM shop_products WHERE family IS NOT NULL)"
        " ORDER BY reviews DESC LIMIT 1"
    ).fetchone()
    coupon = conn.execute(
        "SELECT code FROM shop_coupons WHERE status = 'active' AND min_cents = 0"
    ).fetchone()
    goal = f"Buy one {item['name']} and use the coupon for this week's sale from the Deals page."
    return Instance(goal, {"product_id": item["id"], "qty": 1, "coupon": coupon["code"]})


def verify_coupon_order(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return _check_single_order(conn, p, trap_ids=set())


# -- fill the cart without buying ---------------------------------------------------------


def make_cart_add(conn: sqlite3.Connection, variant: int) -> Instance:
    item = conn.execute(
        "SELECT * FROM shop_products WHERE category = 'jackets' AND family IS NULL"
        " AND id NOT IN (SELECT family FROM shop_products WHERE family IS NOT NULL)"
        " ORDER BY rating DESC, id LIMIT 1"
    ).fetchone()
    goal = f"Put 3 of the {item['name']} in size L into my cart, but don't check out yet."
    return Instance(goal, {"product_id": item["id"], "qty": 3, "size": "L"})


def verify_cart_add(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    if _new_orders(conn):
        return failed("placed an order, which the goal ruled out")
    lines = conn.execute("SELECT product_id, size, qty FROM shop_cart").fetchall()
    if [tuple(r) for r in lines] != [(p["product_id"], p["size"], p["qty"])]:
        return failed(f"cart holds {[tuple(r) for r in lines]}")
    return passed("the cart holds the item")


# -- information seeking ------------------------------------------------------------------


def make_order_total(conn: sqlite3.Connection, variant: int) -> Instance:
    order = conn.execute(
        "SELECT * FROM shop_orders WHERE status = 'delivered' ORDER BY placed_at LIMIT 1"
    ).fetchone()
    return Instance(
        f"What was the total of my order {order['number']}?", {"total_cents": order["total_cents"]}
    )


def make_price_lookup(conn: sqlite3.Connection, variant: int) -> Instance:
    target, decoy = _lookalikes(conn, "desk-lamps")
    target, decoy = decoy, target  # the higher id, so the answer differs from buy-cheapest's
    return Instance(
        f"How much does the {target['name']} cost?",
        {"total_cents": target["price_cents"], "decoy_cents": decoy["price_cents"]},
    )


def verify_amount(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    if not answer:
        return failed("no answer given")
    if "decoy_cents" in p and mentions_amount(answer, p["decoy_cents"]):
        return failed(f"answered the look-alike's price: {answer!r}")
    if mentions_amount(answer, p["total_cents"]):
        return passed("the amount is right")
    return failed(f"wrong amount: {answer!r}")


TEMPLATES = [
    TaskTemplate(
        "shop.buy-product",
        make_buy_product,
        verify_buy_product,
        trap=True,
        min_actions=9,
        variants=2,
    ),
    TaskTemplate(
        "shop.buy-cheapest",
        make_buy_cheapest,
        verify_buy_cheapest,
        trap=True,
        min_actions=6,
        variants=2,
    ),
    TaskTemplate(
        "shop.cancel-order",
        make_cancel_order,
        verify_cancel_order,
        trap=True,
        min_actions=4,
        variants=2,
    ),
    TaskTemplate("shop.coupon-order", make_coupon_order, verify_coupon_order, min_actions=9),
    TaskTemplate("shop.cart-add", make_cart_add, verify_cart_add, min_actions=6),
    TaskTemplate("shop.order-total", make_order_total, verify_amount, min_actions=3),
    TaskTemplate("shop.price-lookup", make_price_lookup, verify_amount, min_actions=3),
]
