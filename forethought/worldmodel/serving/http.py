"""The HTTP face of the embedded engine: ``/health``, ``/v1/models``, ``/v1/chat/completions``
and ``/v1/score_continuations`` (ours: :meth:`EmbeddedEngine.score`)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from forethought.worldmodel.serving.embedded import EmbeddedEngine, EngineError

#: The line a server prints once it listens; the managed-subprocess helper waits for it.
READY_PREFIX = "FORETHOUGHT_SERVER_READY "
#: Set (to the parent's pid) by the managed-subprocess helper: the server then stops when
#: its parent is gone, so a killed run leaves no model server behind.
EXIT_WITH_PARENT = "FORETHOUGHT_EXIT_WITH_PARENT"


def _error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status)


def create_app(engine: EmbeddedEngine) -> Starlette:
    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "model": engine.model_name, "spec": engine.spec})

    async def models(_: Request) -> JSONResponse:
        card = {"id": engine.model_name, "object": "model", "owned_by": "forethought-embedded"}
        return JSONResponse({"object": "list", "data": [card]})

    def serve(method: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable:
        async def endpoint(request: Request) -> JSONResponse:
            try:
                body = await request.json()
            except json.JSONDecodeError as err:
                return _error(400, f"request body is not JSON: {err}")
            if not isinstance(body, dict):
                return _error(400, "request body must be a JSON object")
            try:
                return JSONResponse(await run_in_threadpool(method, body))
            except EngineError as err:
                return _error(400, str(err))

        return endpoint

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/v1/models", models),
            Route("/v1/chat/completions", serve(engine.chat), methods=["POST"]),
            Route("/v1/score_continuations", serve(engine.score), methods=["POST"]),
        ]
    )


def run_server(
    engine: EmbeddedEngine,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve until Ctrl-C or SIGTERM (uvicorn shuts down cleanly on both).

    ``port=0`` binds a free port. Once listening, the base URL is announced on stdout
    with :data:`READY_PREFIX` so a parent process can find it.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    base_url = f"http://{host}:{sock.getsockname()[1]}/v1"
    config = uvicorn.Config(create_app(engine), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)

    async def _startup_announce() -> None:
        (announce or _print_ready)(base_url)

    original_startup = server.startup

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original_startup(sockets=sockets)
        await _startup_announce()

    server.startup = startup  # type: ignore[method-assign]
    if parent := os.environ.get(EXIT_WITH_PARENT):
        threading.Thread(target=_watch_parent, args=(int(parent), server), daemon=True).start()
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal so the
    # exit status tells why it stopped; Ctrl-C then ends here without a traceback.
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])


def _watch_parent(parent: int, server: uvicorn.Server) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    server.should_exit = True


def _print_ready(base_url: str) -> None:
    print(f"{READY_PREFIX}{base_url}", flush=True)
    print(f"Serving at {base_url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
