"""The travel site's task templates and their verifiers, which read the bookings."""

from __future__ import annotations

import sqlite3
from datetime import date

from forethought.envs.sites import names
from forethought.envs.sites.base import Instance, Params, TaskTemplate
from forethought.envs.sites.travel.data import lookalike_hotels, routes
from forethought.envs.sites.verify import failed, mentions, mentions_amount, passed
from forethought.envs.types import Verdict

Row = sqlite3.Row


def _codes(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT code FROM travel_cities ORDER BY position")]


def _city(conn: sqlite3.Connection, code: str) -> str:
    return conn.execute("SELECT name FROM travel_cities WHERE code = ?", (code,)).fetchone()[0]


def _days(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT day FROM travel_flights ORDER BY day")]


def _label(day: str) -> str:
    return names.long_date(date.fromisoformat(day))


def _route_text(conn: sqlite3.Connection, route: tuple[str, str]) -> str:
    return f"from {_city(conn, route[0])} to {_city(conn, route[1])}"


def _flights_on(
    conn: sqlite3.Connection, route: tuple[str, str], day: str, order: str
) -> list[Row]:
    return conn.execute(
        f"SELECT * FROM travel_flights WHERE origin = ? AND destination = ? AND day = ?"
        f" ORDER BY {order}",
        (*route, day),
    ).fetchall()


def _new_bookings(conn: sqlite3.Connection, kind: str) -> list[Row]:
    return conn.execute(
        "SELECT * FROM travel_bookings WHERE seeded = 0 AND kind = ? ORDER BY id", (kind,)
    ).fetchall()


# -- book a flight (trap: a cheaper flight on another day, an earlier one with a stop) -----


def make_cheapest_flight(conn: sqlite3.Connection, variant: int) -> Instance:
    route = routes(_codes(conn))[variant]
    day = _days(conn)[1]
    target = _flights_on(conn, route, day, "price_cents")[0]
    goal = f"Book the cheapest flight {_route_text(conn, route)} on {_label(day)}."
    return Instance(goal, {"flight_id": target["id"]})


def make_earliest_nonstop(conn: sqlite3.Connection, variant: int) -> Instance:
    route = routes(_codes(conn))[2]
    day = _days(conn)[0]
    target = next(f for f in _flights_on(conn, route, day, "depart") if f["stops"] == 0)
    goal = f"Book the earliest non-stop flight {_route_text(conn, route)} on {_label(day)}."
    return Instance(goal, {"flight_id": target["id"]})


def verify_flight(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    booked = _new_bookings(conn, "flight")
    wrong = [b["item_id"] for b in booked if b["item_id"] != p["flight_id"]]
    if wrong:
        return failed(f"booked the wrong flight(s) {wrong}", trap=True)
    if len(booked) != 1:
        return failed(f"expected one new flight booking, found {len(booked)}")
    return passed(f"booked flight {p['flight_id']}")


# -- reserve a hotel -----------------------------------------------------------------------

_STAYS = ((3, 2, 4), (4, 3, 1))  # (city position, nights, guests)


def make_book_hotel(conn: sqlite3.Connection, variant: int) -> Instance:
    position, nights, guests = _STAYS[variant]
    city = _codes(conn)[position]
    target = conn.execute(
        "SELECT * FROM travel_hotels WHERE city = ? ORDER BY rating DESC LIMIT 1", (city,)
    ).fetchone()
    checkin = _days(conn)[variant + 1]
    goal = (
        f"Reserve the {target['name']} in {_city(conn, city)} for {nights} nights, checking in"
        f" on {_label(checkin)}, for {guests} guest{'s' if guests > 1 else ''}."
    )
    return Instance(
        goal, {"hotel_id": target["id"], "checkin": checkin, "nights": nights, "guests": guests}
    )


def make_cheapest_hotel(conn: sqlite3.Connection, variant: int) -> Instance:
    city = _codes(conn)[2]
    target = conn.execute(
        "SELECT * FROM travel_hotels WHERE city = ? AND stars = 4 ORDER BY price_cents LIMIT 1",
        (city,),
    ).fetchone()
    checkin = _days(conn)[0]
    goal = (
        f"Book the cheapest 4-star hotel in {_city(conn, city)} for 2 nights, checking in on"
        f" {_label(checkin)}, for 1 guest."
    )
    return Instance(goal, {"hotel_id": target["id"], "checkin": checkin, "nights": 2, "guests": 1})


def verify_hotel(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    booked = _new_bookings(conn, "hotel")
    want = (p["hotel_id"], p["checkin"], p["nights"], p["guests"])
    got = [(b["item_id"], b["day"], b["nights"], b["guests"]) for b in booked]
    if got != [want]:
        return failed(f"hotel bookings {got}, wanted {[want]}")
    if _new_bookings(conn, "flight"):
        return failed("also booked a flight")
    return passed("the stay is booked")


# -- cancel one of two similar bookings (trap) ---------------------------------------------


def _booking(conn: sqlite3.Connection, kind: str, item: int) -> Row:
    return conn.execute(
        "SELECT * FROM travel_bookings WHERE kind = ? AND item_id = ? AND seeded = 1", (kind, item)
    ).fetchone()


def make_cancel_flight(conn: sqlite3.Connection, variant: int) -> Instance:
    route = routes(_codes(conn))[3]
    rows = conn.execute(
        "SELECT b.*, f.day AS flight_day FROM travel_bookings b JOIN travel_flights f"
        " ON b.kind = 'flight' AND f.id = b.item_id WHERE f.origin = ? AND f.destination = ?"
        " AND b.status = 'confirmed' ORDER BY b.id",
        route,
    ).fetchall()
    target, decoy = rows[0], rows[1]
    goal = f"Cancel my flight to {_city(conn, route[1])} on {_label(target['flight_day'])}."
    return Instance(goal, {"ref": target["ref"], "decoy_ref": decoy["ref"]})


def make_cancel_hotel(conn: sqlite3.Connection, variant: int) -> Instance:
    city = _codes(conn)[1]
    first, second = lookalike_hotels(conn, city)
    target, decoy = _booking(conn, "hotel", second), _booking(conn, "hotel", first)
    name = conn.execute("SELECT name FROM travel_hotels WHERE id = ?", (second,)).fetchone()[0]
    goal = f"Cancel my reservation at the {name} in {_city(conn, city)}."
    return Instance(goal, {"ref": target["ref"], "decoy_ref": decoy["ref"]})


def verify_cancel(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    cancelled = {
        r[0] for r in conn.execute("SELECT ref FROM travel_bookings WHERE status = 'cancelled'")
    }
    wrong = cancelled - {p["ref"]}
    if wrong:
        return failed(f"cancelled the wrong booking(s) {sorted(wrong)}", trap=True)
    if p["ref"] not in cancelled:
        return failed(f"booking {p['ref']} is still confirmed")
    if conn.execute("SELECT COUNT(*) FROM travel_bookings WHERE seeded = 0").fetchone()[0]:
        return failed("made a new booking")
    return passed(f"booking {p['ref']} is cancelled")


# -- information seeking --------------------------------------------------------------------


def make_flight_price(conn: sqlite3.Connection, variant: int) -> Instance:
    route = routes(_codes(conn))[4]
    day = _days(conn)[2]
    cheapest = _flights_on(conn, route, day, "price_cents")[0]
    goal = f"How much does the cheapest flight {_route_text(conn, route)} on {_label(day)} cost?"
    return Instance(goal, {"cents": cheapest["price_cents"]})


def verify_price(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    if mentions_amount(answer, p["cents"]):
        return passed("the price is right")
    return failed(f"wrong price: {answer!r}")


def make_booking_ref(conn: sqlite3.Connection, variant: int) -> Instance:
    row = conn.execute(
        "SELECT b.ref, h.name, h.city FROM travel_bookings b"
        " JOIN travel_hotels h ON h.id = b.item_id"
        " WHERE b.kind = 'hotel' AND b.status = 'completed' ORDER BY b.day DESC LIMIT 1"
    ).fetchone()
    goal = (
        f"What was the booking reference of my past stay at the {row['name']} in "
        f"{_city(conn, row['city'])}?"
    )
    return Instance(goal, {"ref": row["ref"]})


def verify_ref(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    if mentions(answer, p["ref"]):
        return passed("the reference is right")
    return failed(f"wrong reference: {answer!r}")


TEMPLATES = [
    TaskTemplate(
        "travel.cheapest-flight",
        make_cheapest_flight,
        verify_flight,
        start="/",
        trap=True,
        min_actions=6,
        variants=2,
    ),
    TaskTemplate(
        "travel.earliest-nonstop", make_earliest_nonstop, verify_flight, trap=True, min_actions=6
    ),
    TaskTemplate("travel.book-hotel", make_book_hotel, verify_hotel, min_actions=6, variants=2),
    TaskTemplate("travel.cheapest-hotel", make_cheapest_hotel, verify_hotel, min_actions=7),
    TaskTemplate(
        "travel.cancel-flight", make_cancel_flight, verify_cancel, trap=True, min_actions=4
    ),
    TaskTemplate("travel.cancel-hotel", make_cancel_hotel, verify_cancel, trap=True, min_actions=4),
    TaskTemplate("travel.flight-price", make_flight_price, verify_price, min_actions=5),
    TaskTemplate("travel.booking-ref", make_booking_ref, verify_ref, min_actions=2),
]
