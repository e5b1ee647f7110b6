"""Record the embedded models' raw role outputs on real built-in site pages.

The parsing tests (``tests/worldmodel/test_role_parsing.py``) replay these outputs, and
malformed variants of them, through the roles' parsers. Run from the repository root::

    .venv/bin/python scripts/record_role_outputs.py [--budget-s 840] [--pages 3]

For every model and page it asks, with the prompts the roles really send: the policy
(JSON, schema-constrained), the world model in ``diff``, ``nl`` and ``full`` (plain
text; ``full`` is capped at ``FULL_MAX_TOKENS``, so long pages give truncated trees),
and the critic with both rubrics on the ``diff`` prediction. Each page is written once
(``{"type": "page"}``), each output as ``{"type": "output"}`` pointing at its page.
The time budget is split between the models; a model stops at a page boundary when its
share is spent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

from forethought.bench.planner import PageSpec, open_pages
from forethought.envs.parse import ActionParseError, parse_action
from forethought.envs.types import Action, ActionKind, Observation
from forethought.settings import DEFAULT_MODEL, TEST_MODEL
from forethought.worldmodel.client import LLMClient
from forethought.worldmodel.critic import Judgement
from forethought.worldmodel.policy import proposal_schema
from forethought.worldmodel.predictions import (
    WMFormat,
    apply_prediction,
    describe_change,
    parse_prediction,
)
from forethought.worldmodel.prompts import Prompts
from forethought.worldmodel.serving.managed import embedded_server

MODELS = (TEST_MODEL, DEFAULT_MODEL)
PAGES = (
    PageSpec("shop.cart-add"),
    PageSpec("mail.send-new-1"),
    PageSpec("travel.flight-price"),
    PageSpec("shop.cart-add", lambda params: "/shop/product/1"),
)
OUT = Path("tests/worldmodel/data/recorded_outputs.jsonl")
K = 3
WM_MAX_TOKENS = {WMFormat.DIFF: 256, WMFormat.NL: 120, WMFormat.FULL: 320}
FULL_MAX_TOKENS = WM_MAX_TOKENS[WMFormat.FULL]


def fallback_action(page: Observation) -> Action:
    """A plausible click when the policy proposed nothing valid: the first named button or link."""
    for element in page.elements:
        if element.role in ("button", "link") and element.name:
            return Action(kind=ActionKind.CLICK, target=element.id)
    return Action(kind=ActionKind.SCROLL, value="down")


def first_valid(texts: list[str], page: Observation) -> Action | None:
    for text in texts:
        try:
            action = parse_action(text, page)
        except ActionParseError:
            continue
        if action.target is None or page.element(action.target) is not None:
            return action
    return None


class Recorder:
    """Asks one model every role on one page and appends the records to ``out``."""

    def __init__(self, client: LLMClient, model: str, out: Any) -> None:
        self.client, self.model, self.out = client, model, out
        self.prompts = Prompts()

    def write(self, record: dict[str, Any]) -> None:
        self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.out.flush()

    async def ask(
        self,
        role: str,
        page_key: str,
        messages: list[dict[str, str]],
        max_tokens: int,
        response_format: dict[str, Any] | None = None,
        **extra: Any,
    ) -> str:
        reply = await self.client.complete(
            messages, max_tokens=max_tokens, response_format=response_format
        )
        self.write(
            {
                "type": "output",
                "model": self.model,
                "page": page_key,
                "role": role,
                "raw": reply.text,
                "finish_reason": reply.finish_reason,
                "usage": reply.usage.as_dict(),
                **extra,
            }
        )
        return reply.text

    async def page(self, name: str, goal: str, page: Observation) -> None:
        # The JSON-schema request the client would send (the roles use client.structured,
        # which returns only the parsed reply; here we keep the raw text).
        schema_style = await self.client._response_format(proposal_schema(K))
        raw = await self.ask(
            "policy",
            name,
            self.prompts.messages("policy", goal, page, k=K),
            32 * K + 16,
            schema_style,
            k=K,
        )
        try:
            texts = [str(t) for t in json.loads(raw).get("actions", [])]
        except (json.JSONDecodeError, AttributeError):
            texts = []
        action = first_valid(texts, page) or fallback_action(page)
        outcome = page
        for fmt in WMFormat:
            text = await self.ask(
                f"world_model_{fmt.value}",
                name,
                self.prompts.messages(f"world_model_{fmt.value}", goal, page, action=str(action)),
                WM_MAX_TOKENS[fmt],
                action=str(action),
            )
            if fmt is WMFormat.DIFF:
                outcome = apply_prediction(page, parse_prediction(text, fmt, page), action)
        judge_format = await self.client._response_format(Judgement)
        for template in ("critic_rubric", "critic_continuous"):
            await self.ask(
                template,
                name,
                self.prompts.messages(
                    template,
                    goal,
                    page,
                    steps=f"1. {action}",
                    outcome=describe_change(page, outcome),
                ),
                96,
                judge_format,
                action=str(action),
            )
        print(f"  {self.model}: {name} done", flush=True)


async def record_model(
    model: str, pages: list[tuple[str, str, Observation]], out: Any, budget_s: float
) -> None:
    started = time.monotonic()
    with embedded_server(model, n_ctx=8192) as base_url:
        client = LLMClient(base_url=base_url, model=model)
        recorder = Recorder(client, model, out)
        try:
            for name, goal, page in pages:
                if time.monotonic() - started > budget_s:
                    print(f"  {model}: budget spent, stopping", flush=True)
                    break
                await recorder.page(name, goal, page)
        finally:
            await client.aclose()


async def main(budget_s: float, n_pages: int, out_path: Path) -> None:
    pages = [(p.name, p.goal, p.observation) for p in await open_pages(PAGES[:n_pages])]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w") as out:
        for name, goal, page in pages:
            record = {"type": "page", "key": name, "goal": goal}
            out.write(json.dumps({**record, "observation": page.model_dump(mode="json")}) + "\n")
            print(f"page {name}: {len(page.elements)} elements, {len(page.render())} chars")
        for model in MODELS:
            await record_model(model, pages, out, budget_s / len(MODELS))
    print(f"wrote {out_path} ({out_path.stat().st_size} bytes)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget-s", type=float, default=840.0, help="total recording time")
    parser.add_argument("--pages", type=int, default=3, help=f"pages, at most {len(PAGES)}")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    asyncio.run(main(args.budget_s, args.pages, args.out))
