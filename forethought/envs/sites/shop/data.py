"""The shop's tables and seeded catalogue: products with look-alike siblings, orders, coupons."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from datetime import timedelta

from forethought.envs.sites import names

SCHEMA = """
CREATE TABLE shop_products (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, brand TEXT NOT NULL, category TEXT NOT NULL,
  price_cents INTEGER NOT NULL, list_cents INTEGER NOT NULL, rating REAL NOT NULL,
  reviews INTEGER NOT NULL, stock INTEGER NOT NULL, sizes TEXT NOT NULL, colors TEXT NOT NULL,
  description TEXT NOT NULL, sponsored INTEGER NOT NULL DEFAULT 0,
  family INTEGER REFERENCES shop_products(id)
);
CREATE TABLE shop_addresses (
  id INTEGER PRIMARY KEY, label TEXT NOT NULL, name TEXT NOT NULL, street TEXT NOT NULL,
  city TEXT NOT NULL, zip TEXT NOT NULL, is_default INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE shop_coupons (
  code TEXT PRIMARY KEY, percent INTEGER NOT NULL, min_cents INTEGER NOT NULL,
  status TEXT NOT NULL, blurb TEXT NOT NULL
);
CREATE TABLE shop_cart (
  id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES shop_products(id),
  size TEXT NOT NULL, color TEXT NOT NULL, qty INTEGER NOT NULL
);
CREATE TABLE shop_cart_coupon (code TEXT NOT NULL);
CREATE TABLE shop_orders (
  id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, status TEXT NOT NULL,
  placed_at TEXT NOT NULL, address_id INTEGER NOT NULL REFERENCES shop_addresses(id),
  shipping TEXT NOT NULL, subtotal_cents INTEGER NOT NULL, discount_cents INTEGER NOT NULL,
  shipping_cents INTEGER NOT NULL, total_cents INTEGER NOT NULL, coupon TEXT,
  seeded INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE shop_order_items (
  id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES shop_orders(id),
  product_id INTEGER NOT NULL REFERENCES shop_products(id), size TEXT NOT NULL,
  color TEXT NOT NULL, qty INTEGER NOT NULL, price_cents INTEGER NOT NULL
);
CREATE TABLE shop_newsletter (email TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Category:
    slug: str
    title: str
    nouns: tuple[str, ...]
    sizes: tuple[str, ...]
    price: tuple[int, int]


CATEGORIES = (
    Category(
        "running-shoes",
        "Running Shoes",
        ("Trail Runner", "Road Racer", "Tempo Trainer", "Cloud Jogger"),
        ("7", "8", "9", "10", "11", "12"),
        (59, 189),
    ),
    Category(
        "jackets",
        "Jackets",
        ("Rain Shell", "Down Parka", "Fleece Jacket", "Windbreaker"),
        ("XS", "S", "M", "L", "XL"),
        (39, 259),
    ),
    Category(
        "headphones",
        "Headphones",
        ("Wireless Headphones", "Noise-Cancelling Headphones", "Sport Earbuds", "Studio Monitors"),
        ("One size",),
        (29, 349),
    ),
    Category(
        "backpacks",
        "Backpacks",
        ("Daypack 20L", "Commuter Pack", "Travel Pack 40L", "Laptop Backpack"),
        ("One size",),
        (25, 179),
    ),
    Category(
        "coffee-makers",
        "Coffee Makers",
        ("Drip Brewer", "Espresso Machine", "Pour-Over Kit", "French Press"),
        ("One size",),
        (19, 449),
    ),
    Category(
        "desk-lamps",
        "Desk Lamps",
        ("LED Desk Lamp", "Clamp Lamp", "Task Light", "Arc Lamp"),
        ("One size",),
        (15, 149),
    ),
)
CATEGORY_TITLES = {c.slug: c.title for c in CATEGORIES}

MODELS = [
    "Aurora",
    "Summit",
    "Nimbus",
    "Vector",
    "Halo",
    "Drift",
    "Orbit",
    "Cadence",
    "Sonar",
    "Quartz",
    "Ember",
    "Fjord",
    "Glacier",
    "Harbor",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meridian",
    "Nova",
    "Onyx",
    "Pioneer",
    "Ridge",
    "Sierra",
    "Tundra",
    "Vista",
    "Willow",
    "Zephyr",
    "Atlas",
]
BRANDS = ["Northpeak", "Altura", "Brightline", "Kinfolk", "Veloce", "Mirren", "Oakhaven", "Strata"]
SIBLING_SUFFIXES = ["Lite", "Pro", "2", "Kids", "Max", "Plus"]
COLORS = ["Black", "Navy", "Olive", "Grey", "Red", "White", "Sand", "Teal"]
FEATURES = [
    "a recycled shell",
    "a two-year warranty",
    "free returns within 30 days",
    "a lightweight build",
    "reinforced seams",
    "an energy-saving mode",
    "a travel pouch",
    "a water-resistant finish",
]
PER_CATEGORY = 8
SIBLINGS_PER_CATEGORY = 2


def seed(conn: sqlite3.Connection, rng: random.Random) -> None:
    products = _catalogue(rng)
    rng.shuffle(products)  # the order of records varies by seed
    for row in products:
        conn.execute(
            "INSERT INTO shop_products (name, brand, category, price_cents, list_cents, rating,"
            " reviews, stock, sizes, colors, description) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            row[:11],
        )
    _link_siblings(conn, {row[0]: row[11] for row in products})
    _sponsor(conn)
    owner = names.person(rng)
    for i, label in enumerate(["Home", "Work", "Lake house"]):
        street = f"{rng.randint(10, 990)} {rng.choice(names.STREETS)}"
        city, zip_code = rng.choice(names.CITIES)
        conn.execute(
            "INSERT INTO shop_addresses (label, name, street, city, zip, is_default)"
            " VALUES (?,?,?,?,?,?)",
            (label, owner, street, city, zip_code, int(i == 0)),
        )
    _coupons(conn, rng)
    _orders(conn, rng)


def _catalogue(rng: random.Random) -> list[tuple]:
    models = rng.sample(MODELS, len(MODELS))
    rows: list[tuple] = []
    prices: set[int] = set()
    for category in CATEGORIES:
        for i in range(PER_CATEGORY):
            model = models[(CATEGORIES.index(category) * 3 + i) % len(models)]
            noun = category.nouns[i % len(category.nouns)]
            base = _product(rng, category, f"{model} {noun}", rng.choice(BRANDS), prices, None)
            rows.append(base)
            if i < SIBLINGS_PER_CATEGORY:
                suffix = rng.choice(SIBLING_SUFFIXES)
                rows.append(
                    _product(rng, category, f"{model} {noun} {suffix}", base[1], prices, base[0])
                )
    return rows


def _product(
    rng: random.Random,
    category: Category,
    name: str,
    brand: str,
    prices: set[int],
    family: str | None,
) -> tuple:
    while True:
        price = rng.randint(*category.price) * 100 - rng.choice([1, 5, 51])
        if price not in prices:
            prices.add(price)
            break
    list_price = price + rng.choice([0, 0, 1000, 2000, 3000])
    colors = ",".join(rng.sample(COLORS, 3))
    description = (
        f"The {name} by {brand} comes with {rng.choice(FEATURES)} and "
        f"{rng.choice(FEATURES)}. Model year {rng.choice([2023, 2024, 2025])}."
    )
    return (
        name,
        brand,
        category.slug,
        price,
        list_price,
        round(rng.uniform(3.1, 4.9), 1),
        rng.randint(3, 2400),
        rng.randint(2, 80),
        ",".join(category.sizes),
        colors,
        description,
        family,
    )


def _link_siblings(conn: sqlite3.Connection, families: dict[str, str | None]) -> None:
    for name, parent in families.items():
        if parent:
            conn.execute(
                "UPDATE shop_products SET family = (SELECT id FROM shop_products WHERE name = ?)"
                " WHERE name = ?",
                (parent, name),
            )


def _sponsor(conn: sqlite3.Connection) -> None:
    """In every category, promote the second-cheapest product: it sits above the cheapest."""
    for category in CATEGORIES:
        conn.execute(
            "UPDATE shop_products SET sponsored = 1 WHERE id = (SELECT id FROM shop_products"
            " WHERE category = ? ORDER BY price_cents LIMIT 1 OFFSET 1)",
            (category.slug,),
        )


def _coupons(conn: sqlite3.Connection, rng: random.Random) -> None:
    season = rng.choice(["SUMMER", "SUNNY", "BEACH", "HOLIDAY"])
    pct = rng.choice([10, 15, 20])
    coupons = [
        (f"{season}{pct}", pct, 0, "active", f"{pct}% off everything this week."),
        (f"SPRING{pct + 5}", pct + 5, 0, "expired", f"{pct + 5}% off (ended in May)."),
        ("WELCOME10", 10, 0, "first_order", "10% off your first order."),
        ("BIGSPEND25", 25, 50_000, "active", "25% off orders over $500."),
    ]
    conn.executemany("INSERT INTO shop_coupons VALUES (?,?,?,?,?)", coupons)


def _orders(conn: sqlite3.Connection, rng: random.Random) -> None:
    """Past orders, plus pending orders for both members of two look-alike families."""
    products = conn.execute("SELECT id, price_cents, sizes, colors FROM shop_products").fetchall()
    families = conn.execute(
        "SELECT family, id FROM shop_products WHERE family IS NOT NULL"
        " AND category IN ('headphones', 'backpacks') ORDER BY category, id"
    ).fetchall()
    pending = [pid for pair in families for pid in pair]
    plan = [
        (rng.choice(products)["id"], rng.choice(["delivered", "shipped", "delivered"]))
        for _ in range(8)
    ]
    plan += [(pid, "processing") for pid in pending]
    rng.shuffle(plan)
    numbers: set[str] = set()
    day = names.start_date(rng) - timedelta(days=60)
    for product_id, status in plan:
        while (number := f"FT-{rng.randint(10000, 99999)}") in numbers:
            pass
        numbers.add(number)
        product = next(p for p in products if p["id"] == product_id)
        qty = rng.randint(1, 2)
        subtotal = product["price_cents"] * qty
        shipping = 0 if subtotal >= 5000 else 499
        day += timedelta(days=rng.randint(2, 7))
        cur = conn.execute(
            "INSERT INTO shop_orders (number, status, placed_at, address_id, shipping,"
            " subtotal_cents, discount_cents, shipping_cents, total_cents, coupon, seeded)"
            " VALUES (?,?,?,?,?,?,0,?,?,NULL,1)",
            (
                number,
                status,
                day.isoformat(),
                rng.randint(1, 3),
                "Standard",
                subtotal,
                shipping,
                subtotal + shipping,
            ),
        )
        conn.execute(
            "INSERT INTO shop_order_items (order_id, product_id, size, color, qty, price_cents)"
            " VALUES (?,?,?,?,?,?)",
            (
                cur.lastrowid,
                product_id,
                product["sizes"].split(",")[0],
                product["colors"].split(",")[0],
                qty,
                product["price_cents"],
            ),
        )
