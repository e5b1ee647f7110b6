"""Helpers the sites' request handlers share: templates, the database, forms, pagination."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from forethought.envs.sites import db


def money(cents: int | None) -> str:
    return "" if cents is None else f"${cents / 100:,.2f}"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("forethought.envs.sites", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["money"] = money
    return env


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the request, its query and a flash message in scope."""
    page = (
        environment()
        .get_template(template)
        .render(
            request=request,
            query=request.query_params,
            flash=request.query_params.get("msg", ""),
            **context,
        )
    )
    return HTMLResponse(page, status_code=status_code)


def redirect(path: str, **query: Any) -> RedirectResponse:
    """A 303 to ``path`` (after a POST), with ``query`` such as a flash ``msg``."""
    params = {k: v for k, v in query.items() if v is not None}
    return RedirectResponse(path + ("?" + urlencode(params) if params else ""), status_code=303)


@contextmanager
def database(request: Request) -> Iterator[sqlite3.Connection]:
    with db.opened(request.app.state.db_path) as conn:
        yield conn


async def form(request: Request) -> dict[str, str]:
    """The posted form's fields (URL-encoded; the sites post no files), values stripped."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v.strip() for k, v in parse_qsl(body, keep_blank_values=True)}


def int_param(value: str | None, default: int, lo: int = 1, hi: int = 10_000) -> int:
    try:
        return max(lo, min(hi, int(value or default)))
    except ValueError:
        return default


@dataclass(frozen=True)
class Pager:
    """One page of a listing, with links that keep the rest of the query."""

    page: int
    pages: int
    total: int
    per_page: int
    base: str
    query: dict[str, str]

    @classmethod
    def of(cls, request: Request, total: int, per_page: int) -> Pager:
        pages = max(1, math.ceil(total / per_page))
        page = int_param(request.query_params.get("page"), 1, hi=pages)
        query = {k: v for k, v in request.query_params.items() if k not in ("page", "msg")}
        return cls(page, pages, total, per_page, request.url.path, query)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def link(self, page: int) -> str:
        return f"{self.base}?{urlencode({**self.query, 'page': page})}"

    def relink(self, **changes: str) -> str:
        """This listing's first page with some query parameters changed (e.g. the sort)."""
        return f"{self.base}?{urlencode({**self.query, **changes})}"

    @property
    def first_item(self) -> int:
        return min(self.total, self.offset + 1)

    @property
    def last_item(self) -> int:
        return min(self.total, self.offset + self.per_page)
