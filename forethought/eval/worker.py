"""One episode, wherever it runs: a local worker process or a Ray task.

:func:`run_job` never raises for the episode's own failures: a crash becomes an error
row, so the run goes on, and so does a timeout unless the episode judged the state it
stopped in (see :func:`timeout_row`). ``python -m forethought.eval.worker`` is the local
worker process: it reads a pickled ``(job, episode_fn)`` on stdin and writes the pickled
:class:`EpisodeRow` on its original stdout (everything the episode prints goes to stderr).
"""

from __future__ import annotations

import asyncio
import os
import pickle
import shutil
import sys
import threading
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

from pydantic import BaseModel

from forethought.agents.config import AgentConfig
from forethought.agents.result import EpisodeResult
from forethought.agents.state import StopReason
from forethought.agents.trace import read_trace
from forethought.eval.config import Episode, EvalConfig
from forethought.eval.store import TRACES, EpisodeRow


class EpisodeJob(BaseModel):
    """Everything a worker needs for one episode."""

    episode: Episode
    config: EvalConfig
    out_dir: str
    base_url: str

    @property
    def trace_rel(self) -> str:
        return f"{TRACES}/{self.episode.key}"

    @property
    def trace_dir(self) -> Path:
        return Path(self.out_dir) / self.trace_rel

    @property
    def agent_config(self) -> AgentConfig:
        return self.config.agent_config(self.episode.agent)


#: Runs one episode and returns its result (the default is :func:`agent_episode`).
EpisodeFn = Callable[[EpisodeJob], Awaitable[EpisodeResult]]


async def agent_episode(job: EpisodeJob) -> EpisodeResult:
    """The real agent on the shared model server; the trace goes to the job's folder."""
    from forethought.agents import Agent

    agent = Agent(job.agent_config, model=job.config.model, base_url=job.base_url)
    async with agent:
        return await agent.run(
            job.episode.task,
            seed=job.episode.seed,
            run_id=job.episode.key,
            folder=job.trace_dir,
        )


def run_job(job: EpisodeJob, episode_fn: EpisodeFn | None = None) -> EpisodeRow:
    """Runs one episode within the configured timeout; crashes become error rows, and
    timeouts become the rows :func:`timeout_row` makes."""
    fn = episode_fn or agent_episode
    if job.trace_dir.exists():  # a partial trace of a killed run: start afresh
        shutil.rmtree(job.trace_dir)
    job.trace_dir.mkdir(parents=True)
    timeout = job.config.episode_timeout
    started = time.perf_counter()
    try:
        result = asyncio.run(asyncio.wait_for(fn(job), timeout))
    except TimeoutError:
        message = f"timed out after {timeout:g} s (--episode-timeout)"
        return timeout_row(job, message, time.perf_counter() - started)
    except Exception as exc:
        detail = "".join(traceback.format_exception_only(exc)).strip()
        message = f"episode crashed: {detail}"
    else:
        return EpisodeRow.from_result(job.episode, job.config, result, job.trace_rel)
    return failed_row(job, message, time.perf_counter() - started)


def timeout_row(job: EpisodeJob, message: str, seconds: float) -> EpisodeRow:
    """The row of an episode that ran out of time.

    Cancelled by the timeout, the episode judges the state it left the sites in and
    writes that result (stop reason ``cancelled``; see
    :func:`~forethought.agents.episode.run_episode`). With that result, the row is a
    finished episode's: the verdict's success, trap and reason, ``timed_out`` set and
    **no error**, so a success reached before the timeout counts as a success, a failure
    as a failure, and neither as an error (reports count errors and timeouts apart). With
    no such result (the state could not be judged, or the worker was killed first) it is
    an error row carrying ``message``, ``timed_out`` set as well.
    """
    trace = read_trace(job.trace_dir) if job.trace_dir.is_dir() else None
    result = trace.result if trace else None
    if result is not None and result.stop_reason == StopReason.CANCELLED:
        row = EpisodeRow.from_result(job.episode, job.config, result, job.trace_rel)
        return row.model_copy(update={"timed_out": True})
    finished = trace.steps if trace else []
    return EpisodeRow.failed(
        job.episode, job.config, message, job.trace_rel, seconds, finished, timed_out=True
    )


def failed_row(job: EpisodeJob, message: str, seconds: float) -> EpisodeRow:
    """An error row that keeps the steps and usage the episode's trace shows finished."""
    finished = read_trace(job.trace_dir).steps if job.trace_dir.is_dir() else []
    return EpisodeRow.failed(job.episode, job.config, message, job.trace_rel, seconds, finished)


def _die_with_parent(parent: int) -> None:
    """Exit if the driver dies (even by SIGKILL), so no orphan keeps running an episode."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(70)

    if os.getppid() != parent:
        os._exit(70)
    threading.Thread(target=watch, daemon=True).start()


def main() -> None:
    result_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # the episode's prints go to the log, never into the result stream
    job, episode_fn, parent = pickle.load(sys.stdin.buffer)
    _die_with_parent(parent)
    row = run_job(job, episode_fn)
    pickle.dump(row, result_out)
    result_out.flush()


if __name__ == "__main__":
    main()
