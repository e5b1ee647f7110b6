"""The embedded engine: an OpenAI-compatible server around llama-cpp-python's ``Llama``.

We serve through the Python API, not ``python -m llama_cpp.server``, so any draft model
object can be plugged in, and so each response can report what the prefix cache saved
(``usage.prompt_tokens_details.cached_tokens``) and the speculative acceptance
(``usage.speculative``).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forethought.worldmodel.serving.drafters import (
    DEFAULT_SPEC,
    SPEC_MODES,
    CappedDraft,
    MeteredDraft,
)
from forethought.worldmodel.serving.scoring import common_prefix, continuation_logprobs

DEFAULT_CONTEXT = 8192

#: ``exact`` mode verifies at most this many tokens at once (a sampled token and its
#: draft). With one thread, flash attention and no weight repacking, llama.cpp's CPU
#: kernels give bit-identical logits for batches of 1 to 7 tokens; from 8 tokens on a
#: faster kernel rounds differently (llama-cpp-python 0.3.36; tests/worldmodel).
#: llama-cpp-python samples from the last batch's logits, so the draft itself is capped.
EXACT_VERIFY_BATCH = 7


class EngineError(ValueError):
    """A request the engine cannot serve; the server answers 400 with this message."""


@dataclass
class _Meter:
    """Per-request counts taken inside ``Llama.eval``."""

    prompt_read: int | None = None
    prompt_seconds: float = 0.0
    started: float = field(default_factory=time.perf_counter)


def _llama_class() -> type:
    try:
        from llama_cpp import Llama
    except ImportError as err:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "the embedded engine needs llama-cpp-python: pip install 'forethought[local]'"
        ) from err

    class MeteredLlama(Llama):
        """``Llama`` that records how many prompt tokens each request really read."""

        meter: _Meter | None = None

        def eval(self, tokens: Any) -> None:
            meter = self.meter
            if meter is None or meter.prompt_read is not None:
                super().eval(tokens)
                return
            start = time.perf_counter()
            super().eval(tokens)
            meter.prompt_read = len(tokens)
            meter.prompt_seconds = time.perf_counter() - start

    return MeteredLlama


@contextlib.contextmanager
def _no_weight_repacking() -> Iterator[None]:
    """Load a model without llama.cpp's CPU weight repacking (extra buffer types).

    llama-cpp-python 0.3.36 exposes ``use_extra_bufts`` only in the C parameter struct
    that ``Llama.__init__`` fills from ``llama_model_default_params``, so that function
    is wrapped while the model loads.
    """
    import llama_cpp.llama_cpp as lib

    original = lib.llama_model_default_params

    def params() -> Any:
        out = original()
        out.use_extra_bufts = False
        return out

    lib.llama_model_default_params = params
    try:
        yield
    finally:
        lib.llama_model_default_params = original


class EmbeddedEngine:
    """One GGUF model on the CPU; requests are served one at a time.

    ``exact``: greedy output with any draft is bit-identical to output without one. By
    default drafts are verified in one batch, and llama.cpp's batched kernels round a
    little differently from its one-token kernels, so a near-tie can flip a token.
    Exact mode uses one thread, flash attention, no weight repacking and drafts of at
    most ``EXACT_VERIFY_BATCH - 1`` tokens, where the kernels agree bit for bit. It is
    slower: verifying 7 tokens costs about 5.4 steps there, so speculation gains at most
    about 1.45x (``bench specdec --exact`` measured 1.2x on ``full``).
    """

    def __init__(
        self,
        model_path: Path,
        *,
        model_name: str | None = None,
        spec: str = DEFAULT_SPEC,
        n_ctx: int = DEFAULT_CONTEXT,
        n_threads: int | None = None,
        seed: int = 0,
        draft: Any = None,
        exact: bool = False,
    ) -> None:
        if spec not in SPEC_MODES and draft is None:
            raise EngineError(f"unknown --spec {spec!r}; choose from {', '.join(SPEC_MODES)}")
        factory = SPEC_MODES.get(spec)
        inner = draft if draft is not None else (factory() if factory else None)
        if inner is not None and exact:
            inner = CappedDraft(inner, EXACT_VERIFY_BATCH - 1)
        self.draft = MeteredDraft(inner) if inner is not None else None
        self.model_name = model_name or Path(model_path).stem
        self.spec = spec
        self.n_ctx = n_ctx
        self.exact = exact
        if exact and n_threads not in (None, 1):
            raise EngineError("exact mode runs on one thread; drop --threads or set it to 1")
        threads = 1 if exact else n_threads or os.cpu_count() or 1
        with _no_weight_repacking() if exact else contextlib.nullcontext():
            self.llama = _llama_class()(
                model_path=str(model_path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                seed=seed,
                draft_model=self.draft,
                # A draft model needs logits for every position. llama-cpp-python turns
                # this on by itself but sizes its logits buffer from the argument, so
                # without it drafting crashes once a sequence passes n_batch tokens.
                # Memory: n_ctx x vocabulary x 4 bytes (about 5 GB at 8k for Qwen2.5).
                logits_all=self.draft is not None,
                flash_attn=exact,
                verbose=False,
            )
        self._lock = threading.Lock()

    def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        """Serve one ``/v1/chat/completions`` body; returns the OpenAI-shaped response."""
        kwargs = _chat_kwargs(body)
        schema = (kwargs.get("response_format") or {}).get("schema")
        if schema is not None:  # compiled and checked here, once, instead of by the chat
            del kwargs["response_format"]
            kwargs["grammar"] = _schema_grammar(self.llama, json.dumps(schema))
        with self._lock:
            meter = _Meter()
            self.llama.meter = meter
            if self.draft is not None:
                self.draft.begin()
            try:
                response = self.llama.create_chat_completion(**kwargs)
            except ValueError as err:  # e.g. the prompt does not fit the context
                raise EngineError(str(err)) from None
            finally:
                self.llama.meter = None
            seconds = time.perf_counter() - meter.started
        usage = response.setdefault("usage", {})
        prompt = int(usage.get("prompt_tokens", 0))
        read = prompt if meter.prompt_read is None else min(meter.prompt_read, prompt)
        usage["prompt_tokens_details"] = {"cached_tokens": prompt - read}
        usage["timings"] = {
            "prompt_seconds": round(meter.prompt_seconds, 4),
            "decode_seconds": round(max(seconds - meter.prompt_seconds, 0.0), 4),
        }
        if self.draft is not None:
            usage["speculative"] = self.draft.stats.as_dict()
        response["model"] = self.model_name
        return response

    def score(self, body: dict[str, Any]) -> dict[str, Any]:
        """Serve one ``/v1/score_continuations`` body (:func:`_score_args`): the log
        likelihood of each continuation of the assistant's reply ``prefix`` to
        ``messages``, read in one cached pass (:mod:`.scoring`). A continuation is a
        string, or a list of strings that alternate scored and context parts: context is
        read but not counted (an element line copied after its id, say)."""
        messages, prefix, continuations = _score_args(body)
        if not self.llama._logits_all:
            raise EngineError(
                "scoring needs the logits of every position: serve with a draft (--spec), "
                "not --spec off"
            )
        with self._lock:
            started = time.perf_counter()
            prompt = self._chat_tokens(messages)
            reading = [self._reply_tokens(prefix, parts) for parts in continuations]
            sequences = [prompt + tokens for tokens, _ in reading]
            if (longest := max(map(len, sequences))) > self.n_ctx:
                raise EngineError(
                    f"a prompt and continuation of {longest} tokens exceed the "
                    f"context window ({self.n_ctx})"
                )
            positions = [[len(prompt) + i for i in scored] for _, scored in reading]
            cached = common_prefix(self.llama.input_ids[: self.llama.n_tokens], prompt)
            values, read = continuation_logprobs(self.llama, sequences, positions)
            seconds = time.perf_counter() - started
        usage = {
            "prompt_tokens": len(prompt),
            "completion_tokens": 0,
            "prompt_tokens_details": {"cached_tokens": cached},
            "scored_tokens": sum(map(len, positions)),
            "read_tokens": read,
            "timings": {"seconds": round(seconds, 4)},
        }
        return {"object": "scores", "model": self.model_name, "logprobs": values, "usage": usage}

    def _reply_tokens(self, prefix: str, parts: list[str]) -> tuple[list[int], list[int]]:
        """The tokens of ``prefix`` and ``parts`` written in one go, and the indices of
        those to count: each that holds a byte of a scored part (even index). The first
        may start in the prefix (`` "[`` is one token)."""
        text = (prefix + "".join(parts)).encode()
        tokens = self.llama.tokenize(text, add_bos=False, special=False)
        scored: list[tuple[int, int]] = []
        at = len(prefix.encode())
        for i, part in enumerate(parts):
            size = len(part.encode())
            if i % 2 == 0 and size:
                scored.append((at, at + size))
            at += size
        counted, at = [], 0
        for i, token in enumerate(tokens):
            end = at + len(self.llama.detokenize([token]))
            if any(a < end and at < b for a, b in scored):
                counted.append(i)
            at = end
        return tokens, counted

    def _chat_tokens(self, messages: list[dict[str, Any]]) -> list[int]:
        """The tokens of ``messages`` with the model's chat template and the assistant's
        turn opened: what a chat completion reads before it writes."""
        result = self._chat_formatter(messages=messages)
        text = result.prompt.encode()
        return self.llama.tokenize(text, add_bos=not result.added_special, special=True)

    @functools.cached_property
    def _chat_formatter(self) -> Any:
        """The formatter ``Llama`` builds from the model's own chat template."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = self.llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise EngineError(f"{self.model_name} has no chat template to score replies with")

        def text(token: int) -> str:
            return self.llama.detokenize([token], special=True).decode() if token >= 0 else ""

        return Jinja2ChatFormatter(
            template=template,
            eos_token=text(self.llama.token_eos()),
            bos_token=text(self.llama.token_bos()),
        )


def _chat_kwargs(body: dict[str, Any]) -> dict[str, Any]:
    """Translate an OpenAI chat request into ``create_chat_completion`` arguments."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise EngineError("'messages' must be a non-empty list")
    if body.get("stream"):
        raise EngineError("streaming is not supported by the embedded server")
    if int(body.get("n") or 1) != 1:
        raise EngineError("the embedded server returns one choice per request (n=1)")
    kwargs: dict[str, Any] = {
        "messages": messages,
        "temperature": float(body.get("temperature", 1.0)),
        "top_p": float(body.get("top_p", 1.0)),
        "max_tokens": body.get("max_completion_tokens") or body.get("max_tokens"),
        "stop": body.get("stop") or [],
        "seed": body.get("seed"),
        "presence_penalty": float(body.get("presence_penalty") or 0.0),
        "frequency_penalty": float(body.get("frequency_penalty") or 0.0),
        # OpenAI semantics: no top-k / min-p truncation unless asked for.
        "top_k": int(body.get("top_k", 0)),
        "min_p": float(body.get("min_p", 0.0)),
    }
    if (fmt := body.get("response_format")) is not None:
        kwargs["response_format"] = _response_format(fmt)
    return kwargs


@functools.lru_cache(maxsize=256)
def _schema_grammar(llama: Any, schema: str) -> Any:
    """The grammar a JSON ``schema`` constrains a reply with (any JSON when llama.cpp's
    converter cannot read the schema, as llama-cpp-python does), checked to parse: the
    converter copies some regex escapes (``\\.``) that llama.cpp's parser rejects, and
    llama-cpp-python would add that grammar as a null sampler, killing the process."""
    import llama_cpp
    from llama_cpp.llama_grammar import JSON_GBNF, LlamaGrammar

    try:
        grammar = LlamaGrammar.from_json_schema(schema, verbose=False)
    except Exception:  # the converter's own errors: unsupported schema keywords
        grammar = LlamaGrammar.from_string(JSON_GBNF, verbose=False)
    sampler = llama_cpp.llama_sampler_init_grammar(
        llama._model.vocab, grammar._grammar.encode(), grammar._root.encode()
    )
    if not sampler:
        raise EngineError(
            "'response_format' schema: llama.cpp cannot parse the grammar it compiles to "
            "(an unsupported regex escape?)"
        )
    llama_cpp.llama_sampler_free(sampler)
    return grammar


def _response_format(fmt: Any) -> dict[str, Any] | None:
    """Accept OpenAI's ``json_schema`` and llama.cpp's ``json_object`` (+ ``schema``)."""
    if not isinstance(fmt, dict) or "type" not in fmt:
        raise EngineError("'response_format' must be an object with a 'type'")
    kind = fmt["type"]
    if kind == "text":
        return None
    if kind == "json_object":
        return fmt
    if kind == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
        if not isinstance(schema, dict):
            raise EngineError("'response_format.json_schema.schema' must be a JSON schema object")
        return {"type": "json_object", "schema": schema}
    raise EngineError(f"unsupported response_format type {kind!r}")


def _score_args(
    body: dict[str, Any],
) -> tuple[list[dict[str, Any]], str, list[list[str]]]:
    """``messages`` (as for a chat), ``prefix`` (the start of the assistant's reply) and
    ``continuations`` (at least one; each a string or a list of strings, scored and
    context parts in turn) from a score request; each continuation as a list."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise EngineError("'messages' must be a non-empty list")
    prefix = body.get("prefix", "")
    if not isinstance(prefix, str):
        raise EngineError("'prefix' must be a string")
    continuations = body.get("continuations")
    if not isinstance(continuations, list) or not continuations:
        raise EngineError("'continuations' must be a non-empty list")
    out = []
    for item in continuations:
        parts = [item] if isinstance(item, str) else item
        if not isinstance(parts, list) or not parts or not all(isinstance(p, str) for p in parts):
            raise EngineError("each of 'continuations' must be a string or a list of strings")
        out.append(parts)
    return messages, prefix, out
