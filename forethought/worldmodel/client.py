"""The async LLM client: any OpenAI-compatible server (vLLM, llama.cpp, a hosted API).

- Plain text for long outputs (world-model predictions), parsed by the caller.
- Structured replies into pydantic models for short outputs: the JSON schema goes to
  the server in the form it supports, the reply is validated, one repair attempt is
  made with the validation error, and then :class:`StructuredOutputError` is raised
  with the raw text.
- Retries with backoff on connection errors, timeouts and 5xx come from the ``openai``
  SDK (``max_retries``); a semaphore bounds concurrent calls; every call's usage is
  recorded as the planner's :class:`Cost`; temperature-0 replies can be cached on disk
  (off by default).
- Every call made inside :func:`logging_calls` goes to its :class:`CallLog` as an
  :class:`LLMCall`: the role that asked, the messages, the raw reply, what was read from
  it (or why it could not be read) and its usage. The agent writes them to its trace.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import openai
from pydantic import BaseModel, Field, ValidationError

from forethought.planner import Cost
from forethought.worldmodel.cache import ResponseCache

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")
Messages = list[dict[str, Any]]
SchemaStyle = Literal["auto", "json_schema", "json_object"]


class LLMError(RuntimeError):
    """The server could not be reached or refused the request, after retries."""


class StructuredOutputError(LLMError):
    """The reply did not validate against the schema, even after one repair attempt."""

    def __init__(self, message: str, raw: str, usage: Cost | None = None) -> None:
        super().__init__(message)
        self.raw = raw
        #: What the failed attempts cost.
        self.usage = usage or Cost()


class UnreadableReply(ValueError):
    """The caller's ``parse`` rejected a reply; ``reply`` is what the server said."""

    def __init__(self, problem: str, reply: Completion) -> None:
        super().__init__(problem)
        self.reply = reply


class LLMConfig(BaseModel):
    """Where the model is and how to talk to it. Env: FORETHOUGHT_BASE_URL/MODEL/API_KEY."""

    base_url: str | None = None
    model: str | None = None
    api_key: str | None = None
    timeout: float = 600.0
    max_retries: int = 3
    max_concurrency: int = 4
    #: How JSON schemas are sent; ``auto`` asks the server which kind it is.
    schema_style: SchemaStyle = "auto"
    #: A SQLite file for cached temperature-0 replies; ``None`` (default) disables it.
    cache_path: Path | None = None

    def resolved(self) -> LLMConfig:
        """Fill unset fields from the environment."""
        env = os.environ
        return self.model_copy(
            update={
                "base_url": self.base_url or env.get("FORETHOUGHT_BASE_URL"),
                "model": self.model or env.get("FORETHOUGHT_MODEL"),
                "api_key": self.api_key or env.get("FORETHOUGHT_API_KEY") or "not-needed",
            }
        )


class Completion(BaseModel):
    text: str
    usage: Cost = Field(default_factory=Cost)
    finish_reason: str | None = None
    cached: bool = False


class LLMCall(BaseModel):
    """One LLM call as a :class:`CallLog` receives it: what the model saw and said."""

    #: Who asked: ``policy``, ``world_model``, ``critic`` (``llm`` when unlabelled).
    role: str
    messages: Messages
    reply: str = ""
    #: What the caller read from the reply (a validated model, a prediction), if anything.
    parsed: Any = None
    #: Why the request failed, or why its reply could not be read.
    error: str | None = None
    usage: Cost = Field(default_factory=Cost)
    cached: bool = False


class CallLog(Protocol):
    """Receives every LLM call made while it is active (see :func:`logging_calls`)."""

    def record(self, call: LLMCall) -> None: ...


_CALL_LOG: ContextVar[CallLog | None] = ContextVar("forethought_call_log", default=None)


@contextmanager
def logging_calls(log: CallLog) -> Iterator[None]:
    """Sends every call made inside the block (and in tasks started there) to ``log``.

    A context variable, not a client attribute: one client serves every episode of an
    agent, episodes may run at once, and each episode's calls belong to its own trace.
    """
    token = _CALL_LOG.set(log)
    try:
        yield
    finally:
        _CALL_LOG.reset(token)


def _unread(_: str) -> None:
    """A plain completion is read by its caller, not here."""


