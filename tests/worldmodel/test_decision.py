"""One real lookahead decision: a built-in site page, the embedded 0.5B model, a small budget."""

from __future__ import annotations

import json

import pytest

from forethought.bench.planner import PAGES, llm_roles, open_pages
from forethought.planner import EventKind, PlanEvent, PlannerOptions, StopReason, plan
from forethought.settings import TEST_MODEL
from forethought.worldmodel.client import LLMClient
from forethought.worldmodel.serving.managed import embedded_server

pytestmark = pytest.mark.slow
MODEL = TEST_MODEL


async def test_one_real_lookahead_decision() -> None:
    (page,) = await open_pages(PAGES[:1])  # the product page of shop.cart-add's goal
    state = page.observation
    options = PlannerOptions(candidates=2, depth=1)
    events: list[PlanEvent] = []
    with embedded_server(MODEL, n_ctx=8192) as base_url:
        client = LLMClient(base_url=base_url, model=MODEL)
        try:
            roles = llm_roles(client, options, page.goal)
            decision = await plan(page.goal, state, *roles, options, on_event=events.append)
        finally:
            await client.aclose()

    if decision.action is None:
        assert decision.stop_reason is StopReason.NO_CANDIDATES
    else:
        target = decision.action.target
        assert target is None or state.element(target) is not None
        assert decision.action in [c.action for c in decision.candidates]
        assert decision.score is not None and 0.0 <= decision.score.value <= 1.0
    tree = decision.tree
    assert len(tree) == 1 + decision.simulations and decision.simulations <= 2
    graph = json.loads(tree.to_json(describe=lambda s: s.url))
    assert len(graph["nodes"]) == len(tree)
    assert events[-1].kind is EventKind.STOPPED

    cost = decision.cost
    assert cost.calls >= 1 + decision.simulations
    assert cost.prompt_tokens > 0 and cost.completion_tokens > 0
    later = [e.cost for e in events if e.kind is not EventKind.PROPOSED and e.cost.calls]
    if later:  # calls after the first share its prefix (preamble, goal, page)
        assert all(c.cached_tokens > 0 for c in later), later
        assert cost.cached_tokens > cost.prompt_tokens / 2
