"""The travel site's tables and seeded inventory: flights over three days, hotels, bookings."""

from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta
from typing import Any

from forethought.envs.sites import names

SCHEMA = """
CREATE TABLE travel_profile (name TEXT NOT NULL, email TEXT NOT NULL);
CREATE TABLE travel_cities (code TEXT PRIMARY KEY, name TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE travel_flights (
  id INTEGER PRIMARY KEY, number TEXT NOT NULL, airline TEXT NOT NULL,
  origin TEXT NOT NULL REFERENCES travel_cities(code),
  destination TEXT NOT NULL REFERENCES travel_cities(code), day TEXT NOT NULL,
  depart TEXT NOT NULL, arrive TEXT NOT NULL, stops INTEGER NOT NULL,
  price_cents INTEGER NOT NULL, seats INTEGER NOT NULL
);
CREATE TABLE travel_hotels (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL REFERENCES travel_cities(code),
  stars INTEGER NOT NULL, price_cents INTEGER NOT NULL, rating REAL NOT NULL,
  amenities TEXT NOT NULL
);
CREATE TABLE travel_bookings (
  id INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, item_id INTEGER NOT NULL,
  traveler TEXT NOT NULL, day TEXT NOT NULL, nights INTEGER NOT NULL DEFAULT 0,
  guests INTEGER NOT NULL DEFAULT 1, status TEXT NOT NULL, total_cents INTEGER NOT NULL,
  seeded INTEGER NOT NULL DEFAULT 0
);
"""

CITIES = [
    ("LIS", "Lisbon"),
    ("MAD", "Madrid"),
    ("BCN", "Barcelona"),
    ("AMS", "Amsterdam"),
    ("BER", "Berlin"),
    ("CPH", "Copenhagen"),
    ("VIE", "Vienna"),
    ("DUB", "Dublin"),
    ("PRG", "Prague"),
    ("ROM", "Rome"),
]
AIRLINES = [("Bluejet", "BJ"), ("Northwind Air", "NW"), ("Coral Airways", "CR"), ("SkyLark", "SL")]
HOTEL_PREFIXES = [
    "Harbor View",
    "Grand Meridian",
    "Old Town",
    "Riverside",
    "Park Lane",
    "Sunset",
    "Cobblestone",
    "Royal Garden",
    "Station",
    "Bluebell",
]
HOTEL_NOUNS = ["Hotel", "Inn", "Suites", "Lodge", "Residences"]
AMENITIES = ["Free Wi-Fi", "Breakfast included", "Pool", "Gym", "Airport shuttle", "Spa", "Parking"]
DAYS = 3
FLIGHTS_PER_DAY = 3
HOTELS_PER_CITY = 8
#: How many days of check-in the hotel forms offer.
CHECKIN_WINDOW = 10


def seed(conn: sqlite3.Connection, rng: random.Random) -> None:
    conn.execute(
        "INSERT INTO travel_profile VALUES (?, ?)",
        (name := names.person(rng), names.email_of(name, "quillpost.com")),
    )
    cities = rng.sample(CITIES, 5)
    conn.executemany(
        "INSERT INTO travel_cities VALUES (?,?,?)", [(c, n, i) for i, (c, n) in enumerate(cities)]
    )
    first = names.start_date(rng)
    days = [first + timedelta(days=i) for i in range(DAYS)]
    flights = _flights(rng, [c for c, _ in cities], days)
    rng.shuffle(flights)
    conn.executemany(
        "INSERT INTO travel_flights (number, airline, origin, destination, day, depart, arrive,"
        " stops, price_cents, seats) VALUES (?,?,?,?,?,?,?,?,?,?)",
        flights,
    )
    hotels = _hotels(rng, [c for c, _ in cities])
    rng.shuffle(hotels)
    conn.executemany(
        "INSERT INTO travel_hotels (name, city, stars, price_cents, rating, amenities)"
        " VALUES (?,?,?,?,?,?)",
        hotels,
    )
    _bookings(conn, rng, name)


def routes(codes: list[str]) -> list[tuple[str, str]]:
    """The routes flown: out from the first city, and back from two of them."""
    home = codes[0]
    return [(home, c) for c in codes[1:]] + [(codes[1], home), (codes[2], home)]


def _flights(rng: random.Random, codes: list[str], days: list[date]) -> list[tuple]:
    rows: list[dict[str, Any]] = []
    prices: set[int] = set()
    for origin, destination in routes(codes):
        for day in days:
            for _ in range(FLIGHTS_PER_DAY):
                airline, prefix = rng.choice(AIRLINES)
                while (price := rng.randint(60, 420) * 100 - 1) in prices:
                    pass
                prices.add(price)
                rows.append(
                    {
                        "number": f"{prefix}{rng.randint(100, 989)}",
                        "airline": airline,
                        "origin": origin,
                        "destination": destination,
                        "day": day,
                        "depart": rng.randint(6 * 4, 21 * 4) * 15,
                        "stops": int(rng.random() < 0.35),
                        "price": price,
                        "seats": rng.randint(1, 40),
                    }
                )
    _shape(rows, routes(codes), days)
    return [
        (
            r["number"],
            r["airline"],
            r["origin"],
            r["destination"],
            r["day"].isoformat(),
            _clock(r["depart"]),
            _clock(r["depart"] + (110 if not r["stops"] else 230)),
            r["stops"],
            r["price"],
            r["seats"],
        )
        for r in rows
    ]


