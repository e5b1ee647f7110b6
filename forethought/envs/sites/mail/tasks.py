"""The webmail's task templates and their verifiers, which read the mailbox."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from forethought.envs.sites.base import Instance, Params, TaskTemplate
from forethought.envs.sites.mail.data import NEWSLETTERS, QUESTIONS, SHARED_SUBJECTS, cast
from forethought.envs.sites.verify import failed, mentions, mentions_count, normalize, passed
from forethought.envs.types import Verdict

Row = sqlite3.Row


def _cast(conn: sqlite3.Connection) -> dict[str, Any]:
    return cast(conn.execute("SELECT * FROM mail_contacts ORDER BY id").fetchall())


def _message(conn: sqlite3.Connection, sender: str, subject: str) -> Row:
    return conn.execute(
        "SELECT * FROM mail_messages WHERE sender_email = ? AND subject = ?", (sender, subject)
    ).fetchone()


def _sent(conn: sqlite3.Connection) -> list[Row]:
    return conn.execute(
        "SELECT * FROM mail_messages WHERE seeded = 0 AND seed_folder = 'sent' ORDER BY id"
    ).fetchall()


def _recipients(message: Row) -> set[str]:
    return {
        a.strip().lower() for a in f"{message['to_email']},{message['cc']}".split(",") if a.strip()
    }


def _wrote_to(conn: sqlite3.Connection, email: str) -> list[Row]:
    return [m for m in _sent(conn) if email in _recipients(m)]


def _seeded_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM mail_messages WHERE seeded = 1").fetchone()[0]


def _moved(conn: sqlite3.Connection, seeded_count: int) -> dict[int, str]:
    """Seeded messages no longer where they started: id → folder (``gone`` if purged)."""
    rows = conn.execute("SELECT id, folder, seed_folder FROM mail_messages WHERE seeded = 1")
    where = {r["id"]: r["folder"] for r in rows if r["folder"] != r["seed_folder"]}
    present = {r[0] for r in conn.execute("SELECT id FROM mail_messages WHERE seeded = 1")}
    where.update({i: "gone" for i in range(1, seeded_count + 1) if i not in present})
    return where


def _send_check(conn: sqlite3.Connection, p: Params, ok: Any) -> Verdict:
    """Pass if some new message to the target satisfies ``ok``; trap if the decoy got one."""
    if _wrote_to(conn, p["decoy"]):
        return failed(f"sent a message to the look-alike {p['decoy']}", trap=True)
    if any(ok(m) for m in _wrote_to(conn, p["to"])):
        return passed(f"the message to {p['to']} is right")
    return failed(f"no matching message was sent to {p['to']}")


# -- send a new message to one of two look-alike contacts (trap) ---------------------------

_NEWS = [
    ("Room change for Thursday", "we moved to room 4B", "4B"),
    ("Updated travel plans", "I'm taking the 9:40 train", "9:40"),
]


def make_send_new(conn: sqlite3.Connection, variant: int) -> Instance:
    target, decoy = _cast(conn)["pairs"][2 + variant]
    subject, news, keyword = _NEWS[variant]
    goal = f'Email {target["name"]} with the subject "{subject}" and tell them {news}.'
    return Instance(
        goal,
        {"to": target["email"], "decoy": decoy["email"], "subject": subject, "keyword": keyword},
    )


def verify_send_new(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return _send_check(
        conn,
        p,
        lambda m: mentions(m["subject"], p["subject"]) and mentions(m["body"], p["keyword"]),
    )


# -- forward a message to one of two look-alike contacts (trap) ----------------------------


def make_forward(conn: sqlite3.Connection, variant: int) -> Instance:
    people = _cast(conn)
    sender = people["contract"][0]
    target, decoy = people["pairs"][1]
    original = conn.execute(
        "SELECT * FROM mail_messages WHERE sender_email = ?", (sender["email"],)
    ).fetchone()
    goal = f'Forward the email "{original["subject"]}" from {sender["name"]} to {target["name"]}.'
    return Instance(
        goal,
        {
            "to": target["email"],
            "decoy": decoy["email"],
            "original": original["id"],
            "subject": original["subject"],
        },
    )


def verify_forward(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return _send_check(
        conn, p, lambda m: m["forward_of"] == p["original"] or mentions(m["subject"], p["subject"])
    )


# -- reply to a question --------------------------------------------------------------------

_REPLY_KEYWORDS = ("3 pm", "bank transfer", "Friday")


def make_reply(conn: sqlite3.Connection, variant: int) -> Instance:
    asker = _cast(conn)["askers"][variant]
    subject, _, reply = QUESTIONS[variant]
    original = _message(conn, asker["email"], subject)
    goal = f'Reply to {asker["name"]}\'s email "{subject}" and tell them {reply}.'
    return Instance(
        goal,
        {
            "to": asker["email"],
            "decoy": "",
            "original": original["id"],
            "subject": subject,
            "keyword": _REPLY_KEYWORDS[variant],
        },
    )


def verify_reply(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return _send_check(
        conn,
        p,
        lambda m: (
            (m["reply_of"] == p["original"] or mentions(m["subject"], p["subject"]))
            and mentions(m["body"].split("-------")[0], p["keyword"])
        ),
    )


# -- delete one of two messages with the same subject (trap) -------------------------------


def make_delete(conn: sqlite3.Connection, variant: int) -> Instance:
    target, decoy = _cast(conn)["pairs"][variant]
    subject = SHARED_SUBJECTS[variant][0]
    goal = f'Delete the email "{subject}" from {target["name"]}.'
    return Instance(
        goal,
        {
            "id": _message(conn, target["email"], subject)["id"],
            "decoy_id": _message(conn, decoy["email"], subject)["id"],
            "seeded": _seeded_count(conn),
        },
    )


def verify_delete(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    moved = _moved(conn, p["seeded"])
    wrong = {i: f for i, f in moved.items() if i != p["id"]}
    if wrong:
        return failed(f"also changed messages {sorted(wrong)}", trap=True)
    if moved.get(p["id"]) not in ("trash", "gone"):
        return failed("the message was not deleted")
    return passed("the right message was deleted")


# -- archive every newsletter from one sender ----------------------------------------------


def make_archive_sender(conn: sqlite3.Connection, variant: int) -> Instance:
    sender, email, _ = NEWSLETTERS[0]
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM mail_messages WHERE sender_email = ? AND folder = 'inbox'", (email,)
        )
    ]
    return Instance(
        f"Move every email from {sender} in my inbox to the Archive folder.",
        {"ids": ids, "seeded": _seeded_count(conn)},
    )


def verify_archive_sender(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    moved = _moved(conn, p["seeded"])
    wrong = {i: f for i, f in moved.items() if i not in p["ids"]}
    if wrong:
        return failed(f"also moved messages {sorted(wrong)}")
    missing = [i for i in p["ids"] if moved.get(i) != "archive"]
    if missing:
        return failed(f"messages {missing} are not in Archive")
    return passed("all archived")


# -- information seeking --------------------------------------------------------------------


def make_confirmation_code(conn: sqlite3.Connection, variant: int) -> Instance:
    bodies = [
        r[0]
        for r in conn.execute(
            "SELECT body FROM mail_messages WHERE sender_email = 'noreply@bluejet.example'"
            " ORDER BY id"
        )
    ]
    code = next(re.search(r"confirmation code is (\w+)", b) for b in bodies if "confirmation" in b)
    promo = next(re.search(r"promo code (\w+)", b) for b in bodies if "promo" in b)
    return Instance(
        "What is the confirmation code of my Bluejet Airways booking?",
        {"code": code[1], "decoy": promo[1]},
    )


def verify_confirmation_code(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    words = set(normalize(answer).upper().split())
    if p["decoy"] in words:
        return failed(f"answered the promo code: {answer!r}")
    if p["code"] in words:
        return passed("the code is right")
    return failed(f"wrong code: {answer!r}")


def make_count_from(conn: sqlite3.Connection, variant: int) -> Instance:
    person = _cast(conn)["frequent"][0]
    count = conn.execute(
        "SELECT COUNT(*) FROM mail_messages WHERE sender_email = ?", (person["email"],)
    ).fetchone()[0]
    return Instance(f"How many emails have I received from {person['name']}?", {"count": count})


def verify_count(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    if mentions_count(answer, p["count"]):
        return passed("the count is right")
    return failed(f"wrong count: {answer!r} (expected {p['count']})")


TEMPLATES = [
    TaskTemplate(
        "mail.send-new", make_send_new, verify_send_new, trap=True, min_actions=5, variants=2
    ),
    TaskTemplate("mail.forward", make_forward, verify_forward, trap=True, min_actions=5),
    TaskTemplate("mail.reply", make_reply, verify_reply, min_actions=4, variants=2),
    TaskTemplate("mail.delete", make_delete, verify_delete, trap=True, min_actions=3, variants=2),
    TaskTemplate("mail.archive-sender", make_archive_sender, verify_archive_sender, min_actions=7),
    TaskTemplate(
        "mail.confirmation-code", make_confirmation_code, verify_confirmation_code, min_actions=2
    ),
    TaskTemplate("mail.count-from", make_count_from, verify_count, min_actions=3),
]
