"""The parallel, resumable evaluation runner behind ``forethought eval``.

Every (task, agent, seed) is one episode. Finished episodes (rows in the store) are
skipped, so running the same command again resumes; only the driver writes the store.
Workers share one model server: the runner starts the embedded one when no base URL is
given.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from forethought.envs.suites import SuiteError, check_ready, load_tasks
from forethought.eval.backends import Backend, LocalBackend
from forethought.eval.config import Episode, EvalConfig, EvalConfigError
from forethought.eval.store import EpisodeRow, ResultsStore
from forethought.eval.worker import EpisodeFn, EpisodeJob

BackendName = Literal["local", "ray"]


@dataclass
class EvalSummary:
    """What one ``run_eval`` call did."""

    out_dir: Path
    total: int
    skipped: int
    ran: int
    successes: int
    errors: int
    seconds: float
    #: Episodes that ran out of time (judged on their final state unless also errors).
    timed_out: int = 0


def plan_episodes(config: EvalConfig) -> list[Episode]:
    """All episodes, seed by seed (a built-in task's goal depends on the seed)."""
    episodes = []
    for seed in config.seeds:
        try:
            tasks = load_tasks(
                config.suite,
                seed=seed,
                tasks_file=config.tasks_file,
                ids=config.tasks,
                limit=config.limit,
            )
        except SuiteError as exc:
            raise EvalConfigError(str(exc)) from exc
        if not tasks:
            raise EvalConfigError(f"suite {config.suite!r} selects no tasks")
        episodes += [Episode(task=t, agent=a, seed=seed) for t in tasks for a in config.agents]
    return episodes


class _EtaColumn(ProgressColumn):
    """Remaining time from this session's mean time per episode (rich's own estimate
    only looks back 30 s, too short for episodes that take minutes)."""

    def render(self, task: Task) -> Text:
        done = task.fields.get("ran", 0)
        remaining = (task.total or 0) - task.completed
        if not done or task.elapsed is None:
            return Text("ETA –", style="progress.remaining")
        eta = int(task.elapsed / done * remaining)
        return Text(
            f"ETA {eta // 3600}:{eta % 3600 // 60:02d}:{eta % 60:02d}", "progress.remaining"
        )


def _progress(console: Console | None) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[green]✓ {task.fields[ok]}[/] success  [red]{task.fields[err]}[/] errors"),
        TimeElapsedColumn(),
        _EtaColumn(),
        console=console,
        transient=False,
    )


@contextlib.contextmanager
def _model_server(config: EvalConfig, base_url: str | None) -> Iterator[str]:
    if base_url:
        yield base_url
        return
    from forethought.worldmodel.serving.managed import embedded_server

    with embedded_server(config.model) as url:
        yield url


def _backend(
    name: BackendName, workers: int, address: str | None, episode_fn: EpisodeFn | None
) -> Backend:
    if name == "ray":
        from forethought.eval.ray_backend import RayBackend

        return RayBackend(address, workers, episode_fn)
    if address is not None:
        raise EvalConfigError("--address is for --backend ray")
    return LocalBackend(episode_fn)


def _check_suite(config: EvalConfig) -> None:
    """Fail at once, in one line, when the suite's servers are not configured."""
    try:
        check_ready(config.suite)
    except SuiteError as exc:
        raise EvalConfigError(str(exc)) from exc


def run_eval(
    config: EvalConfig,
    out_dir: str | Path,
    *,
    workers: int = 1,
    backend: BackendName = "local",
    address: str | None = None,
    base_url: str | None = None,
    episode_fn: EpisodeFn | None = None,
    console: Console | None = None,
    show_progress: bool = True,
) -> EvalSummary:
    """Runs the episodes of ``config`` not yet in ``out_dir``'s store.

    Raises :class:`EvalConfigError` when the configuration is invalid or differs from the
    one ``out_dir`` was made with. ``episode_fn`` replaces the real agent (tests).
    """
    if workers < 1:
        raise EvalConfigError("--workers must be at least 1")
    config.validate_agents()
    episodes = plan_episodes(config)
    out = Path(out_dir).resolve()  # workers may run elsewhere (Ray): absolute paths
    started = time.perf_counter()
    with ResultsStore(out) as store:
        store.claim(config)
        store.record_tasks({(e.task.id, e.seed): (e.task, e.seed) for e in episodes}.values())
        finished = store.finished()
        todo = [e for e in episodes if e.key not in finished]
        summary = EvalSummary(out, len(episodes), len(episodes) - len(todo), 0, 0, 0, 0.0)
        if todo:
            _check_suite(config)
            with _model_server(config, base_url) as url:
                jobs = [
                    EpisodeJob(episode=e, config=config, out_dir=str(out), base_url=url)
                    for e in todo
                ]
                runner = _backend(backend, workers, address, episode_fn)
                try:
                    _drive(store, runner, jobs, workers, summary, console, show_progress)
                finally:
                    runner.shutdown()
    summary.seconds = time.perf_counter() - started
    return summary


def _drive(
    store: ResultsStore,
    backend: Backend,
    jobs: list[EpisodeJob],
    workers: int,
    summary: EvalSummary,
    console: Console | None,
    show_progress: bool,
) -> None:
    """Runs the jobs ``workers`` at a time; commits each row as it arrives."""
    done_before = store.rows()
    ok = sum(r.success for r in done_before)
    err = sum(r.error is not None for r in done_before)
    with _progress(console) as progress:
        bar = progress.add_task(
            "eval",
            total=summary.total,
            completed=summary.skipped,
            ok=ok,
            err=err,
            ran=0,
            visible=show_progress,
        )
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="episode") as pool:
            futures = {pool.submit(backend.run, job): job for job in jobs}
            try:
                for future in as_completed(futures):
                    row: EpisodeRow = future.result()
                    if not store.record(row):
                        continue
                    summary.ran += 1
                    summary.successes += row.success
                    summary.errors += row.error is not None
                    summary.timed_out += row.timed_out
                    ok, err = ok + row.success, err + (row.error is not None)
                    progress.update(bar, advance=1, ok=ok, err=err, ran=summary.ran)
            except BaseException:
                for future in futures:
                    future.cancel()
                backend.shutdown()
                raise
