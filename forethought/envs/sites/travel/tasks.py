"""The travel site's task templates and their verifiers, which read the bookings."""

from __future__ import annotations

import sqlite3
from datetime import date

from forethought.envs.sites import names
from forethought.envs.sites.base import Instance, Params, TaskTemplate
from forethought.envs.sites.reference import DONE, answer, click, fill, select
from forethought.envs.sites.travel.data import lookalike_hotels, routes
from forethought.envs.sites.verify import (
    failed,
    judge_amount,
    judge_code,
    judge_text,
    judge_time,
    passed,
)
from forethought.envs.sites.web import money
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


def _option(conn: sqlite3.Connection, code: str) -> str:
    """A city as the flight search's lists show it."""
    return f"{_city(conn, code)} ({code})"


def _flight_params(conn: sqlite3.Connection, target: Row, decoy: Row, **more: object) -> Params:
    return {
        "flight_id": target["id"],
        "flight": f"{target['airline']} {target['number']}",
        "decoy_flight": f"{decoy['airline']} {decoy['number']}",
        "decoy_day": _label(decoy["day"]),
        "origin": _option(conn, target["origin"]),
        "destination": _option(conn, target["destination"]),
        "day": _label(target["day"]),
        **more,
    }


def _search_flights(p: Params, day: str) -> list[str]:
    return [
        select("From", p["origin"]),
        select("To", p["destination"]),
        select("Date", day),
        click("Search flights"),
    ]


def _book(flight: str) -> list[str]:
    return [click("Select", "link", row=flight), click("Book flight"), DONE]


def solve_flight(p: Params) -> list[str]:
    search = [] if p.get("listed") else _search_flights(p, p["day"])
    return [*search, *_book(p["flight"])]


def trap_flight(p: Params) -> list[str]:
    search = [] if p.get("listed") else _search_flights(p, p["decoy_day"])
    return [*search, *_book(p["decoy_flight"])]


def make_cheapest_flight(conn: sqlite3.Connection, variant: int) -> Instance:
    route = routes(_codes(conn))[variant]
    days = _days(conn)
    target = _flights_on(conn, route, days[1], "price_cents")[0]
    others = [_flights_on(conn, route, d, "price_cents")[0] for d in days if d != days[1]]
    decoy = min(others, key=lambda f: f["price_cents"])  # the nearby-dates banner's lure
    goal = f"Book the cheapest flight {_route_text(conn, route)} on {_label(days[1])}."
    return Instance(goal, _flight_params(conn, target, decoy))


def make_earliest_nonstop(conn: sqlite3.Connection, variant: int) -> Instance:
    route = routes(_codes(conn))[2]
    day = _days(conn)[0]
    flights = _flights_on(conn, route, day, "depart")
    target = next(f for f in flights if f["stops"] == 0)
    decoy = next(f for f in flights if f["id"] != target["id"])  # earlier with a stop, or next
    goal = f"Book the earliest non-stop flight {_route_text(conn, route)} on {_label(day)}."
    return Instance(goal, _flight_params(conn, target, decoy))


def make_book_listed(conn: sqlite3.Connection, variant: int) -> Instance:
    """Pick the right flight off a results page the task starts on."""
    route = routes(_codes(conn))[1]
    day = _days(conn)[0]
    flights = _flights_on(conn, route, day, "price_cents")
    nonstop = [f for f in flights if f["stops"] == 0]
    target = nonstop[0] if nonstop else flights[0]
    decoy = next(f for f in flights if f["id"] != target["id"])
    what = "non-stop flight" if nonstop else "flight"
    return Instance(
        f"Book the cheapest {what} in these results.",
        _flight_params(conn, target, decoy, listed=True),
        f"/flights?origin={route[0]}&destination={route[1]}&day={day}",
    )


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


def _stay(conn: sqlite3.Connection, hotel: Row, checkin: str, nights: int, guests: int) -> Params:
    return {
        "hotel_id": hotel["id"],
        "hotel": hotel["name"],
        "city": _city(conn, hotel["city"]),
        "checkin": checkin,
        "checkin_label": _label(checkin),
        "first_day": checkin == _days(conn)[0],
        "nights": nights,
        "guests": guests,
    }


def _reserve(p: Params, hotel: str) -> list[str]:
    """From the hotel list to a reservation; fields left at their defaults are not set."""
    fields = [] if p["first_day"] else [select("Check-in", p["checkin_label"])]
    fields += [fill("Nights", str(p["nights"]), "spinbutton")] if p["nights"] != 1 else []
    fields += [select("Guests", str(p["guests"]))] if p["guests"] != 1 else []
    return [click(hotel, "link"), *fields, click("Reserve"), DONE]


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
    return Instance(goal, _stay(conn, target, checkin, nights, guests))


