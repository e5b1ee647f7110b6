"""FakeOpenAIServer: a scripted stand-in for an OpenAI-compatible endpoint.

It is a fake, named as one: the client's retry, repair and error paths need a server
that fails on purpose. Real-model behaviour is tested against the embedded server.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def chat_reply(content: str, *, prompt: int = 10, completion: int = 5, cached: int = 0) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": "fake",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
    }


@dataclass
class FakeOpenAIServer:
    """Answers /v1/chat/completions from a script of (status, body) pairs, in order."""

    owned_by: str = "fake-openai"
    delay: float = 0.0
    script: list[tuple[int, dict]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    max_in_flight: int = 0
    _in_flight: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    async def _chat(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            self.requests.append(body)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            status, reply = self.script.pop(0) if self.script else (200, chat_reply("ok"))
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return JSONResponse(reply, status_code=status)
        finally:
            with self._lock:
                self._in_flight -= 1

    async def _models(self, _: Request) -> JSONResponse:
        data = [{"id": "fake", "object": "model", "owned_by": self.owned_by, "created": 0}]
        return JSONResponse({"object": "list", "data": data})

    def __enter__(self) -> str:
        app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/v1/models", self._models),
            ]
        )
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1"

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(5)
