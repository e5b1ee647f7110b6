"""Episode traces on disk: write them step by step, read them back, find them by run id.

A trace folder (``$FORETHOUGHT_HOME/runs/RUN_ID/``, or an eval episode's
``DIR/traces/<episode>/``) holds:

- ``manifest.json``: what the agent passes (config, model hashes, version, task, seed …);
- ``steps.jsonl``: one :class:`StepRecord` per line, appended and flushed as each step
  finishes, so a crash loses at most the step in progress;
- ``calls.jsonl`` and ``prompts.jsonl``: every LLM call of the episode (role, prompt,
  raw reply, parsed result, usage), each prompt block stored once (see :mod:`.calls`);
- ``trees/step-NNN.json``: the planner's search tree as node-link JSON;
- ``usage.json`` and ``result.json``: the episode's totals and :class:`EpisodeResult`
  (a cancelled episode's too, judged where it stood: its stop reason says so);
- ``screenshots/step-NNN.png`` (optional), and ``trace.html`` once rendered.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from forethought import settings
from forethought.agents.calls import CallWriter, append_jsonl, read_calls
from forethought.agents.result import CallRecord, EpisodeResult, StepRecord, Usage
from forethought.planner import Cost

MANIFEST = "manifest.json"
STEPS = "steps.jsonl"
TREES = "trees"
SCREENSHOTS = "screenshots"
USAGE = "usage.json"
RESULT = "result.json"
HTML = "trace.html"


class TraceNotFound(FileNotFoundError):
    """Neither a trace folder nor a known run id; the message lists recent runs."""


def new_run_id() -> str:
    """A sortable, unique run id such as ``20261122-193000-ab12cd``."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


def run_dir(run_id: str) -> Path:
    """The trace folder of run ``run_id`` (not created)."""
    return settings.runs_dir() / run_id


def step_name(step: int, suffix: str) -> str:
    return f"step-{step:03d}{suffix}"


def is_trace_dir(path: Path) -> bool:
    return path.is_dir() and any((path / name).exists() for name in (MANIFEST, STEPS, RESULT))


def recent_runs(limit: int = 5) -> list[str]:
    """The newest run ids (ids sort by time)."""
    base = settings.runs_dir()
    if not base.is_dir():
        return []
    return sorted((p.name for p in base.iterdir() if is_trace_dir(p)), reverse=True)[:limit]


def resolve_trace(run_id_or_dir: str | Path) -> Path:
    """A trace folder from a path to one, or from a run id under ``settings.runs_dir()``."""
    given = Path(run_id_or_dir).expanduser()
    for candidate in (given, run_dir(str(run_id_or_dir))):
        if is_trace_dir(candidate):
            return candidate.resolve()
    recent, runs = recent_runs(), settings.runs_dir()
    hint = f"recent runs: {', '.join(recent)}" if recent else f"no runs yet under {runs}"
    raise TraceNotFound(
        f"{str(run_id_or_dir)!r} is neither a trace folder (one with {MANIFEST} or {STEPS}) "
        f"nor a run id under {runs}; {hint}"
    )


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def _write_atomic(path: Path, text: str | bytes) -> None:
    """Writes via a temporary file and a rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if isinstance(text, bytes):
        tmp.write_bytes(text)
    else:
        tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class TraceWriter:
    """Writes one episode's trace folder as the episode runs."""

    def __init__(self, directory: str | Path) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        #: The episode's LLM calls (the call log the runtime activates).
        self.calls = CallWriter(self.dir)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        _write_atomic(self.dir / MANIFEST, _dump(manifest))

    def append_step(self, record: StepRecord) -> None:
        """Appends one line to ``steps.jsonl`` and flushes it to disk."""
        append_jsonl(self.dir / STEPS, [record.model_dump_json()])

    def write_tree(self, step: int, node_link: dict[str, Any]) -> str:
        """Saves a ``SearchTree.to_node_link()`` dict; returns its path in the folder."""
        rel = f"{TREES}/{step_name(step, '.json')}"
        _write_atomic(self.dir / rel, json.dumps(node_link, ensure_ascii=False, default=str))
        return rel

    def write_screenshot(self, step: int, png: bytes) -> str:
        rel = f"{SCREENSHOTS}/{step_name(step, '.png')}"
        _write_atomic(self.dir / rel, png)
        return rel

    def write_usage(self, usage: Cost) -> None:
        _write_atomic(self.dir / USAGE, _dump(usage.as_dict()))

    def write_result(self, result: EpisodeResult) -> None:
        """Writes ``result.json`` and the episode's ``usage.json``."""
        self.write_usage(result.usage)
        _write_atomic(self.dir / RESULT, result.model_dump_json(indent=2))


@dataclass
class Trace:
    """A trace folder read back. ``result`` is ``None`` for an episode still running or
    killed; ``skipped_lines`` counts unreadable lines in ``steps.jsonl`` (a torn write)."""

    dir: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    steps: list[StepRecord] = field(default_factory=list)
    trees: dict[int, dict[str, Any]] = field(default_factory=dict)
    screenshots: dict[int, str] = field(default_factory=dict)
    usage: Cost | None = None
    result: EpisodeResult | None = None
    skipped_lines: int = 0
    calls: list[CallRecord] = field(default_factory=list)
    #: The calls' prompt blocks, by hash (see :func:`.calls.prompt_messages`).
    prompt_blocks: dict[str, str] = field(default_factory=dict)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _files_by_step(folder: Path, suffix: str) -> dict[int, Path]:
    """``step-NNN<suffix>`` files in ``folder``, by step number."""
    out: dict[int, Path] = {}
    for path in sorted(folder.glob(f"step-*{suffix}")) if folder.is_dir() else []:
        number = path.name.removeprefix("step-").removesuffix(suffix)
        if number.isdigit():
            out[int(number)] = path
    return out


def read_manifest(directory: Path) -> dict[str, Any]:
    """The run's ``manifest.json`` (task, seed, config, models)."""
    manifest = _read_json(Path(directory) / MANIFEST)
    if manifest is None:
        raise TraceNotFound(f"no manifest.json in {directory}")
    return manifest


def read_trace(directory: str | Path) -> Trace:
    """Reads a trace folder written by :class:`TraceWriter` (any part may be missing)."""
    base = Path(directory)
    if not base.is_dir():
        raise TraceNotFound(f"no trace folder at {base}")
    trace = Trace(dir=base, manifest=_read_json(base / MANIFEST) or {})
    steps_file = base / STEPS
    if steps_file.exists():
        for line in steps_file.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                trace.steps.append(StepRecord.model_validate_json(line))
            except ValidationError:
                trace.skipped_lines += 1
    trace.calls, trace.prompt_blocks = read_calls(base)
    for step, path in _files_by_step(base / TREES, ".json").items():
        try:
            trace.trees[step] = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            continue
    for step, path in _files_by_step(base / SCREENSHOTS, ".png").items():
        trace.screenshots[step] = f"{SCREENSHOTS}/{path.name}"
    usage = _read_json(base / USAGE)
    trace.usage = None if usage is None else TypeAdapter(Usage).validate_python(usage)
    result = _read_json(base / RESULT)
    if result is not None:
        trace.result = EpisodeResult.model_validate(result)
    return trace
