"""The episode's LLM calls in its trace: what each role saw and said.

Two files beside ``steps.jsonl``, both appended and flushed as each call returns:

- ``calls.jsonl``: one :class:`~forethought.agents.result.CallRecord` per call: its id,
  step, role, prompt (each message as the hashes of its blocks), raw reply, what was read
  from it (or why it could not be), usage;
- ``prompts.jsonl``: every distinct block once, ``{"hash": …, "text": …}``. A block is a
  message's paragraph (its text between blank lines), so the page that every call of a
  step shows is stored once, however many calls show it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_jsonable_python

from forethought.agents.result import CallRecord, PromptMessage
from forethought.worldmodel.client import LLMCall

CALLS = "calls.jsonl"
PROMPTS = "prompts.jsonl"
_BLOCK_SEPARATOR = "\n\n"


def append_jsonl(path: Path, lines: Iterable[str]) -> None:
    """Appends lines to ``path`` and syncs them to disk: a crash loses at most a torn line.
    A lone surrogate (a weak model's stray escape) is written as ``?``."""
    with path.open("a", encoding="utf-8", errors="replace") as f:
        f.writelines(line + "\n" for line in lines)
        f.flush()
        os.fsync(f.fileno())


def block_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _content(message: dict[str, Any]) -> str:
    content = message.get("content", "")
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


class CallWriter:
    """Writes an episode's LLM calls into its trace folder: the agent's
    :class:`~forethought.worldmodel.client.CallLog`.

    ``step`` is the step the next calls belong to (the runtime sets it); :meth:`claim`
    hands the ids recorded since the last claim to the step record that follows.
    """

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.step = 0
        self._seen: set[str] | None = None  # block hashes in prompts.jsonl, read lazily
        self._next_id: int | None = None
        self._unclaimed: list[int] = []

    def record(self, call: LLMCall) -> None:
        if self._seen is None or self._next_id is None:  # a resumed run appends after
            calls, blocks = read_calls(self.dir)
            self._seen, self._next_id = set(blocks), len(calls)
        prompt = [
            PromptMessage(role=str(m.get("role", "")), blocks=self._store(_content(m)))
            for m in call.messages
        ]
        record = CallRecord(
            id=self._next_id,
            step=self.step,
            role=call.role,
            prompt=prompt,
            reply=call.reply,
            parsed=to_jsonable_python(call.parsed, fallback=str),
            error=call.error,
            usage=call.usage,
            cached=call.cached,
        )
        append_jsonl(self.dir / CALLS, [_json(record.model_dump(mode="json"))])
        self._next_id += 1
        self._unclaimed.append(record.id)

    def claim(self) -> list[int]:
        """The ids of the calls recorded since the last claim."""
        ids, self._unclaimed = self._unclaimed, []
        return ids

    def _store(self, text: str) -> list[str]:
        """Writes the blocks of ``text`` not stored yet; returns all its blocks' hashes."""
        assert self._seen is not None
        hashes, new = [], []
        for block in text.split(_BLOCK_SEPARATOR):
            digest = block_hash(block)
            hashes.append(digest)
            if digest not in self._seen:
                self._seen.add(digest)
                new.append(_json({"hash": digest, "text": block}))
        if new:  # before the call that names them: a call never names a missing block
            append_jsonl(self.dir / PROMPTS, new)
        return hashes


def read_calls(directory: Path) -> tuple[list[CallRecord], dict[str, str]]:
    """The calls in ``calls.jsonl`` and the blocks in ``prompts.jsonl`` (torn lines skipped)."""
    calls: list[CallRecord] = []
    for line in _lines(directory / CALLS):
        try:
            calls.append(CallRecord.model_validate_json(line))
        except ValidationError:
            continue
    blocks: dict[str, str] = {}
    for line in _lines(directory / PROMPTS):
        try:
            entry = json.loads(line)
            blocks[entry["hash"]] = entry["text"]
        except (json.JSONDecodeError, KeyError, TypeError):
            continue
    return calls, blocks


def prompt_messages(call: CallRecord, blocks: dict[str, str]) -> list[dict[str, str]]:
    """A call's prompt as the chat messages it sent (a missing block shows its hash)."""
    return [
        {
            "role": m.role,
            "content": _BLOCK_SEPARATOR.join(
                blocks.get(h, f"<block {h} missing>") for h in m.blocks
            ),
        }
        for m in call.prompt
    ]


def _json(data: object) -> str:
    """One JSON line; unlike ``model_dump_json``, it lets lone surrogates through to
    :func:`append_jsonl`, which replaces them."""
    return json.dumps(data, ensure_ascii=False)


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
