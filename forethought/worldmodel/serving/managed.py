"""Start and stop the embedded model server as a managed subprocess.

``solve`` and ``eval`` use this so a user needs no second terminal. The child prints a
ready line with its base URL (see :mod:`forethought.worldmodel.serving.http`); its logs go
to ``$FORETHOUGHT_HOME/logs/``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from forethought import settings
from forethought.worldmodel import registry
from forethought.worldmodel.serving.http import EXIT_WITH_PARENT, READY_PREFIX


class ServerStartError(RuntimeError):
    """The embedded server did not come up; the message carries its log's tail."""


class ManagedServer:
    """One embedded server process; use as a context manager or call start/stop."""

    def __init__(
        self,
        model: str = settings.DEFAULT_MODEL,
        *,
        spec: str | None = None,
        n_ctx: int | None = None,
        startup_timeout: float = 600.0,
    ) -> None:
        self.model = model
        self.spec = spec
        self.n_ctx = n_ctx
        self.startup_timeout = startup_timeout
        self.base_url: str | None = None
        self.log_path: Path | None = None
        self._proc: subprocess.Popen[str] | None = None
        #: The child's exit status once stopped (0 after a clean shutdown).
        self.returncode: int | None = None

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "forethought", "serve", "--model", self.model, "--port", "0"]
        if self.spec:
            cmd += ["--spec", self.spec]
        if self.n_ctx:
            cmd += ["--ctx", str(self.n_ctx)]
        return cmd

    def start(self) -> str:
        """Start the server and wait until it answers ``/health``; returns its base URL."""
        if self.base_url:
            return self.base_url
        logs = settings.logs_dir()
        logs.mkdir(parents=True, exist_ok=True)
        self.log_path = logs / f"server-{os.getpid()}-{time.time_ns()}.log"
        log = self.log_path.open("w")
        self._proc = subprocess.Popen(
            self.command(),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            bufsize=1,
            env={**os.environ, EXIT_WITH_PARENT: str(os.getpid())},
        )
        log.close()
        found: list[str] = []
        reader = threading.Thread(target=self._read_ready, args=(found,), daemon=True)
        reader.start()
        reader.join(self.startup_timeout)
        if not found:
            self.stop()
            raise ServerStartError(self._failure("did not become ready"))
        self.base_url = found[0]
        self._wait_healthy()
        return self.base_url

    def _read_ready(self, found: list[str]) -> None:
        assert self._proc and self._proc.stdout
        for line in self._proc.stdout:
            if line.startswith(READY_PREFIX):
                found.append(line[len(READY_PREFIX) :].strip())
                break
        # Keep draining so the child never blocks on a full pipe.
        threading.Thread(target=self._proc.stdout.read, daemon=True).start()

    def _wait_healthy(self) -> None:
        assert self.base_url
        health = self.base_url.removesuffix("/v1") + "/health"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(health, timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise ServerStartError(self._failure("listens but /health does not answer"))

    def _failure(self, what: str) -> str:
        tail = ""
        if self.log_path and self.log_path.exists():
            tail = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-15:])
        return f"embedded server for {self.model} {what}. Log {self.log_path}:\n{tail}"

    def stop(self) -> None:
        proc, self._proc, self.base_url = self._proc, None, None
        if proc is None or proc.poll() is not None:
            self.returncode = proc.returncode if proc else self.returncode
            return
        proc.send_signal(signal.SIGTERM)
        try:
            self.returncode = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            self.returncode = proc.wait()

    def __enter__(self) -> ManagedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def embedded_server(model: str = settings.DEFAULT_MODEL, **kwargs: object) -> Iterator[str]:
    """Pull ``model`` if needed, serve it, and yield the base URL."""
    if model in registry.MODELS:
        registry.pull(model)
    with ManagedServer(model, **kwargs) as server:  # type: ignore[arg-type]
        assert server.base_url
        yield server.base_url