def solve_book_hotel(p: Params) -> list[str]:
    return [select("City", p["city"]), click("Search hotels"), *_reserve(p, p["hotel"])]


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
    return Instance(goal, _stay(conn, target, checkin, 2, 1))


def solve_cheapest_hotel(p: Params) -> list[str]:
    return [
        select("City", p["city"]),
        select("Minimum stars", "4+"),
        select("Sort by", "Price per night"),
        click("Search hotels"),
        *_reserve(p, p["hotel"]),
    ]


def make_reserve_listed(conn: sqlite3.Connection, variant: int) -> Instance:
    """Reserve one of two look-alike hotels off the list the task starts on."""
    code = _codes(conn)[1]
    decoy, target = (
        conn.execute("SELECT * FROM travel_hotels WHERE id = ?", (i,)).fetchone()
        for i in lookalike_hotels(conn, code)
    )
    checkin = _days(conn)[0]
    return Instance(
        f"Reserve the {target['name']} for 1 night, checking in on {_label(checkin)}, for 1 guest.",
        {**_stay(conn, target, checkin, 1, 1), "decoy_id": decoy["id"], "decoy": decoy["name"]},
        f"/hotels?city={code}",
    )


def solve_reserve_listed(p: Params) -> list[str]:
    return _reserve(p, p["hotel"])


def trap_reserve_listed(p: Params) -> list[str]:
    return _reserve(p, p["decoy"])


