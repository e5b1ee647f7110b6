"""The real embedded server (0.5B): structured replies, prefix reuse, lossless --spec modes."""

from __future__ import annotations

import signal

import httpx
import pytest
from pydantic import BaseModel

from forethought.envs.actions import misfit
from forethought.envs.types import ActionKind, Element, Observation
from forethought.planner import ProposalMode
from forethought.settings import TEST_MODEL
from forethought.worldmodel import registry
from forethought.worldmodel.client import LLMCall, LLMClient, logging_calls
from forethought.worldmodel.policy import LLMPolicy
from forethought.worldmodel.serving.drafters import SPEC_MODES
from forethought.worldmodel.serving.managed import ManagedServer

pytestmark = pytest.mark.slow
MODEL = TEST_MODEL

PAGE = "\n".join(
    f"[{i}] row 'Order #{1000 + i}: {name}, qty {i % 4 + 1}, ${i * 3 + 9}.00'"
    for i, name in enumerate(
        ["Trail Runner shoes", "Wool socks", "Rain jacket", "Camp mug", "Head lamp"] * 8, start=1
    )
)
PREAMBLE = "You imagine how web pages change. Read the page, then answer the question."


def page_messages(question: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": PREAMBLE},
        {"role": "user", "content": f"Page:\n{PAGE}\n\n{question}"},
    ]


COPY_PROMPT = page_messages(
    "Rewrite the first 8 rows of the page exactly, but with qty set to 9 in each."
)


@pytest.fixture(scope="module")
def server():
    registry.pull(MODEL)
    with ManagedServer(MODEL, n_ctx=4096) as srv:
        yield srv


@pytest.fixture
async def client(server):
    c = LLMClient(base_url=server.base_url, model=MODEL)
    yield c
    await c.aclose()


class Choice(BaseModel):
    element_id: int
    reason: str


async def test_structured_reply_from_the_real_model(client):
    messages = page_messages("Which element id shows the Rain jacket? Reply as JSON.")
    choice, usage = await client.structured(messages, Choice, max_tokens=80)
    assert isinstance(choice.element_id, int)
    assert usage.calls in (1, 2)
    assert usage.completion_tokens > 0


async def test_second_request_with_the_same_page_reads_only_its_suffix(client):
    first = await client.complete(page_messages("How many rows are there?"), max_tokens=8)
    second = await client.complete(page_messages("Which row is the cheapest?"), max_tokens=8)
    assert first.usage.prompt_tokens > 400
    # Everything up to the question was reused from the prefix cache.
    assert second.usage.cached_tokens >= first.usage.prompt_tokens - 30
    assert second.usage.read_tokens < 40


async def test_bad_requests_get_a_clear_400(server):
    async with httpx.AsyncClient() as http:
        resp = await http.post(f"{server.base_url}/chat/completions", json={"messages": []})
        assert resp.status_code == 400
        assert "messages" in resp.json()["error"]["message"]
        resp = await http.post(
            f"{server.base_url}/chat/completions",
            json={"messages": [{"role": "user", "content": "hi"}], "stream": True},
        )
        assert resp.status_code == 400
        assert "streaming" in resp.json()["error"]["message"]
        # A pattern llama.cpp's grammar parser rejects fails its request, not the server.
        schema = {"type": "string", "pattern": r"^a\.b$"}
        fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
        hi = [{"role": "user", "content": "hi"}]
        resp = await http.post(
            f"{server.base_url}/chat/completions",
            json={"messages": hi, "response_format": fmt, "max_tokens": 4},
        )
        assert resp.status_code == 400
        assert "'response_format' schema" in resp.json()["error"]["message"]
        resp = await http.post(
            f"{server.base_url}/chat/completions", json={"messages": hi, "max_tokens": 4}
        )
        assert resp.status_code == 200


async def test_options_with_regex_specials_constrain_a_reply(client):
    """Option and field text with ``. $ ^ /`` (which the grammar converter cannot copy as
    escapes) still make a page pattern the server decodes with."""
    page = Observation(
        url="http://shop.test/search",
        elements=[
            Element(id="3", role="combobox", name="City", options=("Paris", "St. Louis")),
            Element(id="4", role="combobox", name="Price", options=("any", "$5/day ^up")),
            Element(id="5", role="spinbutton", name="Nights", value="1"),
        ],
    )
    policy = LLMPolicy(client)
    for goal in ("Search stays in St. Louis.", "Only stays from $5/day ^up, for 3 nights."):
        proposals, _ = await policy.propose(goal, page, 2)
        assert proposals and all(misfit(a, page) is None for a, _ in proposals)


async def test_every_spec_mode_gives_identical_greedy_output(server, client):
    reference = await client.complete(COPY_PROMPT, max_tokens=120)
    outputs = {server.spec or "default": reference.text}
    for spec in SPEC_MODES:
        with ManagedServer(MODEL, spec=spec, n_ctx=4096) as other:
            c = LLMClient(base_url=other.base_url, model=MODEL)
            reply = await c.complete(COPY_PROMPT, max_tokens=120)
            await c.aclose()
        outputs[spec] = reply.text
        if SPEC_MODES[spec] is not None:
            assert reply.usage.draft_tokens > 0, spec
    assert len(set(outputs.values())) == 1, outputs
    assert len(reference.text) > 100


def test_sigterm_shuts_down_cleanly():
    srv = ManagedServer(MODEL, spec="off", n_ctx=1024)
    base_url = srv.start()
    srv.stop()
    # uvicorn finishes its graceful shutdown, then re-raises SIGTERM as the exit status.
    assert srv.returncode in (0, -signal.SIGTERM)
    assert "Traceback" not in srv.log_path.read_text()
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url.removesuffix("/v1") + "/health")


class Calls(list):
    def record(self, call: LLMCall) -> None:
        self.append(call)


async def test_ranked_proposals_are_valid_distinct_and_weighted_by_likelihood(client):
    page = Observation(
        url="http://127.0.0.1:8000/profile",
        elements=[
            Element(id="2", role="textbox", name="Name"),
            Element(id="3", role="combobox", name="Size", options=("S", "M", "L"), value="S"),
            Element(id="4", role="button", name="Save"),
            Element(id="5", role="link", name="Help"),
        ],
    )
    calls = Calls()
    policy = LLMPolicy(client, proposals=ProposalMode.RANK)
    with logging_calls(calls):
        proposals, usage = await policy.propose("Type Ada as the name", page, 3)
    actions = [action for action, _ in proposals]
    priors = [prior for _, prior in proposals]
    assert len(actions) == 3 == len({a.key for a in actions})
    assert all(misfit(a, page) is None for a in actions)
    assert sum(priors) == pytest.approx(1) and priors == sorted(priors, reverse=True)
    # The fill's text was written by the model, after the ranking chose the field.
    fills = [a for a in actions if a.kind is ActionKind.FILL]
    assert fills and all(a.target == "2" and a.value for a in fills)
    scored = [c for c in calls if c.parsed and isinstance(c.parsed, list)]
    assert scored and len(scored[0].parsed) > 10  # every action of the page was scored
    assert usage.calls == len(calls)
