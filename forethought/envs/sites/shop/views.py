"""The shop's pages: catalogue, product, cart, coupon, checkout, orders and account."""

from __future__ import annotations

import sqlite3
from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forethought.envs.sites.shop.data import CATEGORIES, CATEGORY_TITLES
from forethought.envs.sites.web import Pager, database, form, int_param, redirect, render

SORTS = {
    "relevance": "sponsored DESC, reviews DESC",
    "price-asc": "price_cents ASC",
    "price-desc": "price_cents DESC",
    "rating": "rating DESC, reviews DESC",
}
SHIPPING = {"Standard": 499, "Express": 1299}
FREE_SHIPPING_CENTS = 5000


#: Orders a page of the order list shows.
ORDERS_PER_PAGE = 10


def _common(conn: sqlite3.Connection) -> dict:
    count = conn.execute("SELECT COALESCE(SUM(qty), 0) FROM shop_cart").fetchone()[0]
    return {"categories": CATEGORIES, "category_titles": CATEGORY_TITLES, "cart_count": count}


async def home(request: Request) -> Response:
    with database(request) as conn:
        featured = conn.execute(
            "SELECT * FROM shop_products ORDER BY rating * reviews DESC LIMIT 8"
        ).fetchall()
        deals = conn.execute(
            "SELECT * FROM shop_products WHERE list_cents > price_cents"
            " ORDER BY list_cents - price_cents DESC LIMIT 4"
        ).fetchall()
        return render(request, "shop/home.html", featured=featured, deals=deals, **_common(conn))


async def search(request: Request) -> Response:
    q = request.query_params.get("q", "").strip()
    category = request.query_params.get("category", "")
    sort = request.query_params.get("sort", "relevance")
    per_page = int_param(request.query_params.get("per_page"), 12, hi=100)
    where, args = ["1 = 1"], []
    for word in q.split():
        where.append("(name LIKE ? OR brand LIKE ? OR category LIKE ?)")
        args += [f"%{word}%"] * 3
    if category in CATEGORY_TITLES:
        where.append("category = ?")
        args.append(category)
    clause = " AND ".join(where)
    with database(request) as conn:
        total = conn.execute(f"SELECT COUNT(*) FROM shop_products WHERE {clause}", args).fetchone()[
            0
        ]
        pager = Pager.of(request, total, per_page)
        products = conn.execute(
            f"SELECT * FROM shop_products WHERE {clause}"
            f" ORDER BY {SORTS.get(sort, SORTS['relevance'])}, id LIMIT ? OFFSET ?",
            [*args, per_page, pager.offset],
        ).fetchall()
        return render(
            request,
            "shop/search.html",
            products=products,
            pager=pager,
            q=q,
            category=category,
            sort=sort,
            sorts=list(SORTS),
            **_common(conn),
        )


async def category_page(request: Request) -> Response:
    slug = request.path_params["slug"]
    if slug not in CATEGORY_TITLES:
        return await not_found(request)
    return redirect("/shop/search", category=slug)


async def product(request: Request) -> Response:
    with database(request) as conn:
        item = conn.execute(
            "SELECT * FROM shop_products WHERE id = ?", (request.path_params["id"],)
        ).fetchone()
        if item is None:
            return await not_found(request)
        similar = conn.execute(
            "SELECT * FROM shop_products WHERE category = ? AND id != ?"
            " ORDER BY (family = ? OR id = ?) DESC, ABS(price_cents - ?) LIMIT 4",
            (item["category"], item["id"], item["id"], item["family"], item["price_cents"]),
        ).fetchall()
        return render(request, "shop/product.html", item=item, similar=similar, **_common(conn))


async def cart(request: Request) -> Response:
    with database(request) as conn:
        return render(request, "shop/cart.html", **_cart(conn), **_common(conn))


def _cart(conn: sqlite3.Connection) -> dict:
    lines = conn.execute(
        "SELECT c.*, p.name, p.price_cents, p.brand FROM shop_cart c"
        " JOIN shop_products p ON p.id = c.product_id ORDER BY c.id"
    ).fetchall()
    subtotal = sum(line["price_cents"] * line["qty"] for line in lines)
    row = conn.execute(
        "SELECT k.* FROM shop_cart_coupon c JOIN shop_coupons k ON k.code = c.code"
    ).fetchone()
    discount = subtotal * row["percent"] // 100 if row else 0
    return {"lines": lines, "subtotal": subtotal, "coupon": row, "discount": discount}


