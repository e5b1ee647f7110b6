"""``SiteServer``: the sites' ASGI app under uvicorn on 127.0.0.1, in a background thread."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import uvicorn

from forethought.envs.sites import db
from forethought.envs.sites.app import create_app
from forethought.envs.sites.catalog import all_sites

STARTUP_TIMEOUT_S = 15.0


class SiteServer:
    """One server for all built-in sites, with its own SQLite file.

    Several can run in one process (one per parallel episode). ``port=0`` picks a free
    port. Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self, *, seed: int = 0, port: int = 0, host: str = "127.0.0.1", db_path: Path | None = None
    ) -> None:
        self.host = host
        self.seed = seed
        self._requested_port = port
        self._own_dir = None if db_path else Path(tempfile.mkdtemp(prefix="forethought-sites-"))
        self.db_path = db_path or self._own_dir / "sites.db"  # type: ignore[operator]
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("SiteServer is not started; call start() first")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    @property
    def origin(self) -> str:
        return self.base_url

    def url(self, path: str = "/") -> str:
        """An absolute URL for a path on the sites (absolute URLs pass through)."""
        if "://" in path:
            return path
        return self.base_url + ("" if path.startswith("/") else "/") + path

    def rebase(self, url: str) -> str:
        """The same page on this server: a path, or a URL on this host under any port."""
        parts = urlsplit(url)
        if parts.netloc and parts.hostname != self.host:
            return url  # another site altogether
        return self.url(urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment)))

    def reset(self, seed: int | None = None) -> None:
        """Rebuild every site's data for ``seed`` (default: the last seed used)."""
        if seed is not None:
            self.seed = seed
        snapshot = self.db_path.with_name(f"{self.db_path.stem}.seed-{self.seed}.snapshot")
        if not snapshot.exists():
            db.build(snapshot, all_sites(), self.seed)
        db.restore(snapshot, self.db_path)

    def connect(self) -> sqlite3.Connection:
        """A connection to the live database, for verifiers and tests."""
        return db.connect(self.db_path)

    def start(self, reset: bool = True) -> SiteServer:
        """Serve on a free (or the requested) port.

        ``reset=False`` keeps an existing database as it is (to resume a run); a missing
        one is still built for the current seed.
        """
        if self.running:
            return self
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        if reset or not self.db_path.exists():
            self.reset()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._requested_port))
        except OSError as exc:
            sock.close()
            raise RuntimeError(
                f"cannot listen on {self.host}:{self._requested_port} ({exc}); "
                "pick another port or use port 0 for a free one"
            ) from exc
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            create_app(self.db_path), log_level="warning", access_log=False, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"site-server-{self._port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the sites' server did not start on {self.host}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and remove the database (and snapshots) if this server created them."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None
        if self._own_dir is not None:
            shutil.rmtree(self._own_dir, ignore_errors=True)

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
