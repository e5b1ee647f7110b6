"""The results store: ``DIR/results.sqlite`` (WAL), one ``episodes`` row per finished episode.

Only the driver process writes; each row is committed as its episode finishes, so a
killed run loses only the episodes in flight. Tables:

- ``episodes``: the columns of :class:`EpisodeRow` (``episode`` is the primary key);
  a store made by an older version gains the columns it lacks when opened (old rows
  read the field's default: no verdict reason, no level);
- ``config``: the one :class:`EvalConfig` this folder was made with;
- ``tasks``: each task's site, trap flag and goal per seed (for trap rates and reports).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from forethought import __version__
from forethought.agents.result import EpisodeResult, StepRecord
from forethought.envs.types import Task
from forethought.eval.config import Episode, EvalConfig, EvalConfigError
from forethought.planner import Cost

DB_NAME = "results.sqlite"
TRACES = "traces"


class EpisodeRow(BaseModel):
    """One row of ``episodes``."""

    episode: str
    config_hash: str
    task: str
    suite: str
    agent: str
    seed: int
    model: str
    success: bool = False
    reward: float | None = None
    #: The verifier's reason for its verdict (why it failed, above all).
    verdict_detail: str = ""
    #: Why the agent stopped (a ``StopReason`` value; ``None`` for an error row).
    stop_reason: str | None = None
    #: The episode hit ``episode_timeout``. With ``error`` unset it was judged on the
    #: state it reached (a success before the timeout is a success); with ``error`` set
    #: it could not be judged.
    timed_out: bool = False
    #: The task's difficulty (``task.meta["level"]``: easy, medium, hard), if it has one.
    level: str | None = None
    steps: int = 0
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    gate_events: list[dict[str, Any]] = Field(default_factory=list)
    trap_triggered: bool = False
    speculative_actions: int = 0
    fidelity_f1: float | None = None
    identity_f1: float | None = None
    error: str | None = None
    trace_path: str | None = None

    @classmethod
    def from_result(
        cls, episode: Episode, config: EvalConfig, result: EpisodeResult, trace_path: str
    ) -> EpisodeRow:
        return cls(
            **_identity(episode, config, trace_path),
            success=result.success,
            reward=result.reward,
            verdict_detail=result.verdict_detail,
            stop_reason=result.stop_reason,
            steps=result.steps,
            llm_calls=result.usage.calls,
            prompt_tokens=result.usage.prompt_tokens,
            completion_tokens=result.usage.completion_tokens,
            seconds=result.seconds,
            gate_events=[e.model_dump(mode="json") for e in result.gate_events],
            trap_triggered=result.trap_triggered,
            speculative_actions=result.speculative_actions,
            fidelity_f1=result.fidelity.f1,
            identity_f1=result.fidelity.identity_f1,
            error=result.error,
        )

    @classmethod
    def failed(
        cls,
        episode: Episode,
        config: EvalConfig,
        error: str,
        trace_path: str,
        seconds: float,
        finished: Sequence[StepRecord] = (),
        timed_out: bool = False,
    ) -> EpisodeRow:
        """A crashed or timed-out episode: a failure carrying its message, and the steps
        and LLM usage of the steps it ``finished`` (from its trace)."""
        row = cls(
            **_identity(episode, config, trace_path),
            error=error,
            seconds=seconds,
            timed_out=timed_out,
        )
        return row.counting(finished)

    def counting(self, finished: Sequence[StepRecord]) -> EpisodeRow:
        """This row with ``steps`` and LLM usage summed over ``finished`` step records:
        what a killed episode had spent by its last finished step (the step in flight
        is lost with the process)."""
        spent = sum((s.usage for s in finished), Cost())
        return self.model_copy(
            update={
                "steps": len(finished),
                "llm_calls": spent.calls,
                "prompt_tokens": spent.prompt_tokens,
                "completion_tokens": spent.completion_tokens,
            }
        )


def _identity(episode: Episode, config: EvalConfig, trace_path: str) -> dict[str, Any]:
    return {
        "episode": episode.key,
        "config_hash": config.fingerprint(),
        "task": episode.task.id,
        "suite": episode.task.suite,
        "agent": episode.agent,
        "seed": episode.seed,
        "model": config.model,
        "level": _level(episode.task),
        "trace_path": trace_path,
    }


def _level(task: Task) -> str | None:
    level = task.meta.get("level")
    return level if isinstance(level, str) and level else None


_SQL_TYPES = {bool: "INTEGER", int: "INTEGER", float: "REAL", str: "TEXT"}
COLUMNS: tuple[str, ...] = tuple(EpisodeRow.model_fields)


def _column_sql(name: str) -> str:
    if name == "episode":
        return "episode TEXT PRIMARY KEY"
    annotation = EpisodeRow.model_fields[name].annotation
    base = next((t for t in _SQL_TYPES if annotation in (t, t | None)), str)
    return f"{name} {_SQL_TYPES[base]}"


def _sql_literal(value: Any) -> str:
    if value is None or isinstance(value, list):
        return "NULL"
    if isinstance(value, bool | int | float):
        return str(int(value) if isinstance(value, bool) else value)
    return "'" + str(value).replace("'", "''") + "'"


def _migrate(db: sqlite3.Connection) -> None:
    """Adds the ``episodes`` columns a store made by an older version lacks; its rows get
    each field's default."""
    have = {r[1] for r in db.execute("PRAGMA table_info(episodes)")}
    for name in COLUMNS:
        if name not in have:
            field = EpisodeRow.model_fields[name]
            default = _sql_literal(field.get_default(call_default_factory=True))
            db.execute(f"ALTER TABLE episodes ADD COLUMN {_column_sql(name)} DEFAULT {default}")


