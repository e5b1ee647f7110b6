"""vLLM's speculative counters from recorded ``/metrics`` text (vLLM cannot run here)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from forethought.worldmodel.metrics import (
    SpecDecodeMetrics,
    metrics_url,
    parse_prometheus,
    scrape_vllm_metrics,
    spec_decode_metrics,
)

TEXT = (Path(__file__).parent / "data" / "vllm_metrics_suffix.prom").read_text()
MODEL = "Qwen/Qwen2.5-Coder-1.5B-Instruct"


def test_counters_and_derived_figures():
    m = spec_decode_metrics(TEXT)
    assert m is not None
    assert (m.drafts, m.draft_tokens, m.accepted_tokens) == (4800, 19200, 10560)
    assert m.acceptance_rate == pytest.approx(10560 / 19200)
    assert m.mean_acceptance_length == pytest.approx(1 + 10560 / 4800)
    assert m.accepted_per_position == (3600, 2880, 2256, 1824)
    assert sum(m.accepted_per_position) == m.accepted_tokens
    assert m.position_rates()[0] == pytest.approx(0.75)
    assert m.as_dict()["mean_acceptance_length"] == pytest.approx(3.2)


def test_created_gauges_histograms_and_comments_are_ignored():
    samples = parse_prometheus(TEXT)
    assert "vllm:spec_decode_num_drafts_created" in samples  # parsed, but not counted
    (labels, value), *_ = samples["vllm:cache_config_info"]
    assert labels["enable_prefix_caching"] == "True" and value == 1.0
    buckets = samples["vllm:time_to_first_token_seconds_bucket"]
    assert [lab["le"] for lab, _ in buckets] == ["0.001", "0.04", "+Inf"]


def test_counters_are_summed_over_engines_and_filtered_by_model():
    second = TEXT.replace('engine="0"', 'engine="1"')
    other = TEXT.replace(MODEL, "other/model")
    m = spec_decode_metrics(TEXT + second + other)
    assert m is not None and m.drafts == 3 * 4800
    mine = spec_decode_metrics(TEXT + second + other, model=MODEL)
    assert mine is not None and mine.draft_tokens == 2 * 19200
    assert mine.accepted_per_position[0] == 2 * 3600


def test_unlabelled_counters_and_escaped_labels():
    text = (
        "vllm:spec_decode_num_drafts_total 10\n"
        "vllm:spec_decode_num_draft_tokens_total 40 1712345678000\n"
        'vllm:spec_decode_num_accepted_tokens_total{model_name="a \\"quoted\\" name"} 30\n'
    )
    m = spec_decode_metrics(text)
    assert m is not None and (m.drafts, m.draft_tokens, m.accepted_tokens) == (10, 40, 30)
    samples = parse_prometheus(text)
    assert samples["vllm:spec_decode_num_accepted_tokens_total"][0][0]["model_name"] == (
        'a "quoted" name'
    )


def test_no_counters_means_no_speculation():
    without = "\n".join(line for line in TEXT.splitlines() if "spec_decode" not in line)
    assert spec_decode_metrics(without) is None
    empty = SpecDecodeMetrics()
    assert empty.acceptance_rate is None and empty.mean_acceptance_length is None


def test_a_run_is_the_difference_of_two_scrapes():
    before = spec_decode_metrics(TEXT)
    after_text = TEXT.replace("} 4800.0", "} 4900.0").replace("} 19200.0", "} 19600.0")
    after_text = after_text.replace("} 10560.0", "} 10860.0")
    after = spec_decode_metrics(after_text)
    assert before is not None and after is not None
    run = after.since(before)
    assert (run.drafts, run.draft_tokens, run.accepted_tokens) == (100, 400, 300)
    assert run.mean_acceptance_length == pytest.approx(4.0)
    assert run.usage().draft_tokens == 400 and run.usage().accepted_tokens == 300


def test_metrics_url_sits_beside_the_openai_base_url():
    assert metrics_url("http://gpu:8000/v1") == "http://gpu:8000/metrics"
    assert metrics_url("http://gpu:8000/v1/") == "http://gpu:8000/metrics"
    assert metrics_url("http://gpu:8000") == "http://gpu:8000/metrics"


async def test_scrape_reads_metrics_from_a_fake_vllm():
    """A fake vLLM (``httpx.MockTransport``) serving the recorded page."""
    seen: list[str] = []

    def fake_vllm(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.path == "/metrics":
            return httpx.Response(200, text=TEXT)
        return httpx.Response(404)

    async with httpx.AsyncClient(transport=httpx.MockTransport(fake_vllm)) as client:
        m = await scrape_vllm_metrics("http://gpu:8000/v1", client=client)
    assert seen == ["http://gpu:8000/metrics"]
    assert m is not None and m.mean_acceptance_length == pytest.approx(3.2)
