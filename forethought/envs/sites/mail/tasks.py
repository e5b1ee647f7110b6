"""The webmail's task templates and their verifiers, which read the mailbox."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from forethought.envs.sites.base import Instance, Params, TaskTemplate
from forethought.envs.sites.mail.data import (
    FILLER,
    NEWSLETTERS,
    QUESTIONS,
    SHARED_SUBJECTS,
    cast,
)
from forethought.envs.sites.mail.views import PER_PAGE
from forethought.envs.sites.reference import DONE, answer, click, fill
from forethought.envs.sites.verify import (
    failed,
    judge_code,
    judge_count,
    judge_time,
    mentions,
    mentions_code,
    mentions_time,
    passed,
)
from forethought.envs.types import Verdict

Row = sqlite3.Row


def _cast(conn: sqlite3.Connection) -> dict[str, Any]:
    return cast(conn.execute("SELECT * FROM mail_contacts ORDER BY id").fetchall())


def _message(conn: sqlite3.Connection, sender: str, subject: str) -> Row:
    return conn.execute(
        "SELECT * FROM mail_messages WHERE sender_email = ? AND subject = ?", (sender, subject)
    ).fetchone()


def _inbox(conn: sqlite3.Connection) -> list[int]:
    """The inbox's message ids in the order it lists them."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT id FROM mail_messages WHERE folder = 'inbox' ORDER BY sent_at DESC, id DESC"
        )
    ]


def _opening(conn: sqlite3.Connection, message: Row, listed: list[int] | None = None) -> Params:
    """What a solution needs to open ``message`` from the inbox's first page."""
    listed = _inbox(conn) if listed is None else listed
    return {
        "subject": message["subject"],
        "sender": message["sender_name"],
        "page": listed.index(message["id"]) // PER_PAGE + 1,
    }


def _open(at: Params) -> list[str]:
    """From the inbox's first page into the message ``at`` (from :func:`_opening`)."""
    pages = [click("Next ›", "link")] * (at["page"] - 1)
    return [*pages, click(at["subject"], "link", row=at["sender"])]


def _send(to: str, body: str | None = None, subject: str | None = None) -> list[str]:
    """Fill in the compose form and send it; ``None`` leaves a field as it is."""
    fields = [fill("To", to)] + ([fill("Subject", subject)] if subject else [])
    fields += [fill("Message", body)] if body else []
    return [*fields, click("Send"), DONE]


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

#: (subject, news, the fact the body must carry: a room code or a time in minutes).
_NEWS: list[tuple[str, str, str | int]] = [
    ("Room change for Thursday", "we moved to room 4B", "4B"),
    ("Updated travel plans", "I'm taking the 9:40 train", 9 * 60 + 40),
]


def _carries(body: str, fact: str | int) -> bool:
    return mentions_time(body, fact) if isinstance(fact, int) else mentions_code(body, fact)


def make_send_new(conn: sqlite3.Connection, variant: int) -> Instance:
    target, decoy = _cast(conn)["pairs"][2 + variant]
    subject, news, fact = _NEWS[variant]
    goal = f'Email {target["name"]} with the subject "{subject}" and tell them {news}.'
    return Instance(
        goal,
        {
            "to": target["email"],
            "name": target["name"],
            "decoy": decoy["email"],
            "decoy_name": decoy["name"],
            "subject": subject,
            "news": news,
            "fact": fact,
        },
    )


def solve_send_new(p: Params) -> list[str]:
    return [click("✎ Compose", "link"), *_send(p["name"], f"Hi, {p['news']}.", p["subject"])]


def trap_send_new(p: Params) -> list[str]:
    return [click("✎ Compose", "link"), *_send(p["decoy_name"], f"Hi, {p['news']}.", p["subject"])]


