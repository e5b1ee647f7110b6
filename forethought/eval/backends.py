"""Where episodes run. A backend's ``run(job)`` blocks until the episode's row is ready;
the runner calls it from as many threads as it has workers.

- :class:`LocalBackend`: one fresh worker process per episode (a crash or a hang
  takes down only that episode; a hung one is killed after the timeout);
- :class:`~forethought.eval.ray_backend.RayBackend`: Ray tasks on a local or remote cluster.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Protocol

from forethought.eval.store import EpisodeRow
from forethought.eval.worker import EpisodeFn, EpisodeJob, failed_row, timeout_row

#: Extra time a worker gets past the episode timeout to close its browser and report.
GRACE_SECONDS = 60.0


class Backend(Protocol):
    def run(self, job: EpisodeJob) -> EpisodeRow: ...

    def shutdown(self) -> None: ...


class LocalBackend:
    """Runs each episode in its own ``python -m forethought.eval.worker`` process."""

    def __init__(self, episode_fn: EpisodeFn | None = None, log_dir: Path | None = None) -> None:
        self.episode_fn = episode_fn
        self.log_dir = log_dir
        self._live: dict[int, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()
        self._closing = False

    def run(self, job: EpisodeJob) -> EpisodeRow:
        started = time.perf_counter()
        log_dir = self.log_dir or Path(job.out_dir) / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"{job.episode.key}.log"
        with log_path.open("wb") as log, self._lock:
            if self._closing:
                return failed_row(job, "run interrupted before the episode started", 0.0)
            proc = subprocess.Popen(
                [sys.executable, "-m", "forethought.eval.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
            )
            self._live[proc.pid] = proc
        try:
            payload = pickle.dumps((job, self.episode_fn, os.getpid()))
            out, _ = proc.communicate(payload, timeout=job.config.episode_timeout + GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return timeout_row(
                job,
                f"timed out after {job.config.episode_timeout:g} s and was killed",
                time.perf_counter() - started,
            )
        finally:
            with self._lock:
                self._live.pop(proc.pid, None)
        try:
            row = pickle.loads(out)
        except Exception:
            tail = _tail(log_path)
            return failed_row(
                job,
                f"worker process died (exit code {proc.returncode}); log {log_path}:\n{tail}",
                time.perf_counter() - started,
            )
        assert isinstance(row, EpisodeRow)
        return row

    def shutdown(self) -> None:
        """Kills the worker processes still running (their episodes rerun next time)."""
        with self._lock:
            self._closing = True
            live = list(self._live.values())
        for proc in live:
            proc.kill()


def _tail(path: Path, lines: int = 12) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
