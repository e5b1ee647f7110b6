"""The travel site's pages: flight and hotel search, details, booking, bookings, cancel."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forethought.envs.sites import names
from forethought.envs.sites.travel.data import CHECKIN_WINDOW
from forethought.envs.sites.web import Pager, database, form, int_param, redirect, render

PER_PAGE = 10
CABINS = {"Economy": 0, "Economy Plus": 3900, "Business": 24000}
FLIGHT_SORTS = {"price": "price_cents", "departure": "depart"}
HOTEL_SORTS = {"recommended": "rating DESC", "price": "price_cents", "stars": "stars DESC"}


def _common(conn: sqlite3.Connection) -> dict:
    cities = conn.execute("SELECT * FROM travel_cities ORDER BY name").fetchall()
    days = [r[0] for r in conn.execute("SELECT DISTINCT day FROM travel_flights ORDER BY day")]
    first = date.fromisoformat(days[0])
    checkins = [(first + timedelta(days=i)).isoformat() for i in range(CHECKIN_WINDOW)]
    return {
        "cities": cities,
        "city_names": {c["code"]: c["name"] for c in cities},
        "days": days,
        "checkins": checkins,
        "label": _label,
        "profile": conn.execute("SELECT * FROM travel_profile").fetchone(),
    }


def _label(day: str) -> str:
    return names.long_date(date.fromisoformat(day))


async def home(request: Request) -> Response:
    with database(request) as conn:
        deals = conn.execute("SELECT * FROM travel_hotels ORDER BY rating DESC LIMIT 4").fetchall()
        return render(request, "travel/home.html", deals=deals, **_common(conn))


async def flights(request: Request) -> Response:
    q = request.query_params
    where, args = ["1 = 1"], []
    for key, column in (("origin", "origin"), ("destination", "destination"), ("day", "day")):
        if q.get(key):
            where.append(f"{column} = ?")
            args.append(q[key])
    if q.get("nonstop"):
        where.append("stops = 0")
    clause = " AND ".join(where)
    order = FLIGHT_SORTS.get(q.get("sort", ""), "day, depart")
    with database(request) as conn:
        total = conn.execute(
            f"SELECT COUNT(*) FROM travel_flights WHERE {clause}", args
        ).fetchone()[0]
        pager = Pager.of(request, total, PER_PAGE)
        rows = conn.execute(
            f"SELECT * FROM travel_flights WHERE {clause} ORDER BY {order}, id LIMIT ? OFFSET ?",
            [*args, PER_PAGE, pager.offset],
        ).fetchall()
        nearby = []
        if q.get("origin") and q.get("destination") and q.get("day"):
            nearby = conn.execute(
                "SELECT day, MIN(price_cents) AS price FROM travel_flights WHERE origin = ?"
                " AND destination = ? AND day != ? GROUP BY day ORDER BY day",
                (q["origin"], q["destination"], q["day"]),
            ).fetchall()
        return render(
            request,
            "travel/flights.html",
            flights=rows,
            pager=pager,
            nearby=nearby,
            **_common(conn),
        )


async def flight(request: Request) -> Response:
    with database(request) as conn:
        row = conn.execute(
            "SELECT * FROM travel_flights WHERE id = ?", (request.path_params["id"],)
        ).fetchone()
        if row is None:
            return render(request, "travel/missing.html", status_code=404, **_common(conn))
        return render(request, "travel/flight.html", flight=row, cabins=CABINS, **_common(conn))


async def book_flight(request: Request) -> Response:
    data = await form(request)
    with database(request) as conn:
        row = conn.execute(
            "SELECT * FROM travel_flights WHERE id = ?", (request.path_params["id"],)
        ).fetchone()
        if row is None or not data.get("traveler") or data.get("cabin") not in CABINS:
            return redirect(
                f"/travel/flights/{request.path_params['id']}",
                msg="Enter the passenger's name and choose a cabin.",
            )
        ref = _create_booking(
            conn,
            "flight",
            row["id"],
            data["traveler"],
            row["day"],
            0,
            1,
            row["price_cents"] + CABINS[data["cabin"]],
        )
    return redirect(f"/travel/bookings/{ref}", msg=f"Booked! Your reference is {ref}.")


async def hotels(request: Request) -> Response:
    q = request.query_params
    where, args = ["1 = 1"], []
    if q.get("city"):
        where.append("city = ?")
        args.append(q["city"])
    if q.get("stars"):
        where.append("stars >= ?")
        args.append(int_param(q["stars"], 1, hi=5))
    clause = " AND ".join(where)
    order = HOTEL_SORTS.get(q.get("sort", ""), HOTEL_SORTS["recommended"])
    with database(request) as conn:
        total = conn.execute(f"SELECT COUNT(*) FROM travel_hotels WHERE {clause}", args).fetchone()[
            0
        ]
        pager = Pager.of(request, total, PER_PAGE)
        rows = conn.execute(
            f"SELECT * FROM travel_hotels WHERE {clause} ORDER BY {order}, id LIMIT ? OFFSET ?",
            [*args, PER_PAGE, pager.offset],
        ).fetchall()
        return render(request, "travel/hotels.html", hotels=rows, pager=pager, **_common(conn))


async def hotel(request: Request) -> Response:
    with database(request) as conn:
        row = conn.execute(
            "SELECT * FROM travel_hotels WHERE id = ?", (request.path_params["id"],)
        ).fetchone()
        if row is None:
            return render(request, "travel/missing.html", status_code=404, **_common(conn))
        return render(request, "travel/hotel.html", hotel=row, **_common(conn))


async def book_hotel(request: Request) -> Response:
    data = await form(request)
    with database(request) as conn:
        row = conn.execute(
            "SELECT * FROM travel_hotels WHERE id = ?", (request.path_params["id"],)
        ).fetchone()
        nights = int_param(data.get("nights"), 1, hi=30)
        guests = int_param(data.get("guests"), 1, hi=4)
        if (
            row is None
            or not data.get("traveler")
            or data.get("checkin") not in _common(conn)["checkins"]
        ):
            return redirect(
                f"/travel/hotels/{request.path_params['id']}",
                msg="Choose a check-in date and enter the guest's name.",
            )
        ref = _create_booking(
            conn,
            "hotel",
            row["id"],
            data["traveler"],
            data["checkin"],
            nights,
            guests,
            row["price_cents"] * nights,
        )
    return redirect(f"/travel/bookings/{ref}", msg=f"Reserved! Your reference is {ref}.")


def _create_booking(
    conn: sqlite3.Connection,
    kind: str,
    item: int,
    traveler: str,
    day: str,
    nights: int,
    guests: int,
    total: int,
) -> str:
    count = conn.execute("SELECT COUNT(*) FROM travel_bookings").fetchone()[0]
    ref = f"N{count + 1:02d}{item:03d}{kind[0].upper()}"
    conn.execute(
        "INSERT INTO travel_bookings (ref, kind, item_id, traveler, day, nights, guests, status,"
        " total_cents) VALUES (?,?,?,?,?,?,?, 'confirmed', ?)",
        (ref, kind, item, traveler, day, nights, guests, total),
    )
    return ref


_BOOKING_ROWS = (
    "SELECT b.*, f.number, f.airline, f.origin, f.destination, f.depart, h.name AS hotel,"
    " h.city FROM travel_bookings b"
    " LEFT JOIN travel_flights f ON b.kind = 'flight' AND f.id = b.item_id"
    " LEFT JOIN travel_hotels h ON b.kind = 'hotel' AND h.id = b.item_id"
)


async def bookings(request: Request) -> Response:
    with database(request) as conn:
        rows = conn.execute(_BOOKING_ROWS + " ORDER BY b.day DESC, b.id").fetchall()
        return render(request, "travel/bookings.html", bookings=rows, **_common(conn))


async def booking(request: Request) -> Response:
    with database(request) as conn:
        row = conn.execute(
            _BOOKING_ROWS + " WHERE b.ref = ?", (request.path_params["ref"],)
        ).fetchone()
        if row is None:
            return render(request, "travel/missing.html", status_code=404, **_common(conn))
        return render(request, "travel/booking.html", booking=row, **_common(conn))


async def cancel(request: Request) -> Response:
    ref = request.path_params["ref"]
    with database(request) as conn:
        cur = conn.execute(
            "UPDATE travel_bookings SET status = 'cancelled' WHERE ref = ?"
            " AND status = 'confirmed'",
            (ref,),
        )
    msg = "Your booking was cancelled." if cur.rowcount else "This booking cannot be cancelled."
    return redirect(f"/travel/bookings/{ref}", msg=msg)


async def deals(request: Request) -> Response:
    with database(request) as conn:
        cheap = conn.execute("SELECT * FROM travel_flights ORDER BY price_cents LIMIT 5").fetchall()
        return render(request, "travel/deals.html", cheap=cheap, **_common(conn))


ROUTES: list[BaseRoute] = [
    Route("/", home),
    Route("/flights", flights),
    Route("/flights/{id:int}", flight),
    Route("/flights/{id:int}/book", book_flight, methods=["POST"]),
    Route("/hotels", hotels),
    Route("/hotels/{id:int}", hotel),
    Route("/hotels/{id:int}/book", book_hotel, methods=["POST"]),
    Route("/bookings", bookings),
    Route("/bookings/{ref}", booking),
    Route("/bookings/{ref}/cancel", cancel, methods=["POST"]),
    Route("/deals", deals),
]
