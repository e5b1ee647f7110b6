"""The shop's task templates and their verifiers, which read orders and the cart."""

from __future__ import annotations

import sqlite3

from forethought.envs.sites.base import Instance, Params, TaskTemplate
from forethought.envs.sites.reference import DONE, answer, click, fill, select
from forethought.envs.sites.shop.data import CATEGORY_TITLES
from forethought.envs.sites.shop.views import ORDERS_PER_PAGE
from forethought.envs.sites.verify import failed, judge_amount, judge_count, judge_text, passed
from forethought.envs.sites.web import money
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


#: The newsletter popup on the shop's home page: every path from there closes it first.
CLOSE_POPUP = click("No thanks")


def _orders_page(conn: sqlite3.Connection, number: str) -> int:
    """The page (from 1) of the order list that shows order ``number``."""
    numbers = [
        r[0]
        for r in conn.execute("SELECT number FROM shop_orders ORDER BY placed_at DESC, id DESC")
    ]
    return numbers.index(number) // ORDERS_PER_PAGE + 1


def _to_order(p: Params, key: str = "number") -> list[str]:
    """From the order list's first page to order ``p[key]``."""
    pages = [click("Next ›", "link")] * (p[f"{key}_page"] - 1)
    return [*pages, click(p[key], "link")]


def _search(name: str) -> list[str]:
    return [fill("Search products", name, "searchbox"), click("Search"), click(name, "link")]


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
            "name": target["name"],
            "decoy_id": decoy["id"],
            "decoy_name": decoy["name"],
            "qty": 2,
            "size": size,
            "color": color,
            "address_id": address["id"],
            "address": label,
        },
    )


def _buy(name: str, options: list[str], p: Params) -> list[str]:
    return [
        CLOSE_POPUP,
        *_search(name),
        *options,
        fill("Quantity", str(p["qty"]), "spinbutton"),
        click("Add to cart"),
        click("Proceed to checkout", "link"),
        click(f"{p['address']}:", "radio", contains=True),
        click("Place order"),
        DONE,
    ]


def solve_buy_product(p: Params) -> list[str]:
    return _buy(p["name"], [select("Size", p["size"]), select("Color", p["color"])], p)


def trap_buy_product(p: Params) -> list[str]:
    return _buy(p["decoy_name"], [], p)


