"""The LLM client against FakeOpenAIServer: retries, repair, typed errors, usage, cache."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
from pydantic import BaseModel

from forethought.planner import Cost
from forethought.worldmodel.client import (
    LLMCall,
    LLMClient,
    LLMError,
    StructuredOutputError,
    UnreadableReply,
    logging_calls,
    usage_from_response,
)
from tests.worldmodel.fake_openai import FakeOpenAIServer, chat_reply


class Pick(BaseModel):
    action: str
    confidence: float


MESSAGES = [{"role": "user", "content": "pick one"}]


def client(url: str, **kw) -> LLMClient:
    return LLMClient(base_url=url, model="fake", **kw)


async def test_retries_5xx_then_succeeds():
    fake = FakeOpenAIServer(script=[(503, {"error": {"message": "busy"}})] * 2)
    with fake as url:
        reply = await client(url, max_retries=2).complete(MESSAGES)
    assert reply.text == "ok"
    assert len(fake.requests) == 3


async def test_gives_up_with_typed_error_after_retries():
    fake = FakeOpenAIServer(script=[(500, {"error": {"message": "boom"}})] * 5)
    with fake as url, pytest.raises(LLMError, match="500: boom"):
        await client(url, max_retries=1).complete(MESSAGES)
    assert len(fake.requests) == 2


async def test_4xx_is_not_retried():
    fake = FakeOpenAIServer(script=[(400, {"error": {"message": "bad prompt"}})])
    with fake as url, pytest.raises(LLMError, match="400: bad prompt"):
        await client(url, max_retries=3).complete(MESSAGES)
    assert len(fake.requests) == 1


async def test_unreachable_server_raises_llm_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(LLMError, match="cannot reach"):
        await client(f"http://127.0.0.1:{port}/v1", max_retries=0).complete(MESSAGES)


async def test_structured_repairs_once():
    good = json.dumps({"action": "click(3)", "confidence": 0.9})
    fake = FakeOpenAIServer(script=[(200, chat_reply("sure! {not json")), (200, chat_reply(good))])
    with fake as url:
        pick, usage = await client(url).structured(MESSAGES, Pick)
    assert pick == Pick(action="click(3)", confidence=0.9)
    assert usage.calls == 2
    repair = fake.requests[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": "sure! {not json"}
    assert "invalid" in repair[-1]["content"]


async def test_structured_raises_typed_error_with_raw_text():
    bad = json.dumps({"action": "click(3)"})
    fake = FakeOpenAIServer(script=[(200, chat_reply(bad)), (200, chat_reply("still " + bad))])
    with fake as url, pytest.raises(StructuredOutputError) as info:
        await client(url).structured(MESSAGES, Pick)
    assert info.value.raw == "still " + bad
    assert "confidence" in str(info.value)


async def test_structured_tolerates_fences_and_prose():
    text = 'Here it is:\n```json\n{"action": "stop(\\"4\\")", "confidence": 1}\n```'
    fake = FakeOpenAIServer(script=[(200, chat_reply(text))])
    with fake as url:
        pick, _ = await client(url).structured(MESSAGES, Pick)
    assert pick.action == 'stop("4")'


@pytest.mark.parametrize(
    ("owned_by", "style"), [("fake-openai", "json_schema"), ("forethought-embedded", "json_object")]
)
async def test_schema_sent_in_the_servers_form(owned_by, style):
    ok = json.dumps({"action": "a", "confidence": 0.5})
    fake = FakeOpenAIServer(owned_by=owned_by, script=[(200, chat_reply(ok))])
    with fake as url:
        await client(url).structured(MESSAGES, Pick)
    fmt = fake.requests[0]["response_format"]
    assert fmt["type"] == style
    schema = fmt["json_schema"]["schema"] if style == "json_schema" else fmt["schema"]
    assert set(schema["properties"]) == {"action", "confidence"}


async def test_usage_is_accounted_per_call_and_summed():
    fake = FakeOpenAIServer(
        script=[
            (200, chat_reply("a", prompt=100, completion=7, cached=60)),
            (200, chat_reply("b", prompt=120, completion=3, cached=100)),
        ]
    )
    with fake as url:
        c = client(url)
        first = await c.complete(MESSAGES)
        await c.complete(MESSAGES)
    assert (first.usage.prompt_tokens, first.usage.cached_tokens, first.usage.read_tokens) == (
        100,
        60,
        40,
    )
    assert c.usage.calls == 2
    assert c.usage.completion_tokens == 10
    assert c.usage.read_tokens == 60
    assert isinstance(c.usage, Cost) and isinstance(first.usage, Cost)


def test_usage_from_response_reads_the_servers_extra_fields():
    class Dumps:  # an SDK object: read through model_dump()
        def model_dump(self) -> dict:
            return {
                "prompt_tokens": 50,
                "completion_tokens": 9,
                "prompt_tokens_details": {"cached_tokens": 20},
                "speculative": {"draft_tokens": 8, "accepted_tokens": 6},
            }

    usage = usage_from_response(Dumps(), 1.5)
    assert usage == Cost(
        calls=1,
        prompt_tokens=50,
        completion_tokens=9,
        seconds=1.5,
        cached_tokens=20,
        draft_tokens=8,
        accepted_tokens=6,
    )
    assert usage.read_tokens == 30 and usage.acceptance_rate == 0.75
    assert usage_from_response(None, 0.1) == Cost(calls=1, seconds=0.1)
    assert usage_from_response({"prompt_tokens": None}, 0.0).prompt_tokens == 0


async def test_concurrency_limit_is_respected():
    fake = FakeOpenAIServer(delay=0.2)
    with fake as url:
        c = client(url, max_concurrency=2)
        await asyncio.gather(*(c.complete(MESSAGES) for _ in range(6)))
    assert fake.max_in_flight == 2


async def test_response_cache_is_off_by_default_and_works_when_on(tmp_path):
    fake = FakeOpenAIServer()
    with fake as url:
        plain = client(url)
        await plain.complete(MESSAGES)
        await plain.complete(MESSAGES)
        assert len(fake.requests) == 2
        cached = client(url, cache_path=tmp_path / "cache.sqlite")
        await cached.complete(MESSAGES)
        hit = await cached.complete(MESSAGES)
        await cached.complete(MESSAGES, temperature=0.7)
    assert hit.cached and hit.text == "ok"
    assert len(fake.requests) == 4


class CallList(list):
    """A call log that keeps the calls in a list."""

    def record(self, call: LLMCall) -> None:
        self.append(call)


async def test_every_call_goes_to_the_active_call_log_with_its_role():
    good = json.dumps({"action": "click(3)", "confidence": 0.9})
    fake = FakeOpenAIServer(
        script=[
            (200, chat_reply("sure! {not json", prompt=30, completion=4)),
            (200, chat_reply(good)),
            (200, chat_reply("[4] button 'In cart'")),
            (200, chat_reply("three")),
            (400, {"error": {"message": "bad prompt"}}),
        ]
    )
    log = CallList()
    with fake as url:
        c = client(url, max_retries=0)
        with logging_calls(log):
            await c.structured(MESSAGES, Pick, role="policy")
            lines, _ = await c.read(MESSAGES, str.splitlines, role="world_model")
            with pytest.raises(UnreadableReply, match="invalid literal"):
                await c.read(MESSAGES, int, role="critic")
            with pytest.raises(LLMError, match="bad prompt"):
                await c.complete(MESSAGES, role="critic")
        await c.complete(MESSAGES, role="policy")  # no log active: recorded nowhere
    assert lines == ["[4] button 'In cart'"]
    assert [(call.role, call.error is None) for call in log] == [
        ("policy", False),  # the invalid first reply, with why
        ("policy", True),  # the repair
        ("world_model", True),
        ("critic", False),
        ("critic", False),
    ]
    first, repair, imagined, unreadable, refused = log
    assert first.messages == MESSAGES and first.reply == "sure! {not json"
    assert first.parsed is None and first.usage.prompt_tokens == 30
    assert repair.messages[-2] == {"role": "assistant", "content": "sure! {not json"}
    assert repair.parsed == Pick(action="click(3)", confidence=0.9)
    assert imagined.parsed == ["[4] button 'In cart'"] and imagined.usage.calls == 1
    assert unreadable.reply == "three" and "invalid literal" in (unreadable.error or "")
    assert refused.reply == "" and "bad prompt" in (refused.error or "")


async def test_concurrent_episodes_keep_their_own_call_logs():
    fake = FakeOpenAIServer(delay=0.05)
    logs = CallList(), CallList()

    async def episode(log: CallList, role: str, c: LLMClient) -> None:
        with logging_calls(log):
            await asyncio.gather(*(c.complete(MESSAGES, role=role) for _ in range(3)))

    with fake as url:
        shared = client(url)  # one client serves both, as an Agent's does
        await asyncio.gather(episode(logs[0], "a", shared), episode(logs[1], "b", shared))
    assert [call.role for call in logs[0]] == ["a"] * 3
    assert [call.role for call in logs[1]] == ["b"] * 3


def test_missing_configuration_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("FORETHOUGHT_BASE_URL", raising=False)
    with pytest.raises(LLMError, match="FORETHOUGHT_BASE_URL"):
        LLMClient(model="x")


def test_environment_configures_the_client(monkeypatch):
    monkeypatch.setenv("FORETHOUGHT_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("FORETHOUGHT_MODEL", "m")
    c = LLMClient()
    assert (c.config.base_url, c.model) == ("http://127.0.0.1:9/v1", "m")


async def test_a_server_that_cannot_score_says_so_in_one_line():
    log = CallList()
    with FakeOpenAIServer() as url:
        c = client(url, max_retries=0)
        with logging_calls(log), pytest.raises(LLMError, match="cannot score replies"):
            await c.score(MESSAGES, "{", ["a", "b"], role="policy")
        await c.aclose()
    assert [call.role for call in log] == ["policy"] and "cannot score" in (log[0].error or "")
