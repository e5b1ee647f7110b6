"""The webmail's tables and seeded mailbox: contacts with look-alike names, threads, folders."""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from forethought.envs.sites import names

SCHEMA = """
CREATE TABLE mail_account (name TEXT NOT NULL, email TEXT NOT NULL);
CREATE TABLE mail_contacts (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, company TEXT NOT NULL,
  pair INTEGER
);
CREATE TABLE mail_messages (
  id INTEGER PRIMARY KEY, folder TEXT NOT NULL, seed_folder TEXT NOT NULL,
  sender_name TEXT NOT NULL, sender_email TEXT NOT NULL, to_email TEXT NOT NULL,
  cc TEXT NOT NULL DEFAULT '', subject TEXT NOT NULL, body TEXT NOT NULL, sent_at TEXT NOT NULL,
  unread INTEGER NOT NULL DEFAULT 0, starred INTEGER NOT NULL DEFAULT 0,
  reply_of INTEGER, forward_of INTEGER, seeded INTEGER NOT NULL DEFAULT 1
);
"""

DOMAIN = "quillpost.com"
FOLDERS = ("inbox", "archive", "sent", "drafts", "spam", "trash")
COMPANIES = ["Brightwave", "Hollis & Co", "Tern Labs", "Meadowgate", "Parcel Point", "Copperleaf"]
#: (subject, body) of the two e-mails look-alike senders both send; one gets deleted.
SHARED_SUBJECTS = [
    (
        "Draft budget for Q3",
        "Here is my draft of the Q3 budget. Numbers for travel are still rough.",
    ),
    (
        "Notes from the kickoff",
        "Attached are my notes from Monday's kickoff. Shout if I missed anything.",
    ),
]
QUESTIONS = [
    (
        "Design review on Thursday?",
        "Could you join the design review on Thursday? We start at 3 pm.",
        "I will join at 3 pm",
    ),
    (
        "Invoice 2291 question",
        "Accounts asked whether invoice 2291 was paid by card or transfer.",
        "it was paid by bank transfer",
    ),
    (
        "Dinner plans",
        "Are you free for dinner next Friday? I was thinking the Thai place.",
        "Friday works for me",
    ),
]
NEWSLETTERS = [
    (
        "Trailhead Weekly",
        "news@trailhead-weekly.com",
        ["5 hikes for late summer", "Gear guide: rain shells", "Your weekend forecast"],
    ),
    (
        "Cinema Club",
        "hello@cinemaclub.example",
        ["This week's premieres", "Members' night is back", "Your points balance"],
    ),
    (
        "Citybike",
        "team@citybike.example",
        ["Your monthly ride summary", "New stations near you", "Spring maintenance week"],
    ),
]
FILLER = [
    ("Lunch?", "Want to grab lunch on Wednesday? The new noodle bar is open."),
    ("Re: slides", "Looks good to me, maybe shorten the intro a little."),
    ("Parking permits", "Parking permits for next quarter are due by the 20th."),
    ("Photos from the trip", "Uploaded the photos to the shared album, enjoy!"),
    ("Quarterly all-hands", "The all-hands moves to the big auditorium this time."),
    ("Book club pick", "Next month we're reading 'The Overstory'."),
    ("Password expiry", "Your workstation password expires in 7 days."),
    ("Wi-Fi outage", "Office Wi-Fi will be down Saturday morning for maintenance."),
    ("Team offsite ideas", "Please add your offsite ideas to the doc before Friday."),
    ("Expense report", "Your expense report was approved and will be paid next week."),
    ("Welcome aboard", "Please welcome our new designer, who starts on Monday."),
    ("Coffee machine", "The coffee machine on floor 3 is fixed. Rejoice."),
]
NOTICES = [
    ("Your parcel has shipped", "Your parcel is on its way and should arrive in 2-3 days."),
    ("Out for delivery", "Your parcel is out for delivery today."),
    ("Delivered", "Your parcel was delivered to your front door."),
    ("Rate your delivery", "How did we do? Rate your delivery in one click."),
    ("Delivery rescheduled", "We missed you. Your delivery was moved to tomorrow."),
]
SPAM = [
    ("You won a cruise!!!", "Claim your free cruise now, just pay a small fee."),
    ("Urgent: verify your account", "Click here to verify your account or it will be closed."),
]


