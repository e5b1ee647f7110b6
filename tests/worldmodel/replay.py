"""Recorded role outputs of the embedded models, and a client that replays them offline.

``data/recorded_outputs.jsonl`` is written by ``scripts/record_role_outputs.py`` on real
built-in site pages. :class:`ReplayClient` is a stand-in named as one: it answers every
call with a given text, so the roles' own parsing and repair paths run without a server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from forethought.envs.types import Observation
from forethought.planner import Cost
from forethought.worldmodel.client import Completion, LLMClient

RECORDED = Path(__file__).parent / "data" / "recorded_outputs.jsonl"


@dataclass(frozen=True)
class Recorded:
    """One raw reply, with the page and goal its prompt showed."""

    model: str
    role: str
    raw: str
    goal: str
    page: Observation
    action: str | None = None

    @property
    def label(self) -> str:
        return f"{self.model.split('-')[2]}:{self.role}:{self.page.url.split('/', 3)[-1]}"


@cache
def recorded() -> tuple[Recorded, ...]:
    """Every recorded output, in file order."""
    pages: dict[str, tuple[str, Observation]] = {}
    outputs: list[Recorded] = []
    for line in RECORDED.read_text().splitlines():
        record: dict[str, Any] = json.loads(line)
        if record["type"] == "page":
            page = Observation.model_validate(record["observation"])
            pages[record["key"]] = (record["goal"], page)
            continue
        goal, page = pages[record["page"]]
        outputs.append(
            Recorded(
                record["model"], record["role"], record["raw"], goal, page, record.get("action")
            )
        )
    return tuple(outputs)


class ReplayClient(LLMClient):
    """Answers every call with :attr:`reply` (a repair attempt gets the same text back)."""

    def __init__(self, reply: str = "") -> None:
        super().__init__(
            base_url="http://replay.invalid/v1",
            model="replay",
            schema_style="json_object",
            max_retries=0,
        )
        self.reply = reply
        self.calls = 0

    async def send(self, messages: list[dict[str, Any]], **_: Any) -> Completion:
        self.calls += 1
        usage = Cost(calls=1, prompt_tokens=100, completion_tokens=len(self.reply) // 4)
        return Completion(text=self.reply, usage=usage, finish_reason="stop")


class SchemaReplayClient(ReplayClient):
    """The replay client, keeping each call's response schema."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.schemas: list[dict] = []

    async def send(self, messages, **options):
        self.schemas.append(options["response_format"])
        return await super().send(messages, **options)


def action_pattern(response_format: dict) -> str:
    """The actions' pattern of a call's response format."""
    schema = response_format.get("schema") or response_format["json_schema"]["schema"]
    return schema["properties"]["actions"]["items"]["pattern"]
