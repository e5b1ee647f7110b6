"""``forethought serve``: the embedded llama.cpp server, or the ``vllm serve`` command."""

from __future__ import annotations

import os
import shlex
from enum import StrEnum

import typer
from rich.console import Console

from forethought.cli.app import app
from forethought.settings import DEFAULT_MODEL
from forethought.worldmodel import registry
from forethought.worldmodel.serving import drafters
from forethought.worldmodel.serving.vllm import (
    VLLMError,
    VLLMSettings,
    build_command,
    require_vllm,
)

err = Console(stderr=True)


class Engine(StrEnum):
    llama_cpp = "llama-cpp"
    vllm = "vllm"


@app.command()
def serve(
    engine: Engine = typer.Option(
        Engine.llama_cpp, help="llama-cpp (CPU, embedded) or vllm (GPU)."
    ),
    model: str = typer.Option(
        DEFAULT_MODEL,
        help="llama-cpp: a model name from `forethought models list` or a GGUF path "
        "(pulled if needed). vllm: a Hugging Face model id or path.",
    ),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port; 0 picks a free one (printed)."),
    spec: str = typer.Option(
        None,
        help=f"Speculative decoding. llama-cpp: {', '.join(drafters.SPEC_MODES)} "
        f"(default {drafters.DEFAULT_SPEC}). vllm: off, ngram, suffix, draft, eagle3 "
        "(default suffix).",
    ),
    ctx: int = typer.Option(8192, help="llama-cpp: context length in tokens."),
    threads: int = typer.Option(0, help="llama-cpp: CPU threads (0 = all cores)."),
    exact: bool = typer.Option(
        False,
        "--exact",
        help="llama-cpp: greedy output bit-identical to no speculation (one thread, "
        "small verification batches; slower).",
    ),
    draft_model: str = typer.Option(None, help="vllm: draft model for --spec draft/eagle3."),
    num_speculative_tokens: int = typer.Option(None, help="vllm: draft tokens per step."),
    max_num_seqs: int = typer.Option(64, help="vllm: maximum concurrent sequences."),
    tensor_parallel_size: int = typer.Option(1, help="vllm: GPUs to shard the model over."),
    print_only: bool = typer.Option(False, "--print", help="vllm: print the command, don't run."),
) -> None:
    """Serve a model behind an OpenAI-compatible API on 127.0.0.1 (Ctrl-C stops it)."""
    if engine is Engine.vllm:
        _serve_vllm(
            VLLMSettings(
                model=model,
                spec=spec or "suffix",
                draft_model=draft_model,
                num_speculative_tokens=num_speculative_tokens,
                host=host,
                port=port,
                max_num_seqs=max_num_seqs,
                tensor_parallel_size=tensor_parallel_size,
                max_model_len=ctx,
            ),
            print_only,
        )
        return
    spec = spec or drafters.DEFAULT_SPEC
    if spec not in drafters.SPEC_MODES:
        err.print(
            f"[red]error:[/red] unknown --spec {spec!r}; "
            f"choose from {', '.join(drafters.SPEC_MODES)}"
        )
        raise typer.Exit(2)
    try:
        path = registry.pull(model) if model in registry.MODELS else registry.resolve(model)
    except registry.ModelError as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None
    from forethought.worldmodel.serving.embedded import EmbeddedEngine, EngineError
    from forethought.worldmodel.serving.http import run_server

    err.print(f"Loading {path.name} (spec: {spec}, context: {ctx})…")
    name = model if model in registry.MODELS else path.stem
    try:
        emb = EmbeddedEngine(
            path, model_name=name, spec=spec, n_ctx=ctx, n_threads=threads or None, exact=exact
        )
    except EngineError as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    run_server(emb, host=host, port=port)


def _serve_vllm(settings: VLLMSettings, print_only: bool) -> None:
    try:
        cmd = build_command(settings)
        if print_only:
            typer.echo(shlex.join(cmd))
            return
        cmd[0] = require_vllm()
    except VLLMError as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    os.execv(cmd[0], cmd)