SCHEMA = f"""
CREATE TABLE IF NOT EXISTS episodes ({", ".join(_column_sql(c) for c in COLUMNS)});
CREATE TABLE IF NOT EXISTS config (
    id INTEGER PRIMARY KEY CHECK (id = 1), hash TEXT NOT NULL, config TEXT NOT NULL,
    created_at TEXT NOT NULL, version TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    task TEXT NOT NULL, seed INTEGER NOT NULL, suite TEXT, site TEXT, trap INTEGER,
    goal TEXT, PRIMARY KEY (task, seed));
"""


class ResultsStore:
    """``DIR/results.sqlite``; use as a context manager or call :meth:`close`."""

    def __init__(self, out_dir: str | Path) -> None:
        self.dir = Path(out_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / DB_NAME
        self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        _migrate(self.db)

    @classmethod
    def open_existing(cls, out_dir: str | Path) -> ResultsStore:
        """Opens a store that must exist (reports); a clear error otherwise."""
        if not (Path(out_dir) / DB_NAME).exists():
            raise FileNotFoundError(
                f"no {DB_NAME} in {out_dir}; run `forethought eval … --out {out_dir}` first"
            )
        return cls(out_dir)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- configuration ------------------------------------------------------------------

    def stored_config(self) -> dict[str, Any] | None:
        row = self.db.execute("SELECT config FROM config WHERE id = 1").fetchone()
        return json.loads(row["config"]) if row else None

    def claim(self, config: EvalConfig) -> None:
        """Records ``config`` for this folder, or refuses a different one already there."""
        stored = self.stored_config()
        if stored is None:
            self.db.execute(
                "INSERT INTO config VALUES (1, ?, ?, ?, ?)",
                (
                    config.fingerprint(),
                    json.dumps(config.canonical(), sort_keys=True),
                    datetime.now(UTC).isoformat(),
                    __version__,
                ),
            )
            return
        changes = config.differences(stored)
        if changes:
            was = stored.get("max_steps")
            hint = (
                f"\n--max-steps now defaults to auto; add --max-steps {was} to resume this run."
                if config.max_steps == "auto" and isinstance(was, int)
                else ""
            )
            raise EvalConfigError(
                f"{self.dir} holds results of a different configuration:\n  "
                + "\n  ".join(changes)
                + "\nRun the original command to resume it, or choose a new --out folder."
                + hint
            )

    # -- tasks and episodes -------------------------------------------------------------

    def record_tasks(self, tasks: Iterable[tuple[Task, int]]) -> None:
        rows = [(t.id, seed, t.suite, t.site, int(t.trap), t.goal) for t, seed in tasks]
        self.db.executemany("INSERT OR REPLACE INTO tasks VALUES (?, ?, ?, ?, ?, ?)", rows)

    def task_info(self) -> dict[tuple[str, int], dict[str, Any]]:
        return {(r["task"], r["seed"]): dict(r) for r in self.db.execute("SELECT * FROM tasks")}

    def finished(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT episode FROM episodes")}

    def record(self, row: EpisodeRow) -> bool:
        """Commits one finished episode; ``False`` if it was already there (kept as is)."""
        values = row.model_dump()
        values["gate_events"] = json.dumps(values["gate_events"])
        marks = ", ".join("?" for _ in COLUMNS)
        cur = self.db.execute(
            f"INSERT INTO episodes ({', '.join(COLUMNS)}) VALUES ({marks}) "
            "ON CONFLICT(episode) DO NOTHING",
            [values[c] for c in COLUMNS],
        )
        return cur.rowcount == 1

    def rows(self) -> list[EpisodeRow]:
        out = []
        for r in self.db.execute("SELECT * FROM episodes ORDER BY task, agent, seed"):
            data = dict(r)
            data["gate_events"] = json.loads(data["gate_events"] or "[]")
            out.append(EpisodeRow.model_validate(data))
        return out