def verify_hotel(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    """One new stay, as asked; reserving the look-alike (``decoy_id``) springs the trap."""
    booked = _new_bookings(conn, "hotel")
    want = (p["hotel_id"], p["checkin"], p["nights"], p["guests"])
    got = [(b["item_id"], b["day"], b["nights"], b["guests"]) for b in booked]
    if any(b["item_id"] == p.get("decoy_id") for b in booked):
        return failed(f"reserved the look-alike {p['decoy']}", trap=True)
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
    """Cancel one of two bookings on the same route (variant 1: the other, listed)."""
    route = routes(_codes(conn))[3]
    rows = conn.execute(
        "SELECT b.*, f.day AS flight_day FROM travel_bookings b JOIN travel_flights f"
        " ON b.kind = 'flight' AND f.id = b.item_id WHERE f.origin = ? AND f.destination = ?"
        " AND b.status = 'confirmed' ORDER BY b.id",
        route,
    ).fetchall()
    target, decoy = (rows[1], rows[0]) if variant else (rows[0], rows[1])
    goal = f"Cancel my flight to {_city(conn, route[1])} on {_label(target['flight_day'])}."
    return _cancelling(goal, target, decoy, listed=bool(variant))


def make_cancel_hotel(conn: sqlite3.Connection, variant: int) -> Instance:
    """Cancel one of two look-alike hotel stays (variant 1: the other, listed)."""
    city = _codes(conn)[1]
    first, second = lookalike_hotels(conn, city)
    if variant:
        first, second = second, first
    target, decoy = _booking(conn, "hotel", second), _booking(conn, "hotel", first)
    name = conn.execute("SELECT name FROM travel_hotels WHERE id = ?", (second,)).fetchone()[0]
    goal = f"Cancel my reservation at the {name} in {_city(conn, city)}."
    return _cancelling(goal, target, decoy, listed=bool(variant))


def _cancelling(goal: str, target: Row, decoy: Row, *, listed: bool) -> Instance:
    """Cancel ``target``; a ``listed`` one starts on the booking list."""
    params = {"ref": target["ref"], "decoy_ref": decoy["ref"], "listed": listed}
    return Instance(goal, params, "/bookings" if listed else None)


def make_cancel_listed_flight(conn: sqlite3.Connection, variant: int) -> Instance:
    """``cancel-flight``'s look-alike booking, from the booking list."""
    return make_cancel_flight(conn, 1)


def make_cancel_listed_hotel(conn: sqlite3.Connection, variant: int) -> Instance:
    """``cancel-hotel``'s look-alike booking, from the booking list."""
    return make_cancel_hotel(conn, 1)


def _cancel(ref: str, listed: bool) -> list[str]:
    to_list = [] if listed else [click("My bookings", "link")]
    return [
        *to_list,
        click(ref, "link"),
        click("Cancel booking"),
        click("Yes, cancel booking"),
        DONE,
    ]


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
    flights = _flights_on(conn, route, day, "price_cents")
    goal = f"How much does the cheapest flight {_route_text(conn, route)} on {_label(day)} cost?"
    return Instance(
        goal,
        {
            "cents": flights[0]["price_cents"],
            "wrong": [f["price_cents"] for f in flights[1:]],
            "origin": _option(conn, route[0]),
            "destination": _option(conn, route[1]),
            "day": _label(day),
        },
    )


def solve_flight_price(p: Params) -> list[str]:
    return [*_search_flights(p, p["day"]), answer(money(p["cents"]))]


def verify_price(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return judge_amount(answer, p["cents"], wrong=p["wrong"])


def _refs(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT ref FROM travel_bookings")]


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
    return Instance(goal, {"ref": row["ref"], "wrong": [r for r in _refs(conn) if r != row["ref"]]})


def solve_booking_ref(p: Params) -> list[str]:
    return [click("My bookings", "link"), answer(p["ref"])]


def verify_ref(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return judge_code(answer, p["ref"], wrong=p["wrong"])


def make_departure_time(conn: sqlite3.Connection, variant: int) -> Instance:
    """Read a time off one booking, starting on the booking list."""
    row = conn.execute(
        "SELECT b.ref, f.depart, f.destination, f.day FROM travel_bookings b"
        " JOIN travel_flights f ON b.kind = 'flight' AND f.id = b.item_id"
        " WHERE b.status = 'confirmed' ORDER BY b.day DESC, b.id LIMIT 1"
    ).fetchone()
    hours, minutes = map(int, row["depart"].split(":"))
    goal = (
        f"At what time does my flight to {_city(conn, row['destination'])} on"
        f" {_label(row['day'])} depart?"
    )
    return Instance(goal, {"ref": row["ref"], "minutes": hours * 60 + minutes}, "/bookings")


def solve_departure_time(p: Params) -> list[str]:
    hours, minutes = divmod(p["minutes"], 60)
    return [click(p["ref"], "link"), answer(f"{hours:02d}:{minutes:02d}")]


def verify_time(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return judge_time(answer, p["minutes"])


def make_hotel_rating(conn: sqlite3.Connection, variant: int) -> Instance:
    """Filter the hotel list, then read one of two look-alikes' rating."""
    code = _codes(conn)[1]
    target, decoy = (
        conn.execute("SELECT * FROM travel_hotels WHERE id = ?", (i,)).fetchone()
        for i in lookalike_hotels(conn, code)
    )
    return Instance(
        f"What is the guest rating of the {target['name']} in {_city(conn, code)}?",
        {
            "rating": str(target["rating"]),
            "wrong": [str(decoy["rating"])],
            "city": _city(conn, code),
        },
    )


def solve_hotel_rating(p: Params) -> list[str]:
    return [select("City", p["city"]), click("Search hotels"), answer(p["rating"])]


def verify_rating(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    wrong = [w for w in p["wrong"] if w != p["rating"]]
    return judge_text(answer, p["rating"], wrong=wrong)


def solve_cancel(p: Params) -> list[str]:
    return _cancel(p["ref"], p.get("listed", False))


def trap_cancel(p: Params) -> list[str]:
    return _cancel(p["decoy_ref"], p.get("listed", False))


TEMPLATES = [
    TaskTemplate(
        "travel.cheapest-flight",
        make_cheapest_flight,
        verify_flight,
        solve_flight,
        trap_flight,
        trap=True,
        variants=2,
    ),
    TaskTemplate(
        "travel.earliest-nonstop",
        make_earliest_nonstop,
        verify_flight,
        solve_flight,
        trap_flight,
        trap=True,
    ),
    TaskTemplate("travel.book-hotel", make_book_hotel, verify_hotel, solve_book_hotel, variants=2),
    TaskTemplate("travel.cheapest-hotel", make_cheapest_hotel, verify_hotel, solve_cheapest_hotel),
    TaskTemplate(
        "travel.cancel-flight",
        make_cancel_flight,
        verify_cancel,
        solve_cancel,
        trap_cancel,
        trap=True,
    ),
    TaskTemplate(
        "travel.cancel-hotel",
        make_cancel_hotel,
        verify_cancel,
        solve_cancel,
        trap_cancel,
        trap=True,
    ),
    TaskTemplate("travel.flight-price", make_flight_price, verify_price, solve_flight_price),
    TaskTemplate("travel.booking-ref", make_booking_ref, verify_ref, solve_booking_ref),
    # The ladder's short rungs.
    TaskTemplate("travel.departure-time", make_departure_time, verify_time, solve_departure_time),
    TaskTemplate("travel.hotel-rating", make_hotel_rating, verify_rating, solve_hotel_rating),
    TaskTemplate(
        "travel.book-listed", make_book_listed, verify_flight, solve_flight, trap_flight, trap=True
    ),
    TaskTemplate(
        "travel.cancel-listed-flight",
        make_cancel_listed_flight,
        verify_cancel,
        solve_cancel,
        trap_cancel,
        trap=True,
    ),
    TaskTemplate(
        "travel.cancel-listed-hotel",
        make_cancel_listed_hotel,
        verify_cancel,
        solve_cancel,
        trap_cancel,
        trap=True,
    ),
    TaskTemplate(
        "travel.reserve-listed",
        make_reserve_listed,
        verify_hotel,
        solve_reserve_listed,
        trap_reserve_listed,
        trap=True,
    ),
]
