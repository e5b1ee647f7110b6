"""The vLLM command builder, for every --spec (vLLM itself cannot run here)."""

from __future__ import annotations

import json
import shlex

import pytest
from typer.testing import CliRunner

from forethought.cli.app import app
from forethought.worldmodel.serving.vllm import VLLMError, VLLMSettings, build_command

MODEL = "Qwen/Qwen2.5-Coder-1.5B-Instruct"


def _spec_config(cmd: list[str]) -> dict | None:
    if "--speculative-config" not in cmd:
        return None
    return json.loads(cmd[cmd.index("--speculative-config") + 1])


@pytest.mark.parametrize(
    ("spec", "draft", "expected"),
    [
        ("off", None, None),
        ("ngram", None, {"method": "ngram", "prompt_lookup_min": 2, "prompt_lookup_max": 5}),
        ("suffix", None, {"method": "suffix", "num_speculative_tokens": 32}),
        ("draft", "Qwen/Qwen2.5-Coder-0.5B-Instruct", {"method": "draft_model"}),
        ("eagle3", "org/eagle3-head", {"method": "eagle3", "model": "org/eagle3-head"}),
    ],
)
def test_every_profile(spec, draft, expected):
    cmd = build_command(
        VLLMSettings(model=MODEL, spec=spec, draft_model=draft, max_num_seqs=8, port=8123)
    )
    assert cmd[:3] == ["vllm", "serve", MODEL]
    assert "--enable-prefix-caching" in cmd
    assert cmd[cmd.index("--max-num-seqs") + 1] == "8"
    assert cmd[cmd.index("--port") + 1] == "8123"
    config = _spec_config(cmd)
    if expected is None:
        assert config is None
    else:
        assert expected.items() <= config.items()
        assert config["num_speculative_tokens"] > 0


@pytest.mark.parametrize(
    ("spec", "draft", "message"),
    [
        ("draft", None, "needs --draft-model"),
        ("eagle3", None, "needs --draft-model"),
        ("ngram", "x/y", "only applies"),
        ("medusa", None, "unknown --spec"),
    ],
)
def test_inconsistent_settings_are_refused(spec, draft, message):
    with pytest.raises(VLLMError, match=message):
        build_command(VLLMSettings(model=MODEL, spec=spec, draft_model=draft))


def test_cli_prints_the_command():
    result = CliRunner().invoke(
        app,
        [
            "serve",
            "--engine",
            "vllm",
            "--model",
            MODEL,
            "--spec",
            "ngram",
            "--print",
            "--tensor-parallel-size",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    cmd = shlex.split(result.stdout.strip())
    assert cmd[:3] == ["vllm", "serve", MODEL]
    assert cmd[cmd.index("--tensor-parallel-size") + 1] == "2"
    assert _spec_config(cmd)["method"] == "ngram"


def test_cli_refuses_to_run_without_vllm(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    result = CliRunner().invoke(app, ["serve", "--engine", "vllm", "--model", MODEL])
    assert result.exit_code == 2
    assert "vLLM is not installed" in result.output