def _shape(rows: list[dict[str, Any]], flown: list[tuple[str, str]], days: list[date]) -> None:
    """Make the tasks' temptations real: cheaper flights a day later, an early one-stop."""

    def on(route: tuple[str, str], day: date) -> list[dict[str, Any]]:
        return [r for r in rows if (r["origin"], r["destination"]) == route and r["day"] == day]

    for route in flown[:2]:
        cheapest = min(r["price"] for r in on(route, days[1]))
        on(route, days[2])[0]["price"] = cheapest - 2100 - flown.index(route) * 300
    early = sorted(on(flown[2], days[0]), key=lambda r: r["depart"])
    early[0]["stops"], early[1]["stops"] = 1, 0
    early[0]["depart"] = min(early[0]["depart"], early[1]["depart"] - 60)


def _clock(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _hotels(rng: random.Random, codes: list[str]) -> list[tuple]:
    rows = []
    for index, city in enumerate(codes):
        prefixes = rng.sample(HOTEL_PREFIXES, HOTELS_PER_CITY)
        nouns = [rng.choice(HOTEL_NOUNS) for _ in prefixes]
        if index == 1:  # two look-alike hotels in one city
            prefixes[1] = prefixes[0]
            nouns[1] = next(n for n in HOTEL_NOUNS if n != nouns[0])
        for i, (prefix, noun) in enumerate(zip(prefixes, nouns, strict=True)):
            stars = 4 if i < 3 else rng.randint(2, 5)
            rows.append(
                (
                    f"{prefix} {noun}",
                    city,
                    stars,
                    rng.randint(45, 320) * 100,
                    round(rng.uniform(6.5, 9.7), 1),
                    ", ".join(rng.sample(AMENITIES, 3)),
                )
            )
    return rows


def _bookings(conn: sqlite3.Connection, rng: random.Random, traveler: str) -> None:
    """Two upcoming flights on one route, two stays at look-alike hotels, and past trips."""
    codes = [r[0] for r in conn.execute("SELECT code FROM travel_cities ORDER BY position")]
    route = routes(codes)[3]
    days = sorted({r[0] for r in conn.execute("SELECT day FROM travel_flights")})
    plan: list[tuple[str, int, str, int, str]] = []
    for day in (days[0], days[2]):
        flight = conn.execute(
            "SELECT id, price_cents FROM travel_flights WHERE origin = ? AND destination = ?"
            " AND day = ? ORDER BY depart LIMIT 1",
            (*route, day),
        ).fetchone()
        plan.append(("flight", flight[0], day, 0, "confirmed"))
    pair = lookalike_hotels(conn, codes[1])
    others = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM travel_hotels WHERE city != ? ORDER BY id", (codes[1],)
        )
    ]
    for hotel_id, offset in zip(pair, (3, 5), strict=True):
        plan.append(
            (
                "hotel",
                hotel_id,
                (date.fromisoformat(days[0]) + timedelta(days=offset)).isoformat(),
                2,
                "confirmed",
            )
        )
    for i in range(3):
        hotel = others.pop(rng.randrange(len(others)))
        past = date.fromisoformat(days[0]) - timedelta(days=40 + 25 * i)
        plan.append(("hotel", hotel, past.isoformat(), rng.randint(1, 4), "completed"))
    rng.shuffle(plan)
    refs: set[str] = set()
    for kind, item, day, nights, status in plan:
        while (ref := names.code(rng)) in refs:
            pass
        refs.add(ref)
        table = "travel_flights" if kind == "flight" else "travel_hotels"
        price = conn.execute(f"SELECT price_cents FROM {table} WHERE id = ?", (item,)).fetchone()[0]
        conn.execute(
            "INSERT INTO travel_bookings (ref, kind, item_id, traveler, day, nights, guests,"
            " status, total_cents, seeded) VALUES (?,?,?,?,?,?,?,?,?,1)",
            (ref, kind, item, traveler, day, nights, 1, status, price * max(nights, 1)),
        )


def lookalike_hotels(conn: sqlite3.Connection, city: str) -> list[int]:
    """The ids of the two hotels in ``city`` whose names share a prefix, in id order."""
    rows = conn.execute(
        "SELECT id, name FROM travel_hotels WHERE city = ? ORDER BY id", (city,)
    ).fetchall()
    for a in rows:
        for b in rows:
            if a["id"] < b["id"] and a["name"].rsplit(" ", 1)[0] == b["name"].rsplit(" ", 1)[0]:
                return [a["id"], b["id"]]
    raise LookupError(f"no look-alike hotels in {city}")
