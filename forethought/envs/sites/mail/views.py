"""The webmail's pages: folders, search, thread view, compose, send, move and delete."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forethought.envs.sites.mail.data import FOLDERS
from forethought.envs.sites.web import Pager, database, form, redirect, render

PER_PAGE = 15
_ADDRESS = re.compile(r"<([^<>@\s]+@[^<>\s]+)>|([^\s<>,;]+@[^\s<>,;]+)")


def _common(conn: sqlite3.Connection) -> dict:
    unread = dict(
        conn.execute(
            "SELECT folder, COUNT(*) FROM mail_messages WHERE unread = 1 GROUP BY folder"
        ).fetchall()
    )
    account = conn.execute("SELECT * FROM mail_account").fetchone()
    return {"folders": FOLDERS, "unread": unread, "account": account}


def _listing(
    request: Request, conn: sqlite3.Connection, where: str, args: list, title: str, folder: str = ""
) -> Response:
    total = conn.execute(f"SELECT COUNT(*) FROM mail_messages WHERE {where}", args).fetchone()[0]
    pager = Pager.of(request, total, PER_PAGE)
    rows = conn.execute(
        f"SELECT * FROM mail_messages WHERE {where} ORDER BY sent_at DESC, id DESC"
        " LIMIT ? OFFSET ?",
        [*args, PER_PAGE, pager.offset],
    ).fetchall()
    return render(
        request,
        "mail/list.html",
        messages=rows,
        pager=pager,
        title=title,
        folder=folder,
        **_common(conn),
    )


async def inbox(request: Request) -> Response:
    return redirect("/mail/folder/inbox")


async def folder(request: Request) -> Response:
    name = request.path_params["name"]
    with database(request) as conn:
        if name not in FOLDERS:
            return render(request, "mail/missing.html", status_code=404, **_common(conn))
        return _listing(request, conn, "folder = ?", [name], name.capitalize(), name)


async def search(request: Request) -> Response:
    q = request.query_params.get("q", "").strip()
    where, args = ["folder != 'trash'"], []
    for word in q.split():
        where.append(
            "(subject LIKE ? OR body LIKE ? OR sender_name LIKE ? OR sender_email LIKE ?"
            " OR to_email LIKE ?)"
        )
        args += [f"%{word}%"] * 5
    with database(request) as conn:
        return _listing(
            request, conn, " AND ".join(where), args, f"Search: {q}" if q else "All mail"
        )


async def message(request: Request) -> Response:
    with database(request) as conn:
        row = conn.execute(
            "SELECT * FROM mail_messages WHERE id = ?", (request.path_params["id"],)
        ).fetchone()
        if row is None:
            return render(request, "mail/missing.html", status_code=404, **_common(conn))
        conn.execute("UPDATE mail_messages SET unread = 0 WHERE id = ?", (row["id"],))
        thread = conn.execute(
            "SELECT * FROM mail_messages WHERE id != ? AND folder != 'trash' AND (subject = ?"
            " OR subject = 'Re: ' || ? OR 'Re: ' || subject = ?) ORDER BY sent_at",
            (row["id"], row["subject"], row["subject"], row["subject"]),
        ).fetchall()
        return render(request, "mail/message.html", message=row, thread=thread, **_common(conn))


async def compose(request: Request) -> Response:
    q = request.query_params
    draft = {
        "to": q.get("to", ""),
        "cc": "",
        "subject": "",
        "body": "",
        "reply_of": "",
        "forward_of": "",
    }
    with database(request) as conn:
        for key, prefix in (("reply", "Re: "), ("forward", "Fwd: ")):
            original = conn.execute(
                "SELECT * FROM mail_messages WHERE id = ?", (q.get(key, ""),)
            ).fetchone()
            if original is None:
                continue
            subject = original["subject"]
            draft["subject"] = subject if subject.startswith(prefix) else prefix + subject
            draft[f"{key}_of"] = str(original["id"])
            quoted = (
                f"\n\n---------- Original message ----------\nFrom: {original['sender_name']}"
                f" <{original['sender_email']}>\nDate: {original['sent_at']}\nSubject: "
                f"{subject}\n\n{original['body']}"
            )
            draft["body"] = quoted
            if key == "reply":
                draft["to"] = f"{original['sender_name']} <{original['sender_email']}>"
        return _compose_page(request, conn, draft)


def _compose_page(
    request: Request, conn: sqlite3.Connection, draft: dict, error: str = "", status_code: int = 200
) -> Response:
    contacts = conn.execute("SELECT * FROM mail_contacts ORDER BY name").fetchall()
    return render(
        request,
        "mail/compose.html",
        draft=draft,
        contacts=contacts,
        error=error,
        status_code=status_code,
        **_common(conn),
    )


def resolve_recipients(conn: sqlite3.Connection, text: str) -> tuple[list[str], list[str]]:
    """E-mail addresses in ``text`` (``Name <a@b>``, ``a@b`` or an exact contact name)."""
    found, unknown = [], []
    for part in filter(None, (p.strip() for p in re.split(r"[,;]", text))):
        match = _ADDRESS.search(part)
        if match:
            found.append((match.group(1) or match.group(2)).lower())
            continue
        rows = conn.execute(
            "SELECT email FROM mail_contacts WHERE lower(name) = lower(?)", (part,)
        ).fetchall()
        if len(rows) == 1:
            found.append(rows[0]["email"])
        else:
            unknown.append(part)
    return found, unknown


async def send(request: Request) -> Response:
    data = await form(request)
    draft = {k: data.get(k, "") for k in ("to", "cc", "subject", "body", "reply_of", "forward_of")}
    with database(request) as conn:
        to, unknown_to = resolve_recipients(conn, draft["to"])
        cc, unknown_cc = resolve_recipients(conn, draft["cc"])
        problem = ""
        if unknown_to or unknown_cc:
            problem = f"Unknown recipient: {', '.join(unknown_to + unknown_cc)}."
        elif not to:
            problem = "Add at least one recipient."
        if problem:
            return _compose_page(request, conn, draft, problem, status_code=400)
        account = conn.execute("SELECT * FROM mail_account").fetchone()
        conn.execute(
            "INSERT INTO mail_messages (folder, seed_folder, sender_name, sender_email, to_email,"
            " cc, subject, body, sent_at, reply_of, forward_of, seeded)"
            " VALUES ('sent', 'sent', ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            (
                account["name"],
                account["email"],
                ", ".join(to),
                ", ".join(cc),
                draft["subject"] or "(no subject)",
                draft["body"],
                datetime.now().isoformat(timespec="minutes"),
                draft["reply_of"] or None,
                draft["forward_of"] or None,
            ),
        )
    return redirect("/mail/folder/inbox", msg="Message sent.")


async def save_draft(request: Request) -> Response:
    data = await form(request)
    with database(request) as conn:
        account = conn.execute("SELECT * FROM mail_account").fetchone()
        conn.execute(
            "INSERT INTO mail_messages (folder, seed_folder, sender_name, sender_email, to_email,"
            " subject, body, sent_at, seeded) VALUES ('drafts', 'drafts', ?, ?, ?, ?, ?, ?, 0)",
            (
                account["name"],
                account["email"],
                data.get("to", ""),
                data.get("subject") or "(no subject)",
                data.get("body", ""),
                datetime.now().isoformat(timespec="minutes"),
            ),
        )
    return redirect("/mail/folder/drafts", msg="Draft saved.")


async def delete(request: Request) -> Response:
    """Move to Trash; from Trash, delete for good."""
    with database(request) as conn:
        row = conn.execute(
            "SELECT folder FROM mail_messages WHERE id = ?", (request.path_params["id"],)
        ).fetchone()
        if row is None:
            return redirect("/mail/folder/inbox", msg="That message no longer exists.")
        if row["folder"] == "trash":
            conn.execute("DELETE FROM mail_messages WHERE id = ?", (request.path_params["id"],))
        else:
            conn.execute(
                "UPDATE mail_messages SET folder = 'trash' WHERE id = ?",
                (request.path_params["id"],),
            )
    return redirect(f"/mail/folder/{row['folder']}", msg="Message deleted.")


async def move(request: Request) -> Response:
    target = (await form(request)).get("folder", "")
    if target not in FOLDERS or target in ("sent", "drafts"):
        return redirect(f"/mail/message/{request.path_params['id']}", msg="Choose a folder.")
    with database(request) as conn:
        row = conn.execute(
            "SELECT folder FROM mail_messages WHERE id = ?", (request.path_params["id"],)
        ).fetchone()
        conn.execute(
            "UPDATE mail_messages SET folder = ? WHERE id = ?", (target, request.path_params["id"])
        )
    back = row["folder"] if row else "inbox"
    return redirect(f"/mail/folder/{back}", msg=f"Moved to {target.capitalize()}.")


async def star(request: Request) -> Response:
    with database(request) as conn:
        conn.execute(
            "UPDATE mail_messages SET starred = 1 - starred WHERE id = ?",
            (request.path_params["id"],),
        )
    return redirect(f"/mail/message/{request.path_params['id']}")


async def contacts(request: Request) -> Response:
    with database(request) as conn:
        rows = conn.execute("SELECT * FROM mail_contacts ORDER BY name").fetchall()
        return render(request, "mail/contacts.html", contacts=rows, **_common(conn))


async def settings(request: Request) -> Response:
    with database(request) as conn:
        return render(request, "mail/settings.html", **_common(conn))


ROUTES: list[BaseRoute] = [
    Route("/", inbox),
    Route("/folder/{name}", folder),
    Route("/search", search),
    Route("/message/{id:int}", message),
    Route("/message/{id:int}/delete", delete, methods=["POST"]),
    Route("/message/{id:int}/move", move, methods=["POST"]),
    Route("/message/{id:int}/star", star, methods=["POST"]),
    Route("/compose", compose),
    Route("/send", send, methods=["POST"]),
    Route("/drafts", save_draft, methods=["POST"]),
    Route("/contacts", contacts),
    Route("/settings", settings),
]
