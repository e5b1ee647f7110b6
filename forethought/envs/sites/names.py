"""Word pools the sites draw their seeded data from."""

from __future__ import annotations

import random
from datetime import date, timedelta

FIRST_NAMES = [
    "Alex",
    "Maya",
    "Jordan",
    "Priya",
    "Lucas",
    "Elena",
    "Omar",
    "Hannah",
    "Mateo",
    "Grace",
    "Noah",
    "Ines",
    "Kenji",
    "Sofia",
    "Daniel",
    "Amara",
    "Felix",
    "Leila",
    "Victor",
    "Chloe",
]
LAST_NAMES = [
    "Morgan",
    "Okafor",
    "Lindqvist",
    "Reyes",
    "Brennan",
    "Kowalski",
    "Haddad",
    "Sato",
    "Fischer",
    "Moreau",
    "Adeyemi",
    "Castillo",
    "Novak",
    "Ibrahim",
    "Larsen",
    "Quinn",
    "Delgado",
    "Weber",
]
#: Surname pairs that are easy to confuse; traps put one of each pair beside the other.
LOOKALIKE_SURNAMES = [
    ("Whitfield", "Whitford"),
    ("Palmer", "Parker"),
    ("Lee", "Leigh"),
    ("Ortiz", "Ortega"),
    ("Patel", "Patil"),
    ("Hansen", "Hanson"),
    ("Carter", "Cartier"),
    ("Mills", "Miles"),
]
STREETS = ["Maple Ave", "Harbor St", "Elm Rd", "Cedar Ln", "Station Rd", "Mill Lane", "Park Row"]
CITIES = [
    ("Springfield", "62704"),
    ("Riverton", "84065"),
    ("Lakewood", "80226"),
    ("Fairview", "97024"),
    ("Brookhaven", "11719"),
    ("Ashford", "06278"),
]

#: Every site's calendar starts here; seeds shift it by a few days.
BASE_DATE = date(2025, 7, 7)


def person(rng: random.Random, used: set[str] | None = None) -> str:
    """A full name not yet in ``used`` (which it then joins)."""
    used = used if used is not None else set()
    while True:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in used:
            used.add(name)
            return name


def email_of(name: str, domain: str) -> str:
    return name.lower().replace(" ", ".").replace("'", "") + "@" + domain


def start_date(rng: random.Random) -> date:
    return BASE_DATE + timedelta(days=rng.randint(0, 20))


def long_date(day: date) -> str:
    """``Monday, July 14, 2025``: how goals and pages write a day."""
    return f"{day:%A}, {day:%B} {day.day}, {day:%Y}"


def short_date(day: date) -> str:
    return f"{day:%b} {day.day}, {day:%Y}"


def code(
    rng: random.Random, length: int = 6, alphabet: str = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))
