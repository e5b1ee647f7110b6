"""Build the ``vllm serve`` command line for GPU machines.

The ``--speculative-config`` JSON follows vLLM 0.33 (the version the ``vllm`` extra pins):
a ``method`` of ``ngram`` (``prompt_lookup_min``/``prompt_lookup_max``), ``suffix`` (needs
arctic-inference; ``num_speculative_tokens`` is a maximum, the draft grows with the
match), ``draft_model`` or ``eagle3`` (both need ``model``), plus ``num_speculative_tokens``.
Prefix caching is always on.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

from pydantic import BaseModel, Field

VLLM_SPECS = ("off", "ngram", "suffix", "draft", "eagle3")


class VLLMError(ValueError):
    """The vLLM settings are inconsistent, or vLLM is not installed."""


class VLLMSettings(BaseModel):
    model: str = Field(description="Hugging Face model id or local path of the target model.")
    spec: str = "suffix"
    draft_model: str | None = None
    num_speculative_tokens: int | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    max_num_seqs: int = 64
    tensor_parallel_size: int = 1
    max_model_len: int = 8192
    served_model_name: str | None = None


def speculative_config(settings: VLLMSettings) -> dict[str, Any] | None:
    """The ``--speculative-config`` object for a profile, or ``None`` for ``off``."""
    spec = settings.spec
    if spec not in VLLM_SPECS:
        raise VLLMError(f"unknown --spec {spec!r} for vllm; choose from {', '.join(VLLM_SPECS)}")
    if spec in ("draft", "eagle3") and not settings.draft_model:
        raise VLLMError(f"--spec {spec} needs --draft-model (a Hugging Face id or path)")
    if spec in ("off", "ngram", "suffix") and settings.draft_model:
        raise VLLMError(f"--draft-model only applies to --spec draft or eagle3, not {spec}")
    n = settings.num_speculative_tokens
    if spec == "off":
        return None
    if spec == "ngram":
        return {
            "method": "ngram",
            "num_speculative_tokens": n or 8,
            "prompt_lookup_min": 2,
            "prompt_lookup_max": 5,
        }
    if spec == "suffix":
        return {
            "method": "suffix",
            "num_speculative_tokens": n or 32,
            "suffix_decoding_max_tree_depth": 64,
            "suffix_decoding_max_spec_factor": 1.0,
            "suffix_decoding_min_token_prob": 0.1,
        }
    method = "draft_model" if spec == "draft" else "eagle3"
    return {"method": method, "model": settings.draft_model, "num_speculative_tokens": n or 5}


def build_command(settings: VLLMSettings) -> list[str]:
    """The full ``vllm serve`` argv for ``settings``."""
    cmd = [
        "vllm",
        "serve",
        settings.model,
        "--host",
        settings.host,
        "--port",
        str(settings.port),
        "--enable-prefix-caching",
        "--max-num-seqs",
        str(settings.max_num_seqs),
        "--tensor-parallel-size",
        str(settings.tensor_parallel_size),
        "--max-model-len",
        str(settings.max_model_len),
    ]
    if settings.served_model_name:
        cmd += ["--served-model-name", settings.served_model_name]
    if (config := speculative_config(settings)) is not None:
        cmd += ["--speculative-config", json.dumps(config, separators=(",", ":"))]
    return cmd


def require_vllm() -> str:
    """The path of the ``vllm`` executable, or a clear error."""
    path = shutil.which("vllm")
    if path is None:
        raise VLLMError(
            "vLLM is not installed here. On a GPU machine: pip install 'forethought[vllm]'. "
            "Use --print to see the command without running it."
        )
    return path