async def cart_add(request: Request) -> Response:
    data = await form(request)
    with database(request) as conn:
        item = conn.execute(
            "SELECT * FROM shop_products WHERE id = ?", (data.get("product_id", ""),)
        ).fetchone()
        if item is None:
            return redirect("/shop/cart", msg="That product is no longer available.")
        size = data.get("size") or item["sizes"].split(",")[0]
        color = data.get("color") or item["colors"].split(",")[0]
        qty = int_param(data.get("qty"), 1, hi=20)
        if size not in item["sizes"].split(",") or color not in item["colors"].split(","):
            return redirect(f"/shop/product/{item['id']}", msg="Please choose a size and color.")
        existing = conn.execute(
            "SELECT id FROM shop_cart WHERE product_id = ? AND size = ? AND color = ?",
            (item["id"], size, color),
        ).fetchone()
        if existing:
            conn.execute("UPDATE shop_cart SET qty = qty + ? WHERE id = ?", (qty, existing["id"]))
        else:
            conn.execute(
                "INSERT INTO shop_cart (product_id, size, color, qty) VALUES (?,?,?,?)",
                (item["id"], size, color, qty),
            )
    return redirect("/shop/cart", msg=f"Added {qty} × {item['name']} to your cart.")


async def cart_update(request: Request) -> Response:
    data = await form(request)
    qty = int_param(data.get("qty"), 1, lo=0, hi=20)
    with database(request) as conn:
        if qty == 0:
            conn.execute("DELETE FROM shop_cart WHERE id = ?", (data.get("line_id"),))
        else:
            conn.execute("UPDATE shop_cart SET qty = ? WHERE id = ?", (qty, data.get("line_id")))
    return redirect("/shop/cart", msg="Cart updated.")


async def cart_remove(request: Request) -> Response:
    data = await form(request)
    with database(request) as conn:
        conn.execute("DELETE FROM shop_cart WHERE id = ?", (data.get("line_id"),))
    return redirect("/shop/cart", msg="Item removed.")


async def cart_coupon(request: Request) -> Response:
    code = (await form(request)).get("code", "").upper()
    with database(request) as conn:
        coupon = conn.execute("SELECT * FROM shop_coupons WHERE code = ?", (code,)).fetchone()
        subtotal = _cart(conn)["subtotal"]
        problem = _coupon_problem(coupon, subtotal)
        if problem:
            return redirect("/shop/cart", msg=problem)
        conn.execute("DELETE FROM shop_cart_coupon")
        conn.execute("INSERT INTO shop_cart_coupon (code) VALUES (?)", (code,))
    return redirect("/shop/cart", msg=f"Coupon {code} applied.")


def _coupon_problem(coupon: sqlite3.Row | None, subtotal: int) -> str:
    if coupon is None:
        return "That coupon code is not valid."
    if coupon["status"] == "expired":
        return f"Coupon {coupon['code']} has expired."
    if coupon["status"] == "first_order":
        return f"Coupon {coupon['code']} is only valid on a first order."
    if subtotal < coupon["min_cents"]:
        return f"Coupon {coupon['code']} needs a subtotal of ${coupon['min_cents'] // 100}."
    return ""


async def checkout(request: Request) -> Response:
    with database(request) as conn:
        addresses = conn.execute("SELECT * FROM shop_addresses ORDER BY id").fetchall()
        state = _cart(conn)
        if not state["lines"]:
            return redirect("/shop/cart", msg="Your cart is empty.")
        return render(
            request,
            "shop/checkout.html",
            addresses=addresses,
            shipping=SHIPPING,
            free_over=FREE_SHIPPING_CENTS,
            **state,
            **_common(conn),
        )


async def place_order(request: Request) -> Response:
    data = await form(request)
    with database(request) as conn:
        state = _cart(conn)
        address = conn.execute(
            "SELECT id FROM shop_addresses WHERE id = ?", (data.get("address_id", ""),)
        ).fetchone()
        method = data.get("shipping", "Standard")
        if not state["lines"] or address is None or method not in SHIPPING:
            return redirect("/shop/checkout", msg="Choose a shipping address and method.")
        base = state["subtotal"] - state["discount"]
        fee = 0 if method == "Standard" and base >= FREE_SHIPPING_CENTS else SHIPPING[method]
        number = _new_order_number(conn)
        cur = conn.execute(
            "INSERT INTO shop_orders (number, status, placed_at, address_id, shipping,"
            " subtotal_cents, discount_cents, shipping_cents, total_cents, coupon)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                number,
                "processing",
                date.today().isoformat(),
                address["id"],
                method,
                state["subtotal"],
                state["discount"],
                fee,
                base + fee,
                state["coupon"]["code"] if state["coupon"] else None,
            ),
        )
        conn.executemany(
            "INSERT INTO shop_order_items (order_id, product_id, size, color, qty, price_cents)"
            " VALUES (?,?,?,?,?,?)",
            [
                (
                    cur.lastrowid,
                    ln["product_id"],
                    ln["size"],
                    ln["color"],
                    ln["qty"],
                    ln["price_cents"],
                )
                for ln in state["lines"]
            ],
        )
        conn.execute("DELETE FROM shop_cart")
        conn.execute("DELETE FROM shop_cart_coupon")
    return redirect(f"/shop/orders/{number}", msg=f"Thank you! Order {number} is confirmed.")