def verify_send_new(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return _send_check(
        conn, p, lambda m: mentions(m["subject"], p["subject"]) and _carries(m["body"], p["fact"])
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
    return Instance(goal, _forwarding(conn, original, target, decoy, opened=False))


def _forwarding(
    conn: sqlite3.Connection, original: Row, target: Row, decoy: Row, *, opened: bool
) -> Params:
    return {
        "to": target["email"],
        "name": target["name"],
        "decoy": decoy["email"],
        "decoy_name": decoy["name"],
        "original": original["id"],
        "open": None if opened else _opening(conn, original),
    }


def make_forward_open(conn: sqlite3.Connection, variant: int) -> Instance:
    """Forward the message the task starts on to one of two look-alike contacts."""
    target, decoy = reversed(_cast(conn)["pairs"][0])
    subjects = [subject for subject, _ in FILLER]
    original = conn.execute(
        "SELECT * FROM mail_messages WHERE folder = 'inbox' AND subject IN"
        f" ({', '.join('?' * len(subjects))}) ORDER BY sent_at DESC LIMIT 1",
        subjects,
    ).fetchone()
    return Instance(
        f"Forward this email to {target['name']}.",
        _forwarding(conn, original, target, decoy, opened=True),
        f"/message/{original['id']}",
    )


def _forward(p: Params, name: str) -> list[str]:
    opening = _open(p["open"]) if p["open"] else []
    return [*opening, click("Forward", "link"), *_send(name)]


def solve_forward(p: Params) -> list[str]:
    return _forward(p, p["name"])


def trap_forward(p: Params) -> list[str]:
    return _forward(p, p["decoy_name"])


def verify_forward(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    """A forward of the original (not a reply, nor a new message with its subject)."""
    return _send_check(conn, p, lambda m: m["forward_of"] == p["original"] and not m["reply_of"])


# -- reply to a question --------------------------------------------------------------------

_REPLY_KEYWORDS: tuple[str | int, ...] = (15 * 60, "bank transfer", "Friday")


def make_reply(conn: sqlite3.Connection, variant: int) -> Instance:
    asker = _cast(conn)["askers"][variant]
    subject, _, reply = QUESTIONS[variant]
    original = _message(conn, asker["email"], subject)
    goal = f'Reply to {asker["name"]}\'s email "{subject}" and tell them {reply}.'
    return Instance(goal, _replying(conn, original, variant, reply, opened=False))


def _replying(
    conn: sqlite3.Connection, original: Row, variant: int, reply: str, *, opened: bool
) -> Params:
    return {
        "to": original["sender_email"],
        "decoy": "",
        "original": original["id"],
        "keyword": _REPLY_KEYWORDS[variant],
        "reply": reply,
        "open": None if opened else _opening(conn, original),
    }


def make_reply_open(conn: sqlite3.Connection, variant: int) -> Instance:
    """Reply to the message the task starts on."""
    asker = _cast(conn)["askers"][2]
    subject, _, reply = QUESTIONS[2]
    original = _message(conn, asker["email"], subject)
    return Instance(
        f"Reply to this email and tell them {reply}.",
        _replying(conn, original, 2, reply, opened=True),
        f"/message/{original['id']}",
    )


def solve_reply(p: Params) -> list[str]:
    opening = _open(p["open"]) if p["open"] else []
    return [
        *opening,
        click("Reply", "link"),
        fill("Message", f"Hi, {p['reply']}."),
        click("Send"),
        DONE,
    ]


def _says(body: str, keyword: str | int) -> bool:
    own = body.split("-------")[0]  # not the quoted original
    return mentions_time(own, keyword) if isinstance(keyword, int) else mentions(own, keyword)


def verify_reply(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    """A reply to the original (not a forward) whose own text says what was asked."""
    return _send_check(
        conn,
        p,
        lambda m: (
            m["reply_of"] == p["original"]
            and not m["forward_of"]
            and _says(m["body"], p["keyword"])
        ),
    )


# -- delete one of two messages with the same subject (trap) -------------------------------


def make_delete(conn: sqlite3.Connection, variant: int) -> Instance:
    target, decoy = _cast(conn)["pairs"][variant]
    subject = SHARED_SUBJECTS[variant][0]
    goal = f'Delete the email "{subject}" from {target["name"]}.'
    message = _message(conn, target["email"], subject)
    decoy_message = _message(conn, decoy["email"], subject)
    return Instance(
        goal,
        {
            "id": message["id"],
            "decoy_id": decoy_message["id"],
            "seeded": _seeded_count(conn),
            "open": _opening(conn, message),
            "decoy_open": _opening(conn, decoy_message),
        },
    )


def _delete(at: Params) -> list[str]:
    return [*_open(at), click("Delete"), click("Delete message"), DONE]


def solve_delete(p: Params) -> list[str]:
    return _delete(p["open"])


def trap_delete(p: Params) -> list[str]:
    return _delete(p["decoy_open"])


_DELETED = ("trash", "gone")


def verify_delete(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    """The trap is deleting another message; moving one elsewhere (archive) is only wrong."""
    moved = _moved(conn, p["seeded"])
    deleted = sorted(i for i, f in moved.items() if i != p["id"] and f in _DELETED)
    if deleted:
        return failed(f"deleted the wrong message(s) {deleted}", trap=True)
    others = {i: f for i, f in moved.items() if i != p["id"]}
    if others:
        return failed(f"also moved messages {others}")
    if moved.get(p["id"]) not in _DELETED:
        return failed(
            f"message {p['id']} was not deleted (it is in {moved.get(p['id'], 'its folder')})"
        )
    return passed("the right message was deleted")


def _changed(conn: sqlite3.Connection, p: Params, target: int, folder: str) -> Verdict:
    """Pass if only message ``target`` moved, to ``folder``."""
    moved = _moved(conn, p["seeded"])
    others = {i: f for i, f in moved.items() if i != target}
    if others:
        return failed(f"also moved messages {others}")
    if moved.get(target) != folder:
        return failed(f"message {target} is not in {folder.capitalize()}")
    return passed(f"message {target} is in {folder.capitalize()}")


def make_star(conn: sqlite3.Connection, variant: int) -> Instance:
    """Star one of two messages that share a subject."""
    _, target = _cast(conn)["pairs"][1]
    subject = SHARED_SUBJECTS[1][0]
    message = _message(conn, target["email"], subject)
    return Instance(
        f'Star the email "{subject}" from {target["name"]}.',
        {"id": message["id"], "open": _opening(conn, message)},
    )


def solve_star(p: Params) -> list[str]:
    return [*_open(p["open"]), click("Star"), DONE]


def verify_star(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    starred = [r[0] for r in conn.execute("SELECT id FROM mail_messages WHERE starred = 1")]
    if starred != [p["id"]]:
        return failed(f"starred messages are {starred}, wanted only {p['id']}")
    return passed("the right message is starred")


def make_archive_one(conn: sqlite3.Connection, variant: int) -> Instance:
    sender, email, subjects = NEWSLETTERS[1]
    message = _message(conn, email, subjects[0])
    return Instance(
        f'Archive the email "{subjects[0]}" from {sender}.',
        {"id": message["id"], "seeded": _seeded_count(conn), "open": _opening(conn, message)},
    )


def solve_archive_one(p: Params) -> list[str]:
    return [*_open(p["open"]), click("Archive"), DONE]


def verify_archive_one(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return _changed(conn, p, p["id"], "archive")


# -- archive every newsletter from one sender ----------------------------------------------


def make_archive_sender(conn: sqlite3.Connection, variant: int) -> Instance:
    sender, email, _ = NEWSLETTERS[0]
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM mail_messages WHERE sender_email = ? AND folder = 'inbox'", (email,)
        )
    ]
    listed = _inbox(conn)
    openings = []
    for message_id in sorted(ids, key=listed.index):  # top first; each leaves the list
        row = conn.execute("SELECT * FROM mail_messages WHERE id = ?", (message_id,)).fetchone()
        openings.append(_opening(conn, row, listed))
        listed.remove(message_id)
    return Instance(
        f"Move every email from {sender} in my inbox to the Archive folder.",
        {"ids": ids, "seeded": _seeded_count(conn), "openings": openings},
    )


def solve_archive_sender(p: Params) -> list[str]:
    return [step for at in p["openings"] for step in [*_open(at), click("Archive")]] + [DONE]


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
    rows = conn.execute(
        "SELECT subject, body FROM mail_messages WHERE sender_email = 'noreply@bluejet.example'"
        " ORDER BY id"
    ).fetchall()
    booking = next(r for r in rows if "confirmation code" in r["body"])
    code = re.search(r"confirmation code is (\w+)", booking["body"])
    promo = next(re.search(r"promo code (\w+)", r["body"]) for r in rows if "promo" in r["body"])
    return Instance(
        "What is the confirmation code of my Bluejet Airways booking?",
        {"code": code[1], "decoy": promo[1], "subject": booking["subject"]},
    )


def solve_confirmation_code(p: Params) -> list[str]:
    return [
        fill("Search mail", "Bluejet", "searchbox"),
        click("Search"),
        click(p["subject"], "link"),
        answer(p["code"]),
    ]


def verify_confirmation_code(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return judge_code(answer, p["code"], wrong=[p["decoy"]])


def make_count_from(conn: sqlite3.Connection, variant: int) -> Instance:
    person = _cast(conn)["frequent"][0]
    count = conn.execute(
        "SELECT COUNT(*) FROM mail_messages WHERE sender_email = ?", (person["email"],)
    ).fetchone()[0]
    return Instance(
        f"How many emails have I received from {person['name']}?",
        {"count": count, "name": person["name"]},
    )


def solve_count_from(p: Params) -> list[str]:
    return [fill("Search mail", p["name"], "searchbox"), click("Search"), answer(str(p["count"]))]


def verify_count(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return judge_count(answer, p["count"])


def make_meeting_time(conn: sqlite3.Connection, variant: int) -> Instance:
    """Read a time out of one message."""
    asker = _cast(conn)["askers"][0]
    subject = QUESTIONS[0][0]
    message = _message(conn, asker["email"], subject)
    return Instance(
        f"At what time does the design review that {asker['name']} asked me to join start?",
        {"minutes": 15 * 60, "open": _opening(conn, message)},
    )


def solve_meeting_time(p: Params) -> list[str]:
    return [*_open(p["open"]), answer("3 pm")]


def verify_time(conn: sqlite3.Connection, p: Params, answer: str | None) -> Verdict:
    return judge_time(answer, p["minutes"])


TEMPLATES = [
    TaskTemplate(
        "mail.send-new",
        make_send_new,
        verify_send_new,
        solve_send_new,
        trap_send_new,
        trap=True,
        variants=2,
    ),
    TaskTemplate(
        "mail.forward", make_forward, verify_forward, solve_forward, trap_forward, trap=True
    ),
    TaskTemplate("mail.reply", make_reply, verify_reply, solve_reply, variants=2),
    TaskTemplate(
        "mail.delete", make_delete, verify_delete, solve_delete, trap_delete, trap=True, variants=2
    ),
    TaskTemplate(
        "mail.archive-sender", make_archive_sender, verify_archive_sender, solve_archive_sender
    ),
    TaskTemplate(
        "mail.confirmation-code",
        make_confirmation_code,
        verify_confirmation_code,
        solve_confirmation_code,
    ),
    TaskTemplate("mail.count-from", make_count_from, verify_count, solve_count_from),
    # The ladder's short rungs.
    TaskTemplate("mail.meeting-time", make_meeting_time, verify_time, solve_meeting_time),
    TaskTemplate("mail.star", make_star, verify_star, solve_star),
    TaskTemplate("mail.archive-one", make_archive_one, verify_archive_one, solve_archive_one),
    TaskTemplate("mail.reply-open", make_reply_open, verify_reply, solve_reply),
    TaskTemplate(
        "mail.forward-open",
        make_forward_open,
        verify_forward,
        solve_forward,
        trap_forward,
        trap=True,
    ),
]