class LLMClient:
    """One model behind one base URL. Create it inside a running program, not at import."""

    def __init__(self, config: LLMConfig | None = None, **overrides: Any) -> None:
        cfg = (config or LLMConfig()).model_copy(update=overrides).resolved()
        if not cfg.base_url:
            raise LLMError("no base URL: pass base_url or set FORETHOUGHT_BASE_URL")
        if not cfg.model:
            raise LLMError("no model name: pass model or set FORETHOUGHT_MODEL")
        self.config = cfg
        self.model: str = cfg.model
        self._client = openai.AsyncOpenAI(
            base_url=cfg.base_url,
            api_key=cfg.api_key,
            timeout=cfg.timeout,
            max_retries=cfg.max_retries,
        )
        self._limit = asyncio.Semaphore(cfg.max_concurrency)
        self._cache = ResponseCache(cfg.cache_path) if cfg.cache_path else None
        self._schema_style: SchemaStyle = cfg.schema_style
        #: Usage summed over the client's life.
        self.usage = Cost()

    async def complete(
        self,
        messages: Messages,
        *,
        role: str = "llm",
        max_tokens: int = 512,
        temperature: float = 0.0,
        stop: list[str] | None = None,
        seed: int | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> Completion:
        """One chat completion as plain text; ``role`` names the asker in the call log."""
        options = {
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stop": stop,
            "seed": seed,
            "response_format": response_format,
        }
        _, reply = await self._read(messages, _unread, role, options)
        return reply

    async def read(
        self,
        messages: Messages,
        parse: Callable[[str], R],
        *,
        role: str = "llm",
        max_tokens: int = 512,
        temperature: float = 0.0,
        stop: list[str] | None = None,
        seed: int | None = None,
    ) -> tuple[R, Completion]:
        """A plain-text completion and what ``parse`` reads from it; both go to the call
        log. A ``ValueError`` from ``parse`` is raised as :class:`UnreadableReply`."""
        options = {"max_tokens": max_tokens, "temperature": temperature, "stop": stop, "seed": seed}
        return await self._read(messages, parse, role, options)

    async def _read(
        self, messages: Messages, parse: Callable[[str], R], role: str, options: dict[str, Any]
    ) -> tuple[R, Completion]:
        """One request read by ``parse``, recorded in the active call log (if any)."""
        log = _CALL_LOG.get()
        try:
            reply = await self.send(messages, **options)
        except LLMError as err:
            if log is not None:
                log.record(
                    LLMCall(role=role, messages=messages, error=str(err), usage=Cost(calls=1))
                )
            raise
        call = LLMCall(
            role=role, messages=messages, reply=reply.text, usage=reply.usage, cached=reply.cached
        )
        try:
            value = parse(reply.text)
        except ValueError as err:
            if log is not None:
                log.record(call.model_copy(update={"error": str(err)}))
            raise UnreadableReply(str(err), reply) from None
        if log is not None:
            log.record(call.model_copy(update={"parsed": value}))
        return value, reply

    async def send(
        self,
        messages: Messages,
        *,
        max_tokens: int = 512,
        temperature: float = 0.0,
        stop: list[str] | None = None,
        seed: int | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> Completion:
        """One request to the server (or the cache), recorded nowhere: the roles call
        :meth:`complete`, :meth:`read` or :meth:`structured`."""
        params: dict[str, Any] = {"max_tokens": max_tokens, "temperature": temperature}
        if stop:
            params["stop"] = stop
        if seed is not None:
            params["seed"] = seed
        if response_format is not None:
            params["response_format"] = response_format
        key = None
        if self._cache is not None and temperature == 0:
            key = ResponseCache.key(self.model, messages, params)
            if (hit := self._cache.get(key)) is not None:
                return Completion(text=hit["text"], finish_reason=hit["finish"], cached=True)
        async with self._limit:
            start = time.perf_counter()
            with self._reaching():
                resp = await self._client.chat.completions.create(
                    model=self.model, messages=messages, **params
                )
            seconds = time.perf_counter() - start
        choice = resp.choices[0]
        text = choice.message.content or ""
        usage = usage_from_response(resp.usage, seconds)
        self.usage = self.usage + usage
        if key is not None and self._cache is not None:
            self._cache.put(key, {"text": text, "finish": choice.finish_reason})
        return Completion(text=text, usage=usage, finish_reason=choice.finish_reason)

    async def score(
        self,
        messages: Messages,
        prefix: str,
        continuations: Sequence[str | list[str]],
        *,
        role: str = "llm",
    ) -> tuple[list[float], Cost]:
        """The log likelihood of each continuation of the reply ``prefix`` to ``messages``
        (a ``/v1/score_continuations`` request, which the embedded server answers; other
        servers refuse it). A continuation may be a list of parts, scored and context in
        turn: context is read, not counted. The call log gets them, best first."""
        body = {
            "model": self.model,
            "messages": messages,
            "prefix": prefix,
            "continuations": list(continuations),
        }
        async with self._limit:
            start = time.perf_counter()
            try:
                with self._reaching(
                    missing=f"{self.config.base_url} cannot score replies "
                    "(only the embedded server can): propose by writing them instead"
                ):
                    data = await self._client.post(
                        "/score_continuations", body=body, cast_to=dict[str, Any]
                    )
            except LLMError as err:
                if (log := _CALL_LOG.get()) is not None:
                    log.record(LLMCall(role=role, messages=messages, error=str(err)))
                raise
            seconds = time.perf_counter() - start
        values = [float(v) for v in data.get("logprobs", [])]
        if len(values) != len(continuations):
            raise LLMError(f"{self.config.base_url} scored {len(values)} of {len(continuations)}")
        usage = usage_from_response(data.get("usage"), seconds)
        self.usage = self.usage + usage
        if (log := _CALL_LOG.get()) is not None:
            texts = [c if isinstance(c, str) else "".join(c) for c in continuations]
            best = sorted(zip(values, texts, strict=True), reverse=True)
            reply = prefix + "\n" + "\n".join(f"{v:8.2f}  {c}" for v, c in best)
            log.record(
                LLMCall(role=role, messages=messages, reply=reply, parsed=values, usage=usage)
            )
        return values, usage

    @contextmanager
    def _reaching(self, missing: str | None = None) -> Iterator[None]:
        """The server's refusals and unreachability as :class:`LLMError` (after the
        SDK's retries); ``missing``: what to say when the endpoint is not there."""
        try:
            yield
        except openai.NotFoundError as err:
            raise LLMError(missing or f"{self.config.base_url} answered 404: {_msg(err)}") from None
        except openai.APIStatusError as err:
            raise LLMError(
                f"{self.config.base_url} answered {err.status_code}: {_msg(err)}"
            ) from None
        except (openai.APIConnectionError, openai.APITimeoutError) as err:
            raise LLMError(
                f"cannot reach {self.config.base_url} "
                f"after {self.config.max_retries} retries: {err}"
            ) from None

    async def structured(
        self,
        messages: Messages,
        schema: type[T],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = None,
        role: str = "llm",
    ) -> tuple[T, Cost]:
        """A reply validated into ``schema``; one repair attempt, then StructuredOutputError.
        Each attempt goes to the call log as ``role``'s call."""
        fmt = await self.response_format(schema)
        options = {
            "max_tokens": max_tokens,
            "temperature": temperature,
            "seed": seed,
            "response_format": fmt,
        }
        parse = functools.partial(parse_json_reply, schema=schema)
        try:
            value, reply = await self._read(messages, parse, role, options)
            return value, reply.usage
        except UnreadableReply as first:
            usage = first.reply.usage
            repair = [
                *messages,
                {"role": "assistant", "content": first.reply.text},
                {
                    "role": "user",
                    "content": f"That reply was invalid: {first}\n"
                    "Answer again with only the JSON object, matching the schema.",
                },
            ]
        try:
            value, again = await self._read(repair, parse, role, options)
            return value, usage + again.usage
        except UnreadableReply as second:
            raise StructuredOutputError(
                f"{schema.__name__} reply invalid after one repair: {second}",
                second.reply.text,
                usage + second.reply.usage,
            ) from None

    async def response_format(self, schema: type[BaseModel]) -> dict[str, Any]:
        """``schema`` as this server takes it in a request's ``response_format``."""
        json_schema = schema.model_json_schema()
        if self._schema_style == "auto":
            self._schema_style = await self._detect_schema_style()
        if self._schema_style == "json_object":
            return {"type": "json_object", "schema": json_schema}
        return {
            "type": "json_schema",
            "json_schema": {"name": schema.__name__, "schema": json_schema},
        }

    async def _detect_schema_style(self) -> SchemaStyle:
        """llama.cpp servers take ``json_object`` + ``schema``; others OpenAI's ``json_schema``."""
        try:
            models = await self._client.models.list()
        except openai.OpenAIError:
            return "json_schema"
        owners = {str(getattr(m, "owned_by", "")) for m in models.data}
        return (
            "json_object" if owners & {"forethought-embedded", "llamacpp", "me"} else "json_schema"
        )

    async def aclose(self) -> None:
        await self._client.close()
        if self._cache is not None:
            self._cache.close()


def usage_from_response(usage: object, seconds: float) -> Cost:
    """One call's :class:`Cost` from an OpenAI ``usage`` object (or dict), including the
    servers' extra fields: ``prompt_tokens_details.cached_tokens`` and ``speculative``."""
    data = _as_dict(usage)
    details = _as_dict(data.get("prompt_tokens_details"))
    spec = _as_dict(data.get("speculative"))
    return Cost(
        calls=1,
        prompt_tokens=int(data.get("prompt_tokens") or 0),
        completion_tokens=int(data.get("completion_tokens") or 0),
        seconds=seconds,
        cached_tokens=int(details.get("cached_tokens") or 0),
        draft_tokens=int(spec.get("draft_tokens") or 0),
        accepted_tokens=int(spec.get("accepted_tokens") or 0),
    )


def _as_dict(obj: object) -> dict[str, Any]:
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    dump = getattr(obj, "model_dump", None)
    return dump() if callable(dump) else {}


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def parse_json_reply(text: str, schema: type[T]) -> T:
    """Validate a model's JSON reply, tolerating code fences and prose around one object."""
    candidates = [text.strip()]
    candidates += [m.strip() for m in _FENCE.findall(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    error: Exception | None = None
    for candidate in candidates:
        try:
            return schema.model_validate(json.loads(candidate))
        except (json.JSONDecodeError, ValidationError) as err:
            error = err
    raise ValueError(_short_error(error))


def _short_error(err: Exception | None) -> str:
    if isinstance(err, ValidationError):
        return "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in err.errors()
        )
    if isinstance(err, json.JSONDecodeError):
        return f"not JSON ({err.msg} at position {err.pos})"
    return "no JSON object found"


def _msg(err: openai.APIStatusError) -> str:
    body = err.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and "message" in inner:
            return str(inner["message"])
    return str(err.message)