def _new_order_number(conn: sqlite3.Connection) -> str:
    taken = {row[0] for row in conn.execute("SELECT number FROM shop_orders")}
    n = 70000 + 37 * len(taken)
    while f"FT-{n}" in taken:
        n += 1
    return f"FT-{n}"


async def orders(request: Request) -> Response:
    with database(request) as conn:
        total = conn.execute("SELECT COUNT(*) FROM shop_orders").fetchone()[0]
        pager = Pager.of(request, total, ORDERS_PER_PAGE)
        rows = conn.execute(
            "SELECT o.*, (SELECT group_concat(p.name, ', ') FROM shop_order_items i"
            " JOIN shop_products p ON p.id = i.product_id WHERE i.order_id = o.id) AS items"
            " FROM shop_orders o ORDER BY o.placed_at DESC, o.id DESC LIMIT ? OFFSET ?",
            (pager.per_page, pager.offset),
        ).fetchall()
        return render(request, "shop/orders.html", orders=rows, pager=pager, **_common(conn))


async def order(request: Request) -> Response:
    with database(request) as conn:
        row = conn.execute(
            "SELECT o.*, a.label, a.name AS recipient, a.street, a.city, a.zip FROM shop_orders o"
            " JOIN shop_addresses a ON a.id = o.address_id WHERE o.number = ?",
            (request.path_params["number"],),
        ).fetchone()
        if row is None:
            return await not_found(request)
        items = conn.execute(
            "SELECT i.*, p.name FROM shop_order_items i JOIN shop_products p ON p.id = i.product_id"
            " WHERE i.order_id = ?",
            (row["id"],),
        ).fetchall()
        return render(request, "shop/order.html", order=row, items=items, **_common(conn))


async def cancel_order(request: Request) -> Response:
    number = request.path_params["number"]
    with database(request) as conn:
        cur = conn.execute(
            "UPDATE shop_orders SET status = 'cancelled'"
            " WHERE number = ? AND status = 'processing'",
            (number,),
        )
    msg = (
        f"Order {number} was cancelled."
        if cur.rowcount
        else "This order can no longer be cancelled."
    )
    return redirect(f"/shop/orders/{number}", msg=msg)


async def account(request: Request) -> Response:
    with database(request) as conn:
        addresses = conn.execute("SELECT * FROM shop_addresses ORDER BY id").fetchall()
        return render(request, "shop/account.html", addresses=addresses, **_common(conn))


async def deals(request: Request) -> Response:
    with database(request) as conn:
        coupons = conn.execute("SELECT * FROM shop_coupons").fetchall()
        discounted = conn.execute(
            "SELECT * FROM shop_products WHERE list_cents > price_cents"
            " ORDER BY list_cents - price_cents DESC LIMIT 6"
        ).fetchall()
        return render(
            request, "shop/deals.html", coupons=coupons, discounted=discounted, **_common(conn)
        )


async def newsletter(request: Request) -> Response:
    email = (await form(request)).get("email", "")
    with database(request) as conn:
        if "@" in email:
            conn.execute("INSERT INTO shop_newsletter (email) VALUES (?)", (email,))
    return redirect("/shop/", msg="Thanks for subscribing!" if "@" in email else "Enter an email.")


async def not_found(request: Request) -> Response:
    with database(request) as conn:
        return render(request, "shop/missing.html", status_code=404, **_common(conn))


ROUTES: list[BaseRoute] = [
    Route("/", home),
    Route("/search", search),
    Route("/category/{slug}", category_page),
    Route("/product/{id:int}", product),
    Route("/cart", cart),
    Route("/cart/add", cart_add, methods=["POST"]),
    Route("/cart/update", cart_update, methods=["POST"]),
    Route("/cart/remove", cart_remove, methods=["POST"]),
    Route("/cart/coupon", cart_coupon, methods=["POST"]),
    Route("/checkout", checkout),
    Route("/checkout", place_order, methods=["POST"]),
    Route("/orders", orders),
    Route("/orders/{number}", order),
    Route("/orders/{number}/cancel", cancel_order, methods=["POST"]),
    Route("/account", account),
    Route("/deals", deals),
    Route("/newsletter", newsletter, methods=["POST"]),
]
