"""The one ASGI app that serves every built-in site under its own path prefix."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from forethought.envs.sites.catalog import all_sites
from forethought.envs.sites.web import render

INFO_PAGES = {
    "about": ("About us", "We build friendly web services for everyday errands."),
    "careers": ("Careers", "We are hiring engineers, designers and support staff. Apply by email."),
    "privacy": ("Privacy", "We store only what we need to run your account and never sell data."),
}


async def index(request: Request) -> Response:
    return render(request, "index.html", sites=all_sites())


async def info(request: Request) -> Response:
    title, text = INFO_PAGES[request.url.path.strip("/")]
    return render(request, "info.html", title=title, text=text)


def create_app(db_path: Path) -> Starlette:
    """The sites' app, reading and writing the SQLite file at ``db_path``."""
    routes: list[BaseRoute] = [
        Route("/", index),
        *(Route(f"/{page}", info, name=page) for page in INFO_PAGES),
        Mount(
            "/static", StaticFiles(packages=[("forethought.envs.sites", "static")]), name="static"
        ),
        *(Mount(site.prefix, routes=site.routes, name=site.name) for site in all_sites()),
    ]
    app = Starlette(routes=routes)
    app.state.db_path = db_path
    return app
