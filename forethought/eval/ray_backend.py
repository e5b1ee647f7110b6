"""Episodes as Ray tasks (``forethought eval --backend ray [--address …]``).

Without ``--address`` a local Ray instance starts (and stops at the end). With one, the
workers must reach the model server (give ``--base-url``) and ``DIR`` (a shared folder),
and have forethought installed. Needs ``pip install 'forethought[ray]'``.
"""

from __future__ import annotations

import os
import time
from typing import Any

from forethought.eval.backends import GRACE_SECONDS
from forethought.eval.config import EvalConfigError
from forethought.eval.store import EpisodeRow
from forethought.eval.worker import EpisodeFn, EpisodeJob, failed_row, run_job, timeout_row


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise EvalConfigError("--backend ray needs Ray: pip install 'forethought[ray]'") from exc
    return ray


class RayBackend:
    """Submits each episode as one Ray task (1 CPU) and waits for its row."""

    def __init__(
        self, address: str | None, workers: int, episode_fn: EpisodeFn | None = None
    ) -> None:
        self.ray = _import_ray()
        self._started_here = not self.ray.is_initialized()
        if self._started_here:
            options: dict[str, Any] = {"log_to_driver": False, "include_dashboard": False}
            if address is None:
                options["num_cpus"] = max(workers, os.cpu_count() or 1)
            self.ray.init(address=address, **options)
        self._remote = self.ray.remote(num_cpus=1, max_retries=0)(run_job)
        self.episode_fn = episode_fn

    def run(self, job: EpisodeJob) -> EpisodeRow:
        started = time.perf_counter()
        ref = self._remote.remote(job, self.episode_fn)
        try:
            row = self.ray.get(ref, timeout=job.config.episode_timeout + GRACE_SECONDS)
        except self.ray.exceptions.GetTimeoutError:
            self.ray.cancel(ref, force=True)
            message = f"timed out after {job.config.episode_timeout:g} s and was cancelled"
            return timeout_row(job, message, time.perf_counter() - started)
        except self.ray.exceptions.RayError as exc:
            message = f"Ray task failed: {str(exc).strip().splitlines()[-1]}"
        else:
            assert isinstance(row, EpisodeRow)
            return row
        return failed_row(job, message, time.perf_counter() - started)

    def shutdown(self) -> None:
        if self._started_here and self.ray.is_initialized():
            self.ray.shutdown()