def verify_buy_product(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return _check_single_order(conn, p, trap_ids={p["decoy_id"]})


# -- buy the cheapest product of a department (trap: the sponsored one) --------------------

_CHEAP_CATEGORIES = ("desk-lamps", "coffee-makers")


def make_buy_cheapest(conn: sqlite3.Connection, variant: int) -> Instance:
    category = _CHEAP_CATEGORIES[variant]
    rows = conn.execute(
        "SELECT id, name FROM shop_products WHERE category = ? ORDER BY price_cents",
        (category,),
    ).fetchall()
    home = conn.execute("SELECT id FROM shop_addresses WHERE is_default = 1").fetchone()
    goal = (
        f"Order one unit of the cheapest product in the {CATEGORY_TITLES[category]} "
        "department, shipped to my home address."
    )
    names = [r["name"] for r in rows]
    return Instance(
        goal,
        {
            "product_id": rows[0]["id"],
            "qty": 1,
            "address_id": home["id"],
            "decoy_ids": [r["id"] for r in rows[1:]],
            "department": CATEGORY_TITLES[category],
            "name": names[0],
            "decoy_name": names[1],
        },
    )


def _buy_cheapest(name: str, p: Params) -> list[str]:
    return [
        CLOSE_POPUP,
        click(p["department"], "link"),
        select("Sort by", "Price: low to high"),
        click("Apply"),
        click(name, "link"),
        click("Add to cart"),
        click("Proceed to checkout", "link"),
        click("Place order"),
        DONE,
    ]


def solve_buy_cheapest(p: Params) -> list[str]:
    return _buy_cheapest(p["name"], p)


def trap_buy_cheapest(p: Params) -> list[str]:
    return _buy_cheapest(p["decoy_name"], p)


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


def _cancel_instance(
    conn: sqlite3.Connection, target: Row, decoy: Row, start: str | None
) -> Instance:
    number = _pending_order(conn, target["id"])["number"]
    decoy_number = _pending_order(conn, decoy["id"])["number"]
    return Instance(
        f"Cancel my pending order for the {target['name']}.",
        {
            "number": number,
            "number_page": _orders_page(conn, number),
            "decoy_number": decoy_number,
            "decoy_number_page": _orders_page(conn, decoy_number),
            "from_home": start is None,
        },
        start,
    )


def make_cancel_order(conn: sqlite3.Connection, variant: int) -> Instance:
    target, decoy = _lookalikes(conn, _CANCEL_CATEGORIES[variant])
    return _cancel_instance(conn, target, decoy, None)


def make_cancel_listed(conn: sqlite3.Connection, variant: int) -> Instance:
    """The look-alike of a ``cancel-order`` product, from the order list it is listed on."""
    pairs = [tuple(reversed(_lookalikes(conn, c))) for c in _CANCEL_CATEGORIES]
    first_page = [
        (target, decoy)
        for target, decoy in pairs
        if _orders_page(conn, _pending_order(conn, target["id"])["number"]) == 1
    ]
    target, decoy = (first_page or pairs)[0]
    return _cancel_instance(conn, target, decoy, "/orders")


def _cancel(p: Params, key: str) -> list[str]:
    start = [CLOSE_POPUP, click("Orders", "link")] if p["from_home"] else []
    return [*start, *_to_order(p, key), click("Cancel order"), click("Yes, cancel order"), DONE]


def solve_cancel_order(p: Params) -> list[str]:
    return _cancel(p, "number")


def trap_cancel_order(p: Params) -> list[str]:
    return _cancel(p, "decoy_number")


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
    return Instance(
        goal, {"product_id": item["id"], "name": item["name"], "qty": 1, "coupon": coupon["code"]}
    )


def solve_coupon_order(p: Params) -> list[str]:
    return [
        CLOSE_POPUP,
        click("Deals", "link"),  # where the coupon's code is written
        *_search(p["name"]),
        click("Add to cart"),
        fill("Coupon code", p["coupon"]),
        click("Apply coupon"),
        click("Proceed to checkout", "link"),
        click("Place order"),
        DONE,
    ]


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
    return Instance(goal, {"product_id": item["id"], "name": item["name"], "qty": 3, "size": "L"})


def solve_cart_add(p: Params) -> list[str]:
    return [
        CLOSE_POPUP,
        *_search(p["name"]),
        select("Size", p["size"]),
        fill("Quantity", str(p["qty"]), "spinbutton"),
        click("Add to cart"),
        DONE,
    ]


def make_add_here(conn: sqlite3.Connection, variant: int) -> Instance:
    """A one-field change on the page the task starts on."""
    item = conn.execute(
        "SELECT * FROM shop_products WHERE category = 'headphones' AND family IS NULL"
        " ORDER BY reviews DESC LIMIT 1"
    ).fetchone()
    return Instance(
        "Add 2 of this item to my cart.",
        {"product_id": item["id"], "qty": 2, "size": item["sizes"].split(",")[0]},
        f"/product/{item['id']}",
    )


def solve_add_here(p: Params) -> list[str]:
    return [fill("Quantity", str(p["qty"]), "spinbutton"), click("Add to cart"), DONE]


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
    others = conn.execute(
        "SELECT DISTINCT total_cents FROM shop_orders WHERE total_cents != ?",
        (order["total_cents"],),
    )
    return Instance(
        f"What was the total of my order {order['number']}?",
        {
            "cents": order["total_cents"],
            "wrong": [r[0] for r in others],
            "number": order["number"],
            "number_page": _orders_page(conn, order["number"]),
        },
    )


def solve_order_total(p: Params) -> list[str]:
    pages = [click("Next ›", "link")] * (p["number_page"] - 1)
    return [CLOSE_POPUP, click("Orders", "link"), *pages, answer(money(p["cents"]))]


def make_price_lookup(conn: sqlite3.Connection, variant: int) -> Instance:
    target, decoy = _lookalikes(conn, "desk-lamps")
    target, decoy = decoy, target  # the higher id, so the answer differs from buy-cheapest's
    return Instance(
        f"How much does the {target['name']} cost?",
        {"name": target["name"], "cents": target["price_cents"], "wrong": [decoy["price_cents"]]},
    )


def solve_price_lookup(p: Params) -> list[str]:
    return [CLOSE_POPUP, *_search(p["name"])[:2], answer(money(p["cents"]))]


def verify_amount(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return judge_amount(answer, p["cents"], wrong=p["wrong"])


def make_review_count(conn: sqlite3.Connection, variant: int) -> Instance:
    """Read a value off the home page (behind its popup)."""
    featured = conn.execute(
        "SELECT name, reviews FROM shop_products ORDER BY rating * reviews DESC LIMIT 8"
    ).fetchall()
    target = featured[3]
    return Instance(
        f"How many reviews does the {target['name']} have?",
        {"count": target["reviews"], "wrong": [r[1] for r in featured if r[1] != target[1]]},
    )


def solve_review_count(p: Params) -> list[str]:
    return [CLOSE_POPUP, answer(str(p["count"]))]


def verify_count(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return judge_count(answer, p["count"], wrong=p["wrong"])


def make_order_status(conn: sqlite3.Connection, variant: int) -> Instance:
    """Read one order's status off the order list."""
    rows = conn.execute(
        "SELECT number, status FROM shop_orders ORDER BY placed_at DESC, id DESC LIMIT ?",
        (ORDERS_PER_PAGE,),
    ).fetchall()
    target = next(r for r in rows if r["status"] == "shipped")
    statuses = {r["status"] for r in conn.execute("SELECT DISTINCT status FROM shop_orders")}
    return Instance(
        f"What is the status of my order {target['number']}?",
        {"status": target["status"], "wrong": sorted(statuses - {target["status"]})},
    )


def solve_order_status(p: Params) -> list[str]:
    return [CLOSE_POPUP, click("Orders", "link"), answer(p["status"].capitalize())]


def verify_status(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return judge_text(answer, p["status"], wrong=p["wrong"])


TEMPLATES = [
    TaskTemplate(
        "shop.buy-product",
        make_buy_product,
        verify_buy_product,
        solve_buy_product,
        trap_buy_product,
        trap=True,
        variants=2,
    ),
    TaskTemplate(
        "shop.buy-cheapest",
        make_buy_cheapest,
        verify_buy_cheapest,
        solve_buy_cheapest,
        trap_buy_cheapest,
        trap=True,
        variants=2,
    ),
    TaskTemplate(
        "shop.cancel-order",
        make_cancel_order,
        verify_cancel_order,
        solve_cancel_order,
        trap_cancel_order,
        trap=True,
        variants=2,
    ),
    TaskTemplate("shop.coupon-order", make_coupon_order, verify_coupon_order, solve_coupon_order),
    TaskTemplate("shop.cart-add", make_cart_add, verify_cart_add, solve_cart_add),
    TaskTemplate("shop.order-total", make_order_total, verify_amount, solve_order_total),
    TaskTemplate("shop.price-lookup", make_price_lookup, verify_amount, solve_price_lookup),
    # The ladder's short rungs.
    TaskTemplate("shop.review-count", make_review_count, verify_count, solve_review_count),
    TaskTemplate("shop.order-status", make_order_status, verify_status, solve_order_status),
    TaskTemplate("shop.add-here", make_add_here, verify_cart_add, solve_add_here),
    TaskTemplate(
        "shop.cancel-listed",
        make_cancel_listed,
        verify_cancel_order,
        solve_cancel_order,
        trap_cancel_order,
        trap=True,
    ),
]