def seed(conn: sqlite3.Connection, rng: random.Random) -> None:
    used: set[str] = set()
    me = names.person(rng, used)
    my_email = names.email_of(me, DOMAIN)
    conn.execute("INSERT INTO mail_account VALUES (?, ?)", (me, my_email))
    contacts = _contacts(rng, used)
    rng.shuffle(contacts)
    conn.executemany(
        "INSERT INTO mail_contacts (name, email, company, pair) VALUES (?,?,?,?)", contacts
    )
    people = conn.execute("SELECT * FROM mail_contacts ORDER BY id").fetchall()
    messages = _messages(rng, people, me, my_email)
    clock = datetime(2025, 7, 1, 8, 0) + timedelta(days=rng.randint(0, 20))
    rng.shuffle(messages)
    for folder, sender, sender_email, to, subject, body in messages:
        clock += timedelta(hours=rng.randint(1, 30), minutes=rng.randint(0, 59))
        unread = int(folder == "inbox" and rng.random() < 0.4)
        conn.execute(
            "INSERT INTO mail_messages (folder, seed_folder, sender_name, sender_email, to_email,"
            " subject, body, sent_at, unread) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                folder,
                folder,
                sender,
                sender_email,
                to,
                subject,
                body,
                clock.isoformat(timespec="minutes"),
                unread,
            ),
        )


def _contacts(rng: random.Random, used: set[str]) -> list[tuple]:
    rows = []
    for pair, (a, b) in enumerate(rng.sample(names.LOOKALIKE_SURNAMES, 4)):
        first = rng.choice(names.FIRST_NAMES)
        company = rng.choice(COMPANIES)
        for last in (a, b):
            name = f"{first} {last}"
            used.add(name)
            rows.append((name, names.email_of(name, _domain(company)), company, pair))
    for _ in range(10):
        name = names.person(rng, used)
        company = rng.choice(COMPANIES)
        rows.append((name, names.email_of(name, _domain(company)), company, None))
    return rows


def _domain(company: str) -> str:
    return company.lower().replace(" & ", "").replace(" ", "") + ".com"


def cast(people: list[sqlite3.Row]) -> dict[str, Any]:
    """Who plays which part in the seeded mailbox; tasks read the same cast."""
    paired = sorted(
        (p for p in people if p["pair"] is not None), key=lambda p: (p["pair"], p["id"])
    )
    others = sorted((p for p in people if p["pair"] is None), key=lambda p: p["id"])
    return {
        "pairs": [paired[i : i + 2] for i in range(0, len(paired), 2)],
        "askers": others[:3],
        "contract": others[3:4],
        "frequent": others[4:5],
        "others": others[5:],
    }


def _messages(rng: random.Random, people: list[sqlite3.Row], me_name: str, me: str) -> list[tuple]:
    roles = cast(people)
    out: list[tuple] = []

    def add(folder: str, who: sqlite3.Row, subject: str, body: str) -> None:
        out.append((folder, who["name"], who["email"], me, subject, body))

    for (subject, body), pair in zip(SHARED_SUBJECTS, roles["pairs"], strict=False):
        for person in pair:
            add("inbox", person, subject, f"Hi,\n\n{body}\n\nBest,\n{person['name']}")
    for (subject, body, _), person in zip(QUESTIONS, roles["askers"], strict=True):
        add("inbox", person, subject, f"Hi,\n\n{body}\n\nThanks,\n{person['name']}")
    contract = roles["contract"][0]
    add(
        "inbox",
        contract,
        f"Signed contract – {contract['company']}",
        "Hello,\n\nPlease find the countersigned contract attached."
        f" Reference {names.code(rng, 8)}."
        f"\n\nRegards,\n{contract['name']}",
    )
    frequent = roles["frequent"][0]
    count = rng.randint(2, 5)
    for i in range(count):
        add("inbox" if i % 2 == 0 else "archive", frequent, *FILLER[i])
    for subject, body in FILLER[count:]:
        add(rng.choice(["inbox", "inbox", "archive"]), rng.choice(roles["others"]), subject, body)
    for sender, email, subjects in NEWSLETTERS:
        for subject in subjects:
            out.append(
                ("inbox", sender, email, me, subject, f"{subject}.\n\nRead more on our site.")
            )
    for subject, body in NOTICES:
        out.append(
            (
                rng.choice(["inbox", "archive"]),
                "Parcel Point",
                "track@parcelpoint.example",
                me,
                subject,
                body,
            )
        )
    booking, promo = names.code(rng), names.code(rng, 5)
    airline = ("Bluejet Airways", "noreply@bluejet.example")
    out.append(
        (
            "inbox",
            *airline,
            me,
            "Your booking is confirmed",
            f"Thank you for flying with us. Your confirmation code is {booking}.",
        )
    )
    out.append(
        (
            "inbox",
            *airline,
            me,
            "Save on your next trip",
            f"Use promo code {promo} for 10% off your next flight.",
        )
    )
    for person in roles["others"]:
        out.append(
            (
                "sent",
                me_name,
                me,
                person["email"],
                f"Re: {rng.choice(FILLER)[0]}",
                "Thanks, sounds good!",
            )
        )
    for subject, body in SPAM:
        out.append(("spam", "Prize Center", "prizes@win-now.example", me, subject, body))
    out.append(
        ("trash", "Cinema Club", "hello@cinemaclub.example", me, "Last chance", "Ends today.")
    )
    return out
